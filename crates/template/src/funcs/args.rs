//! Arguments as the Go signatures declare them: a function taking a `string` refuses an int
//! (Go's "wrong type for value"), one taking `interface{}` converts as sprig does
//! (`strval`, spf13/cast's `ToInt64` and `ToFloat64`).

use crate::parse::parse_int;
use crate::value::{Map, Value};

/// Go's error for an argument of the wrong type.
pub(crate) fn wrong(expected: &str, got: &Value) -> String {
    match got {
        Value::Nil => format!("invalid value; expected {expected}"),
        v => format!(
            "wrong type for value; expected {expected}; got {}",
            v.type_name()
        ),
    }
}

pub(crate) fn str(v: &Value) -> Result<&str, String> {
    v.as_str().ok_or_else(|| wrong("string", v))
}

/// An `int` parameter (an integral float literal is accepted, as Go accepts `2.0`).
pub(crate) fn int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        #[allow(clippy::cast_possible_truncation)]
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(*f as i64),
        v => Err(wrong("int", v)),
    }
}

/// An `int` parameter that sizes something: no larger than `max`.
pub(crate) fn count(v: &Value, max: usize) -> Result<usize, String> {
    let n = int(v)?;
    let n = usize::try_from(n.max(0)).unwrap_or(usize::MAX);
    if n > max {
        return Err(format!("{n} is too large (at most {max})"));
    }
    Ok(n)
}

pub(crate) fn boolean(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        v => Err(wrong("bool", v)),
    }
}

/// A `map[string]interface{}` parameter (nil is an empty map).
pub(crate) fn map(v: &Value) -> Result<Map, String> {
    match v {
        Value::Map(m) => Ok(m.clone()),
        Value::Nil => Ok(Map::new(Default::default())),
        v => Err(wrong("map[string]interface {}", v)),
    }
}

/// Sprig's `strval`: strings as they are, anything else as `%v` prints it.
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        v => v.to_string(),
    }
}

/// spf13/cast's `ToInt64`: numbers truncated, strings parsed as Go integer literals (a
/// `.0…` suffix allowed), booleans 0/1, anything else 0.
pub(crate) fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        #[allow(clippy::cast_possible_truncation)]
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::Str(s) => parse_int(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// spf13/cast's `ToFloat64`.
pub(crate) fn to_float64(v: &Value) -> f64 {
    match v {
        #[allow(clippy::cast_precision_loss)]
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// `"10.00"` → `"10"` (cast's `trimZeroDecimal`).
fn trim_zero_decimal(s: &str) -> &str {
    match s.split_once('.') {
        Some((int, frac))
            if !int.is_empty() && !frac.is_empty() && frac.bytes().all(|b| b == b'0') =>
        {
            int
        }
        _ => s,
    }
}

/// Sprig's `strslice`: a list's non-nil items as strings; nil is empty; a single value is a
/// one-item list.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(items) => items
            .iter()
            .filter(|i| !matches!(i, Value::Nil))
            .map(strval)
            .collect(),
        Value::Nil => Vec::new(),
        v => vec![strval(v)],
    }
}

/// A list parameter of sprig's list functions (`interface{}` holding a slice).
pub(crate) fn list<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], String> {
    match v {
        Value::List(items) => Ok(items),
        v => Err(format!("Cannot {what} on type {}", v.kind_name())),
    }
}

/// Sprig's `empty` (the opposite of Go's truth for the kinds templates have).
pub(crate) fn empty(v: &Value) -> bool {
    !v.truth()
}

/// The result of a function returning `string`.
pub(crate) fn text(s: impl Into<String>) -> Result<Value, String> {
    Ok(Value::Str(s.into()))
}

/// The result of a function returning `[]string`.
pub(crate) fn strings(items: impl IntoIterator<Item = String>) -> Result<Value, String> {
    Ok(Value::list(items.into_iter().map(Value::Str)))
}
