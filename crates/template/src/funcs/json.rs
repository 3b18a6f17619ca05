//! Sprig's JSON functions: `toJson` (Go's `json.Marshal`: sorted keys, `<`, `>` and `&`
//! escaped), `toRawJson` (no HTML escaping), `toPrettyJson` (two-space indent), and
//! `fromJson` (objects become maps, numbers floats, as Go decodes into `interface{}`).
//! The plain variants give `""` or nil on failure, the `must` ones an error.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::args::str;
use super::{Def, fixed};
use crate::value::{MAX_NESTING, MAX_TEXT, Map, Value};

pub(super) static FUNCS: &[Def] = &[
    fixed("toJson", 1, |a| {
        Ok(Value::Str(encode(&a[0], Style::Html).unwrap_or_default()))
    }),
    fixed("mustToJson", 1, |a| {
        encode(&a[0], Style::Html).map(Value::Str)
    }),
    fixed("toRawJson", 1, |a| {
        Ok(Value::Str(encode(&a[0], Style::Raw).unwrap_or_default()))
    }),
    fixed("mustToRawJson", 1, |a| {
        encode(&a[0], Style::Raw).map(Value::Str)
    }),
    fixed("toPrettyJson", 1, |a| {
        Ok(Value::Str(encode(&a[0], Style::Pretty).unwrap_or_default()))
    }),
    fixed("mustToPrettyJson", 1, |a| {
        encode(&a[0], Style::Pretty).map(Value::Str)
    }),
    fixed("fromJson", 1, |a| {
        Ok(decode(str(&a[0])?).unwrap_or_default())
    }),
    fixed("mustFromJson", 1, |a| decode(str(&a[0])?)),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Html,
    Raw,
    Pretty,
}

fn encode(v: &Value, style: Style) -> Result<String, String> {
    let mut out = String::new();
    write_json(&mut out, v, style, 0)?;
    Ok(out)
}

fn write_json(out: &mut String, v: &Value, style: Style, depth: usize) -> Result<(), String> {
    if depth > MAX_NESTING || out.len() > MAX_TEXT {
        return Err("json: value nested too deeply or too large".into());
    }
    let newline = |out: &mut String, depth: usize| {
        if style == Style::Pretty {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
    };
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float(*f)?),
        Value::Str(s) => string(out, s, style != Style::Raw),
        Value::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_json(out, item, style, depth + 1)?;
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Map(_) | Value::Struct(_) => {
            let entries: Vec<(String, Value)> = match v {
                Value::Map(m) => m.entries(),
                Value::Struct(s) => s
                    .field_names()
                    .map(str::to_string)
                    .zip(s.values().cloned())
                    .collect(),
                _ => Vec::new(),
            };
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                string(out, k, style != Style::Raw);
                out.push_str(if style == Style::Pretty { ": " } else { ":" });
                write_json(out, item, style, depth + 1)?;
            }
            newline(out, depth);
            out.push('}');
        }
    }
    Ok(())
}

/// Go's float encoding: fixed notation, or exponent form outside [1e-6, 1e21).
fn float(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            crate::value::format_float(f, 'g', None)
        ));
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let e = format!("{f:e}");
        return Ok(match e.split_once('e') {
            Some((m, x)) if !x.starts_with('-') => format!("{m}e+{x}"),
            _ => e,
        });
    }
    Ok(format!("{f}"))
}

fn string(out: &mut String, s: &str, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if html => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if c < ' ' || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn decode(s: &str) -> Result<Value, String> {
    let v: serde_json::Value = serde_json::from_str(s).map_err(|e| e.to_string())?;
    Ok(from_serde(v))
}

fn from_serde(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::Str(s),
        serde_json::Value::Array(items) => Value::list(items.into_iter().map(from_serde)),
        serde_json::Value::Object(o) => {
            let m: BTreeMap<String, Value> =
                o.into_iter().map(|(k, v)| (k, from_serde(v))).collect();
            Value::Map(Map::new(m))
        }
    }
}
