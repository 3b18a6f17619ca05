//! `format: json`: logrus' JSON formatter over Traefik's table: one object per line, keys
//! sorted (Go marshals maps sorted), plus `level`, `msg` and `time`; strings escaped as Go's
//! `encoding/json` does (HTML characters included). The order of the fixed keys is sorted
//! once; only header keys, when `fields.headers` shows any, are sorted per line.

use std::fmt::Write;
use std::sync::OnceLock;
use std::time::SystemTime;

use super::{Value, headers, kept, push_i64};
use crate::config::Settings;
use crate::field::Field;
use crate::record::Record;
use crate::time::Civil;

/// A fixed key of the object.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Field(Field),
    Level,
    Msg,
    Time,
}

impl Slot {
    fn key(self) -> &'static str {
        match self {
            Slot::Field(f) => f.name(),
            Slot::Level => "level",
            Slot::Msg => "msg",
            Slot::Time => "time",
        }
    }
}

/// The fixed keys in Go's (byte) order.
fn order() -> &'static [Slot] {
    static ORDER: OnceLock<Vec<Slot>> = OnceLock::new();
    ORDER.get_or_init(|| {
        let mut v: Vec<Slot> = Field::ALL.iter().map(|f| Slot::Field(*f)).collect();
        v.extend([Slot::Level, Slot::Msg, Slot::Time]);
        v.sort_by_key(|s| s.key());
        v
    })
}

/// Appends the line (with its newline) to `out`.
pub(crate) fn json(rec: &Record, settings: &Settings, now: SystemTime, out: &mut String) {
    let mut extra = Vec::new();
    if settings.wants_headers() {
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
        extra.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut extra = extra.iter().peekable();
    out.push('{');
    let mut first = true;
    let mut start = None;
    for slot in order() {
        while let Some((k, v)) = extra.next_if(|(k, _)| k.as_str() < slot.key()) {
            header_key(out, &mut first, k);
            entry(out, k, v);
        }
        let value = match *slot {
            Slot::Field(f) => match kept(f, rec, settings) {
                Some(v) => v,
                None => continue,
            },
            Slot::Level => Value::Str("info".into()),
            Slot::Msg => Value::Str("".into()),
            Slot::Time => Value::Time(now),
        };
        // Fixed keys are plain ASCII: written as they are, not escaped.
        if !std::mem::take(&mut first) {
            out.push(',');
        }
        out.push('"');
        out.push_str(slot.key());
        out.push_str("\":");
        // `StartUTC` and `StartLocal` are the same text (both in UTC): formatted once.
        if let (Slot::Field(_), Value::Time(_)) = (slot, &value) {
            if let Some(text) = start.clone() {
                out.extend_from_within(text);
            } else {
                let from = out.len();
                entry(out, slot.key(), &value);
                start = Some(from..out.len());
            }
            continue;
        }
        entry(out, slot.key(), &value);
    }
    for (k, v) in extra {
        header_key(out, &mut first, k);
        entry(out, k, v);
    }
    out.push_str("}\n");
}

/// A header's key (`request_User-Agent`), escaped: header names are the client's.
fn header_key(out: &mut String, first: &mut bool, key: &str) {
    if !std::mem::take(first) {
        out.push(',');
    }
    escape(key, out);
    out.push(':');
}

/// The value of the key just written.
fn entry(out: &mut String, key: &str, v: &Value<'_>) {
    match v {
        Value::Str(s) => escape(s, out),
        Value::Int(n) => push_i64(out, *n),
        Value::Float(f) => {
            let _ = write!(out, "{f}");
        }
        // logrus writes `time` with RFC 3339 (seconds); the table's times carry nanoseconds.
        Value::Time(t) if key == "time" => {
            out.push('"');
            Civil::from(*t).rfc3339(out);
            out.push('"');
        }
        // Addresses, ports and timestamps need no escaping.
        other => {
            out.push('"');
            other.write_text(out);
            out.push('"');
        }
    }
}

/// The bytes that may need escaping: controls, `"`, `\\`, HTML's `<>&`, and 0xe2 (the
/// first byte of U+2028 and U+2029).
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[0xe2] = true;
    t
};

/// A JSON string as Go's `encoding/json` writes it with HTML escaping on.
pub(crate) fn escape(s: &str, out: &mut String) {
    out.push('"');
    if !s.bytes().any(|b| SPECIAL[usize::from(b)]) {
        out.push_str(s);
        out.push('"');
        return;
    }
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
