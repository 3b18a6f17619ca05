//! Go's `fmt.Sprint`, `fmt.Sprintln` and `fmt.Sprintf` over template values: the verbs
//! `%v %s %d %q %t %x %X %o %b %c %U %e %E %f %F %g %G %T %%`, the flags `- + # 0 space`,
//! width and precision (`*` included), and Go's `%!d(string=x)`, `%!s(MISSING)` and
//! `%!(EXTRA …)` markers for mismatches.

use std::fmt::Write;

use super::{Def, variadic};
use crate::value::{MAX_NESTING, MAX_TEXT, Value, format_float, quote};

pub(super) static FUNCS: &[Def] = &[
    variadic("print", 0, |a| Ok(Value::Str(sprint(a)))),
    variadic("println", 0, |a| Ok(Value::Str(sprintln(a)))),
    variadic("printf", 1, |a| {
        let format = super::args::str(&a[0])?;
        Ok(Value::Str(sprintf(format, &a[1..])))
    }),
];

/// `fmt.Sprint`: a space between operands when neither is a string.
pub(crate) fn sprint(a: &[Value]) -> String {
    let mut out = String::new();
    for (i, v) in a.iter().enumerate() {
        let is_str = |v: &Value| matches!(v, Value::Str(_));
        if i > 0 && !is_str(v) && !is_str(&a[i - 1]) {
            out.push(' ');
        }
        let _ = write!(out, "{v}");
    }
    out
}

fn sprintln(a: &[Value]) -> String {
    let mut out = a
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    out.push('\n');
    out
}

/// The largest width or precision honoured (Rust's formatter takes at most `u16::MAX`).
const MAX_WIDTH: usize = 1000;

#[derive(Debug, Default, Clone, Copy)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// `fmt.Sprintf`.
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                _ => break,
            }
            chars.next();
        }
        let mut number = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
            if chars.peek() == Some(&'*') {
                chars.next();
                let n = args.get(next).and_then(|v| match v {
                    Value::Int(i) => usize::try_from(*i).ok().map(|n| n.min(MAX_WIDTH)),
                    _ => None,
                });
                next += 1;
                return n;
            }
            let mut n: Option<usize> = None;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = Some(
                    n.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(d as usize)
                        .min(MAX_WIDTH),
                );
                chars.next();
            }
            n
        };
        spec.width = number(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.prec = Some(number(&mut chars).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        next += 1;
        out.push_str(&one(arg, verb, &spec));
    }
    if next < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, v) in args[next..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{}={v}", v.type_name());
        }
        out.push(')');
    }
    out
}

/// One argument formatted with `verb`; containers format each item (cut with `...` past
/// [`MAX_TEXT`] bytes, as their parts may be shared).
fn one(v: &Value, verb: char, spec: &Spec) -> String {
    if verb == 'T' {
        return scalar(v, verb, spec);
    }
    let mut out = String::new();
    one_into(&mut out, v, verb, spec, 0);
    out
}

fn one_into(out: &mut String, v: &Value, verb: char, spec: &Spec, depth: usize) {
    if depth > MAX_NESTING || out.len() > MAX_TEXT {
        out.push_str("...");
        return;
    }
    let items: Vec<(Option<String>, Value)> = match v {
        Value::List(items) => items.iter().map(|i| (None, i.clone())).collect(),
        Value::Map(m) => m.entries().into_iter().map(|(k, i)| (Some(k), i)).collect(),
        Value::Struct(s) => s.values().map(|i| (None, i.clone())).collect(),
        v => {
            out.push_str(&scalar(v, verb, spec));
            return;
        }
    };
    let (open, close) = match v {
        Value::Map(_) => ("map[", "]"),
        Value::Struct(_) => ("{", "}"),
        _ => ("[", "]"),
    };
    out.push_str(open);
    for (i, (key, item)) in items.iter().enumerate() {
        if out.len() > MAX_TEXT {
            break;
        }
        if i > 0 {
            out.push(' ');
        }
        if let Some(k) = key {
            out.push_str(&scalar(&Value::Str(k.clone()), verb, spec));
            out.push(':');
        }
        one_into(out, item, verb, spec, depth + 1);
    }
    out.push_str(close);
}

/// A value that is not a container.
fn scalar(v: &Value, verb: char, spec: &Spec) -> String {
    if verb == 'T' {
        return pad(&v.type_name(), spec, false);
    }
    match v {
        Value::Str(s) => match verb {
            'v' | 's' => pad(&truncate(s, spec.prec), spec, false),
            'q' if spec.sharp && !s.contains('`') => pad(&format!("`{s}`"), spec, false),
            'q' => pad(&quote(&truncate(s, spec.prec)), spec, false),
            'x' | 'X' => {
                let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
                let hex = if verb == 'X' { hex.to_uppercase() } else { hex };
                pad(&hex, spec, false)
            }
            _ => bad(verb, v),
        },
        Value::Int(i) => integer(*i, verb, spec).unwrap_or_else(|| bad(verb, v)),
        Value::Float(f) => match verb {
            'v' | 'g' | 'G' | 'e' | 'E' | 'f' | 'F' => {
                let verb = match verb {
                    'v' => 'g',
                    'F' => 'f',
                    v => v,
                };
                let s = format_float(*f, verb, spec.prec);
                pad(&signed(s, spec), spec, true)
            }
            _ => bad(verb, v),
        },
        Value::Bool(b) => match verb {
            'v' | 't' => pad(&b.to_string(), spec, false),
            _ => bad(verb, v),
        },
        Value::Nil => match verb {
            'v' => pad("<nil>", spec, false),
            _ => format!("%!{verb}(<nil>)"),
        },
        other => bad(verb, other),
    }
}

fn integer(i: i64, verb: char, spec: &Spec) -> Option<String> {
    let mag = i.unsigned_abs();
    let (digits, prefix) = match verb {
        'v' | 'd' => (mag.to_string(), ""),
        'b' => (format!("{mag:b}"), "0b"),
        'o' => (format!("{mag:o}"), "0"),
        'x' => (format!("{mag:x}"), "0x"),
        'X' => (format!("{mag:X}"), "0X"),
        'c' => return Some(pad(&char_of(i).to_string(), spec, false)),
        'q' => return Some(pad(&format!("'{}'", char_of(i)), spec, false)),
        'U' => return Some(pad(&format!("U+{mag:04X}"), spec, false)),
        _ => return None,
    };
    let digits = match spec.prec {
        Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
        _ => digits,
    };
    let prefix = if spec.sharp { prefix } else { "" };
    let sign = if i < 0 { "-" } else { "" };
    Some(pad(
        &signed(format!("{sign}{prefix}{digits}"), spec),
        spec,
        spec.prec.is_none(),
    ))
}

fn char_of(i: i64) -> char {
    u32::try_from(i)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{FFFD}')
}

/// The `+` and space flags on a number.
fn signed(s: String, spec: &Spec) -> String {
    if s.starts_with('-') {
        s
    } else if spec.plus {
        format!("+{s}")
    } else if spec.space {
        format!(" {s}")
    } else {
        s
    }
}

fn truncate(s: &str, prec: Option<usize>) -> String {
    match prec {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    }
}

/// Pads to the width: on the right with `-`, else on the left, with zeros after the sign
/// for numbers with the `0` flag.
fn pad(s: &str, spec: &Spec, numeric: bool) -> String {
    let len = s.chars().count();
    let Some(width) = spec.width.filter(|&w| w > len) else {
        return s.to_string();
    };
    let fill = width - len;
    if spec.minus {
        return format!("{s}{}", " ".repeat(fill));
    }
    if spec.zero && numeric {
        let sign_len = usize::from(s.starts_with(['-', '+', ' ']));
        let (sign, rest) = s.split_at(sign_len);
        return format!("{sign}{}{rest}", "0".repeat(fill));
    }
    format!("{}{s}", " ".repeat(fill))
}

fn bad(verb: char, v: &Value) -> String {
    format!("%!{verb}({}={v})", v.type_name())
}
