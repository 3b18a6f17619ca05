//! Sprig's regular-expression functions (`regex.go`) over the `regex` crate, whose syntax is
//! RE2's, as Go's `regexp`. The plain variants of `regexFind`, `regexFindAll` and
//! `regexReplaceAll` fail on an invalid expression like the `must` ones (sprig panics there,
//! which Go reports as the same error); `regexMatch` answers false.

use regex::{NoExpand, Regex};

use super::args::{int, str, strings, text};
use super::{Def, fixed};
use crate::value::Value;

pub(super) static FUNCS: &[Def] = &[
    fixed("regexMatch", 2, |a| {
        let s = str(&a[1])?;
        Ok(Value::Bool(compile(&a[0]).is_ok_and(|re| re.is_match(s))))
    }),
    fixed("mustRegexMatch", 2, |a| {
        Ok(Value::Bool(compile(&a[0])?.is_match(str(&a[1])?)))
    }),
    fixed("regexFindAll", 3, find_all),
    fixed("mustRegexFindAll", 3, find_all),
    fixed("regexFind", 2, find),
    fixed("mustRegexFind", 2, find),
    fixed("regexReplaceAll", 3, |a| {
        text(compile(&a[0])?.replace_all(str(&a[1])?, str(&a[2])?))
    }),
    fixed("mustRegexReplaceAll", 3, |a| {
        text(compile(&a[0])?.replace_all(str(&a[1])?, str(&a[2])?))
    }),
    fixed("regexReplaceAllLiteral", 3, |a| {
        text(compile(&a[0])?.replace_all(str(&a[1])?, NoExpand(str(&a[2])?)))
    }),
    fixed("mustRegexReplaceAllLiteral", 3, |a| {
        text(compile(&a[0])?.replace_all(str(&a[1])?, NoExpand(str(&a[2])?)))
    }),
    fixed("regexSplit", 3, split),
    fixed("mustRegexSplit", 3, split),
    fixed("regexQuoteMeta", 1, |a| text(quote_meta(str(&a[0])?))),
];

fn compile(v: &Value) -> Result<Regex, String> {
    let src = str(v)?;
    Regex::new(src).map_err(|e| format!("error parsing regexp {src:?}: {e}"))
}

/// At most `n` matches (all when `n < 0`).
fn limit(n: i64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn find(a: &[Value]) -> Result<Value, String> {
    let re = compile(&a[0])?;
    text(re.find(str(&a[1])?).map_or("", |m| m.as_str()))
}

fn find_all(a: &[Value]) -> Result<Value, String> {
    let re = compile(&a[0])?;
    let n = limit(int(&a[2])?);
    strings(
        re.find_iter(str(&a[1])?)
            .take(n)
            .map(|m| m.as_str().to_string()),
    )
}

fn split(a: &[Value]) -> Result<Value, String> {
    let re = compile(&a[0])?;
    let n = int(&a[2])?;
    if n == 0 {
        return strings(Vec::new());
    }
    strings(re.splitn(str(&a[1])?, limit(n)).map(str::to_string))
}

/// Go's `regexp.QuoteMeta`: a backslash before each of `\.+*?()|[]{}^$`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
