//! Go's builtin template functions (`text/template/funcs.go`), except the `fmt` family in
//! `printf.rs`. `and` and `or` are evaluated lazily by the executor; these bodies serve
//! only when they are handed already evaluated arguments.

use super::{Def, fixed, variadic};
use crate::value::Value;

pub(super) static FUNCS: &[Def] = &[
    variadic("and", 1, |a| {
        Ok(a.iter()
            .find(|v| !v.truth())
            .unwrap_or(&a[a.len() - 1])
            .clone())
    }),
    variadic("or", 1, |a| {
        Ok(a.iter()
            .find(|v| v.truth())
            .unwrap_or(&a[a.len() - 1])
            .clone())
    }),
    fixed("not", 1, |a| Ok(Value::Bool(!a[0].truth()))),
    fixed("len", 1, |a| length(&a[0])),
    variadic("index", 1, index),
    variadic("eq", 1, |a| eq(a).map(Value::Bool)),
    fixed("ne", 2, |a| eq(a).map(|e| Value::Bool(!e))),
    fixed("lt", 2, |a| lt(&a[0], &a[1]).map(Value::Bool)),
    fixed("le", 2, |a| Ok(Value::Bool(lt(&a[0], &a[1])? || eq(a)?))),
    fixed("gt", 2, |a| Ok(Value::Bool(!(lt(&a[0], &a[1])? || eq(a)?)))),
    fixed("ge", 2, |a| lt(&a[0], &a[1]).map(|l| Value::Bool(!l))),
    variadic("html", 0, |a| Ok(Value::Str(html(&eval_args(a))))),
    variadic("js", 0, |a| Ok(Value::Str(js(&eval_args(a))))),
    variadic("urlquery", 0, |a| {
        Ok(Value::Str(query_escape(&eval_args(a))))
    }),
];

fn length(v: &Value) -> Result<Value, String> {
    let n = match v {
        Value::Str(s) => s.len(),
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        Value::Nil => return Err("len of nil pointer".into()),
        v => return Err(format!("len of type {}", v.type_name())),
    };
    Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

/// `index x 1 2` is `x[1][2]`; a missing map key gives the map's zero value.
fn index(a: &[Value]) -> Result<Value, String> {
    let mut v = a[0].clone();
    for i in &a[1..] {
        v = match &v {
            Value::List(items) => items
                .get(position(i, items.len())?)
                .cloned()
                .unwrap_or_default(),
            Value::Str(s) => Value::Int(i64::from(s.as_bytes()[position(i, s.len())?])),
            Value::Map(m) => match i {
                Value::Str(k) => m.get(k).unwrap_or_else(|| m.zero()),
                Value::Nil => m.get("").unwrap_or_else(|| m.zero()),
                other => {
                    let t = other.type_name();
                    return Err(format!("{t} is not index type for {}", v.type_name()));
                }
            },
            Value::Nil => return Err("index of untyped nil".into()),
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(v)
}

fn position(i: &Value, len: usize) -> Result<usize, String> {
    let Value::Int(x) = i else {
        return Err(format!(
            "cannot index slice/array with type {}",
            i.type_name()
        ));
    };
    usize::try_from(*x)
        .ok()
        .filter(|&x| x < len)
        .ok_or_else(|| format!("index out of range: {x}"))
}

/// Go's `eq`: the first argument equals any of the others (basic kinds only).
pub(crate) fn eq(a: &[Value]) -> Result<bool, String> {
    if a.len() < 2 {
        return Err("missing argument for comparison".into());
    }
    for b in &a[1..] {
        let same = match (&a[0], b) {
            (Value::Nil, Value::Nil) => true,
            (Value::Nil, _) | (_, Value::Nil) => false,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::Str(x), Value::Str(y)) => x == y,
            (x, y) if x.kind_name() == y.kind_name() => {
                return Err(format!("non-comparable type {x}: {}", x.type_name()));
            }
            _ => return Err("incompatible types for comparison".into()),
        };
        if same {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x < y),
        (Value::Float(x), Value::Float(y)) => Ok(x < y),
        (Value::Str(x), Value::Str(y)) => Ok(x < y),
        (
            Value::Int(_) | Value::Float(_) | Value::Str(_),
            Value::Int(_) | Value::Float(_) | Value::Str(_),
        ) => Err("incompatible types for comparison".into()),
        _ => Err("invalid type for comparison".into()),
    }
}

/// The arguments as one string: `fmt.Sprint`, nil printing `<no value>` (Go's `evalArgs`).
fn eval_args(a: &[Value]) -> String {
    if let [Value::Str(s)] = a {
        return s.clone();
    }
    let printable: Vec<Value> = a
        .iter()
        .map(|v| match v {
            Value::Nil => Value::Str("<no value>".into()),
            v => v.clone(),
        })
        .collect();
    super::printf::sprint(&printable)
}

fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if c < ' ' => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
