//! `format: json`: logrus' JSON formatter over Traefik's table: one object per line, keys
//! sorted (Go marshals maps sorted), plus `level`, `msg` and `time`; strings escaped as Go's
//! `encoding/json` does (HTML characters included).

use std::fmt::Write;
use std::time::SystemTime;

use super::{Value, headers, kept};
use crate::config::Settings;
use crate::field::Field;
use crate::record::Record;
use crate::time::Civil;

/// Appends the line (with its newline) to `out`.
pub(crate) fn json(rec: &Record, settings: &Settings, now: SystemTime, out: &mut String) {
    let mut extra = Vec::new();
    headers(
        rec.request_headers.as_ref(),
        "request_",
        settings,
        &mut extra,
    );
    let origin_headers = rec.origin.as_ref().and_then(|o| o.headers.as_ref());
    headers(origin_headers, "origin_", settings, &mut extra);
    headers(
        rec.downstream_headers.as_ref(),
        "downstream_",
        settings,
        &mut extra,
    );
    let mut time = String::new();
    Civil::from(now).rfc3339(&mut time);
    let mut entries: Vec<(&str, Value<'_>)> = Field::ALL
        .iter()
        .filter_map(|f| kept(*f, rec, settings).map(|v| (f.name(), v)))
        .collect();
    entries.extend(extra.iter().map(|(k, v)| (k.as_str(), v.clone())));
    entries.push(("level", Value::Str("info".into())));
    entries.push(("msg", Value::Str("".into())));
    entries.push(("time", Value::Str(time.into())));
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        escape(k, out);
        out.push(':');
        match v {
            Value::Str(s) => escape(s, out),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Float(f) => {
                let _ = write!(out, "{f}");
            }
        }
    }
    out.push_str("}\n");
}

/// A JSON string as Go's `encoding/json` writes it with HTML escaping on.
pub(crate) fn escape(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
