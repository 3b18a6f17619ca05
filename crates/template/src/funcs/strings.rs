//! Sprig's string functions (`strings.go` and the string entries of `functions.go`), with
//! sprig's argument order: the string operated on comes last, so it can be piped in
//! (`{{ .Name | trimPrefix "web-" }}`).

use std::fmt::Write;

use super::args::{count, int, str, strslice, strval, text};
use super::{Def, fixed, variadic};
use crate::value::{MAX_TEXT, Map, Value, quote};

pub(super) static FUNCS: &[Def] = &[
    fixed("hello", 0, |_| text("Hello!")),
    fixed("trim", 1, |a| text(str(&a[0])?.trim())),
    fixed("upper", 1, |a| text(str(&a[0])?.to_uppercase())),
    fixed("lower", 1, |a| text(str(&a[0])?.to_lowercase())),
    fixed("title", 1, |a| text(title(str(&a[0])?))),
    fixed("untitle", 1, |a| text(untitle(str(&a[0])?))),
    fixed("swapcase", 1, |a| text(swapcase(str(&a[0])?))),
    fixed("substr", 3, |a| {
        substr(int(&a[0])?, int(&a[1])?, str(&a[2])?)
    }),
    fixed("repeat", 2, |a| {
        let s = str(&a[1])?;
        let n = count(&a[0], MAX_TEXT / s.len().max(1))?;
        text(s.repeat(n))
    }),
    fixed("trimAll", 2, |a| text(trim_all(str(&a[0])?, str(&a[1])?))),
    fixed("trimall", 2, |a| text(trim_all(str(&a[0])?, str(&a[1])?))),
    fixed("trimSuffix", 2, |a| {
        let (suffix, s) = (str(&a[0])?, str(&a[1])?);
        text(s.strip_suffix(suffix).unwrap_or(s))
    }),
    fixed("trimPrefix", 2, |a| {
        let (prefix, s) = (str(&a[0])?, str(&a[1])?);
        text(s.strip_prefix(prefix).unwrap_or(s))
    }),
    fixed("nospace", 1, |a| {
        text(
            str(&a[0])?
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>(),
        )
    }),
    fixed("trunc", 2, |a| text(trunc(int(&a[0])?, str(&a[1])?))),
    fixed("abbrev", 2, |a| text(abbrev(int(&a[0])?, str(&a[1])?))),
    fixed("initials", 1, |a| text(initials(str(&a[0])?))),
    fixed("contains", 2, |a| {
        Ok(Value::Bool(str(&a[1])?.contains(str(&a[0])?)))
    }),
    fixed("hasPrefix", 2, |a| {
        Ok(Value::Bool(str(&a[1])?.starts_with(str(&a[0])?)))
    }),
    fixed("hasSuffix", 2, |a| {
        Ok(Value::Bool(str(&a[1])?.ends_with(str(&a[0])?)))
    }),
    variadic("quote", 0, |a| text(join_non_nil(a, |v| quote(&strval(v))))),
    variadic("squote", 0, |a| text(join_non_nil(a, |v| format!("'{v}'")))),
    variadic("cat", 0, |a| text(join_non_nil(a, ToString::to_string))),
    fixed("indent", 2, |a| text(indent(indent_width(a)?, str(&a[1])?))),
    fixed("nindent", 2, |a| {
        text(format!("\n{}", indent(indent_width(a)?, str(&a[1])?)))
    }),
    fixed("replace", 3, |a| {
        replace(str(&a[0])?, str(&a[1])?, str(&a[2])?)
    }),
    fixed("plural", 3, |a| {
        let pick = if int(&a[2])? == 1 { &a[0] } else { &a[1] };
        text(str(pick)?)
    }),
    fixed("toString", 1, |a| text(strval(&a[0]))),
    fixed("toStrings", 1, |a| super::args::strings(strslice(&a[0]))),
    fixed("split", 2, |a| {
        Ok(indexed(go_split(str(&a[1])?, str(&a[0])?, -1)))
    }),
    fixed("splitn", 3, |a| {
        Ok(indexed(go_split(str(&a[2])?, str(&a[0])?, int(&a[1])?)))
    }),
    fixed("splitList", 2, |a| {
        super::args::strings(go_split(str(&a[1])?, str(&a[0])?, -1))
    }),
    fixed("join", 2, |a| text(strslice(&a[1]).join(str(&a[0])?))),
    fixed("sortAlpha", 1, |a| {
        let mut items = match &a[0] {
            Value::List(_) => strslice(&a[0]),
            v => vec![strval(v)],
        };
        items.sort();
        super::args::strings(items)
    }),
];

/// Go's `strings.Title`: the first letter of every word upper-cased.
fn title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let sep = is_separator(prev);
            prev = c;
            if sep {
                c.to_uppercase().collect::<String>()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphanumeric() {
        return false;
    }
    c.is_whitespace()
}

fn untitle(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn swapcase(s: &str) -> String {
    s.chars()
        .flat_map(|c| -> Box<dyn Iterator<Item = char>> {
            if c.is_uppercase() {
                Box::new(c.to_lowercase())
            } else if c.is_lowercase() {
                Box::new(c.to_uppercase())
            } else {
                Box::new(std::iter::once(c))
            }
        })
        .collect()
}

/// Sprig's `substr`: byte offsets, `start < 0` meaning from the beginning and `end < 0`
/// (or past the end) meaning to the end.
fn substr(start: i64, end: i64, s: &str) -> Result<Value, String> {
    let bound = |i: i64| usize::try_from(i).ok();
    let range = if start < 0 {
        bound(end).map(|e| 0..e)
    } else if end < 0 || bound(end).is_some_and(|e| e > s.len()) {
        bound(start).map(|b| b..s.len())
    } else {
        bound(start).zip(bound(end)).map(|(b, e)| b..e)
    };
    range
        .and_then(|r| s.get(r))
        .map(|s| Value::Str(s.to_string()))
        .ok_or_else(|| {
            format!(
                "slice bounds out of range [{start}:{end}] with length {}",
                s.len()
            )
        })
}

fn trim_all(cutset: &str, s: &str) -> String {
    s.trim_matches(|c| cutset.contains(c)).to_string()
}

/// The byte index at or below `i` that starts a character.
fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Sprig's `trunc`: the first `c` bytes, or for a negative `c` the last `-c`.
fn trunc(c: i64, s: &str) -> String {
    let len = i64::try_from(s.len()).unwrap_or(i64::MAX);
    if c < 0 && len + c > 0 {
        let from = usize::try_from(len + c).unwrap_or(0);
        return s[floor_char(s, from)..].to_string();
    }
    if c >= 0 && len > c {
        let to = usize::try_from(c).unwrap_or(0);
        return s[..floor_char(s, to)].to_string();
    }
    s.to_string()
}

fn abbrev(width: i64, s: &str) -> String {
    let Ok(w) = usize::try_from(width) else {
        return s.to_string();
    };
    if w < 4 || s.len() <= w {
        return s.to_string();
    }
    format!("{}...", &s[..floor_char(s, w - 3)])
}

fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for c in s.chars() {
        if c.is_whitespace() {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

fn join_non_nil(a: &[Value], f: impl Fn(&Value) -> String) -> String {
    let parts: Vec<String> = a
        .iter()
        .filter(|v| !matches!(v, Value::Nil))
        .map(f)
        .collect();
    parts.join(" ")
}

/// Go's `strings.Replace(src, old, new, -1)` (an empty `old` matches between characters),
/// refusing results past [`MAX_TEXT`] before building them.
fn replace(old: &str, new: &str, src: &str) -> Result<Value, String> {
    let count = if old.is_empty() {
        src.chars().count() + 1
    } else {
        src.matches(old).count()
    };
    let grown = count.saturating_mul(new.len().saturating_sub(old.len()));
    if src.len().saturating_add(grown) > MAX_TEXT {
        return Err(format!("result larger than {} MiB", MAX_TEXT >> 20));
    }
    text(src.replace(old, new))
}

/// `indent`'s width, refused when the result would pass [`MAX_TEXT`].
fn indent_width(a: &[Value]) -> Result<usize, String> {
    let s = str(&a[1])?;
    let lines = s.matches('\n').count() + 1;
    count(&a[0], (MAX_TEXT - s.len().min(MAX_TEXT)) / lines)
}

fn indent(n: usize, s: &str) -> String {
    let pad = " ".repeat(n);
    let mut out = pad.clone();
    out.push_str(&s.replace('\n', &format!("\n{pad}")));
    out
}

/// Go's `strings.SplitN(s, sep, n)` (`n < 0`: all; an empty `sep` splits characters).
pub(crate) fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    let limit = usize::try_from(n).unwrap_or(usize::MAX);
    if sep.is_empty() {
        let chars: Vec<&str> = s.split_inclusive(|_| true).collect();
        if chars.len() <= limit {
            return chars.into_iter().map(str::to_string).collect();
        }
        let head: usize = chars[..limit - 1].iter().map(|c| c.len()).sum();
        let mut out: Vec<String> = chars[..limit - 1].iter().map(|c| c.to_string()).collect();
        out.push(s[head..].to_string());
        return out;
    }
    s.splitn(limit, sep).map(str::to_string).collect()
}

/// Sprig's `split` result: a `map[string]string` keyed `_0`, `_1`, ….
fn indexed(parts: Vec<String>) -> Value {
    let mut key = String::new();
    Value::Map(Map::strings(parts.into_iter().enumerate().map(|(i, p)| {
        key.clear();
        let _ = write!(key, "_{i}");
        (key.clone(), p)
    })))
}
