//! The byte-for-byte guard of the JSON line: the formatter as it was before it wrote its
//! keys as literals (a walk over the sorted key table, through [`Value`]), kept here as the
//! reference, and records that show every field, escape, header and absence.

use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue, Method, Version};

use super::super::{Value, headers, kept, push_i64};
use crate::config::Settings;
use crate::field::Field;
use crate::record::{Origin, Record, TlsFacts, TraceIds};
use crate::time::Civil;

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

/// The reference line.
fn reference(rec: &Record, settings: &Settings, now: SystemTime) -> String {
    let mut order: Vec<Slot> = Field::ALL.iter().map(|f| Slot::Field(*f)).collect();
    order.extend([Slot::Level, Slot::Msg, Slot::Time]);
    order.sort_by_key(|s| s.key());
    let mut extra = Vec::new();
    if settings.wants_headers() {
        let origin_headers = rec.origin.as_ref().and_then(|o| o.headers.as_ref());
        headers(
            rec.request_headers.as_ref(),
            "request_",
            settings,
            &mut extra,
        );
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
    let mut out = String::from("{");
    let mut first = true;
    for slot in order {
        while let Some((k, v)) = extra.next_if(|(k, _)| k.as_str() < slot.key()) {
            header_key(&mut out, &mut first, k);
            escape(v, &mut out);
        }
        let value = match slot {
            Slot::Field(f) => match kept(f, rec, settings) {
                Some(v) => v,
                None => continue,
            },
            Slot::Level => Value::Str("info".into()),
            Slot::Msg => Value::Str("".into()),
            Slot::Time => Value::Time(now),
        };
        if !std::mem::take(&mut first) {
            out.push(',');
        }
        let _ = write!(out, "\"{}\":", slot.key());
        entry(&mut out, slot.key(), &value);
    }
    for (k, v) in extra {
        header_key(&mut out, &mut first, k);
        escape(v, &mut out);
    }
    out.push_str("}\n");
    out
}

fn header_key(out: &mut String, first: &mut bool, key: &str) {
    if !std::mem::take(first) {
        out.push(',');
    }
    escape(key, out);
    out.push(':');
}

fn entry(out: &mut String, key: &str, v: &Value<'_>) {
    match v {
        Value::Str(s) => escape(s, out),
        Value::Int(n) => push_i64(out, *n),
        Value::Float(f) => {
            let _ = write!(out, "{f}");
        }
        Value::Time(t) if key == "time" => {
            out.push('"');
            Civil::from(*t).rfc3339(out);
            out.push('"');
        }
        other => {
            out.push('"');
            other.write_text(out);
            out.push('"');
        }
    }
}

fn escape(s: &str, out: &mut String) {
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

fn settings(json: &str) -> Settings {
    let cfg: waygate_config::static_config::AccessLog = serde_json::from_str(json).expect("config");
    Settings::new(&cfg)
}

/// `format::tests`' proxied GET, without request headers.
fn plain() -> Record {
    Record {
        request_headers: None,
        ..crate::format::tests::record()
    }
}

/// Every field present, and strings that need escaping everywhere one can be.
fn loaded() -> Record {
    let mut req = HeaderMap::new();
    req.insert("user-agent", HeaderValue::from_static("curl/8 <x>"));
    req.append("accept", HeaderValue::from_static("a"));
    req.append("accept", HeaderValue::from_static("b\"c"));
    req.insert("host", HeaderValue::from_static("ignored"));
    req.insert(
        "a",
        HeaderValue::from_bytes(b"caf\xc3\xa9 \xff").expect("value"),
    );
    req.insert("zz-last", HeaderValue::from_static("z"));
    let mut down = HeaderMap::new();
    down.insert("content-type", HeaderValue::from_static("text/plain"));
    down.insert("set-cookie", HeaderValue::from_static("s=1"));
    let mut origin_headers = HeaderMap::new();
    origin_headers.insert("server", HeaderValue::from_static("o\\s"));
    Record {
        start: UNIX_EPOCH + Duration::new(4_102_444_799, 1),
        started: None,
        duration: Duration::from_secs(u64::MAX),
        entry_point: Arc::from("we\u{2028}b"),
        router: Some(Arc::from("r&<>@file")),
        service: Some(Arc::from("s\t@file")),
        client: "[2001:db8::1]:443".parse::<SocketAddr>().expect("addr"),
        forwarded_for: Some(HeaderValue::from_bytes(b"1.2.3.4, \xe2\x80\xa8").expect("value")),
        username: Some(Arc::from("al\"ice\u{1}")),
        host: Some(HeaderValue::from_static("[::1]:8443")),
        method: Method::from_bytes(b"PURGE&").expect("method"),
        uri: "/a%20b?q=1&y".parse().expect("uri"),
        version: Version::HTTP_2,
        tls: Some(Arc::new(TlsFacts {
            version: "1.3",
            cipher: "TLS_AES_128_GCM_SHA256".into(),
            client_subject: Some("CN=a\\,b,O=\"x\"".into()),
        })),
        request_size: 12_345,
        count: u64::MAX,
        origin: Some(Origin {
            url: "http://é/<p>".into(),
            addr: "h:1".into(),
            status: 0,
            size: Some(37),
            duration: Duration::from_nanos(999),
            headers: Some(origin_headers),
        }),
        status: 502,
        size: 12,
        retries: 3,
        request_headers: Some(req),
        downstream_headers: Some(down),
        trace: Some(TraceIds {
            trace_id: [0xab; 16],
            span_id: [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef],
        }),
    }
}

#[test]
fn lines_are_the_reference_lines_byte_for_byte() {
    let configs = [
        "{}",
        r#"{"fields":{"defaultMode":"drop"}}"#,
        r#"{"fields":{"defaultMode":"drop","names":{"StartUTC":"keep","RequestHost":"keep"}}}"#,
        r#"{"fields":{"names":{"StartUTC":"drop","RequestPort":"drop","ClientAddr":"drop"}}}"#,
        r#"{"fields":{"names":{"StartLocal":"drop"},"queryParameters":{"defaultMode":"drop"}}}"#,
        r#"{"fields":{"headers":{"defaultMode":"keep"}}}"#,
        r#"{"fields":{"defaultMode":"drop","headers":{"defaultMode":"keep","names":{"Set-Cookie":"redact","Accept":"drop"}}}}"#,
        r#"{"fields":{"headers":{"names":{"User-Agent":"keep","Zz-Last":"keep"}}}}"#,
    ];
    let mut records = vec![plain(), loaded()];
    // The first line's router and service with another server, then its server with another
    // entry point: the text a memo keeps for shared names must follow each of them.
    let mut moved = records[0].clone();
    if let Some(o) = &mut moved.origin {
        o.url = Arc::from("http://10.0.0.9:8081");
        o.addr = Arc::from("10.0.0.9:8081");
    }
    records.push(moved);
    let mut elsewhere = records[0].clone();
    elsewhere.entry_point = Arc::from("websecure");
    records.push(elsewhere);
    // The first line's client with `X-Forwarded-For`, then with a user name.
    let mut forwarded = records[0].clone();
    forwarded.forwarded_for = Some(HeaderValue::from_static("9.9.9.9"));
    records.push(forwarded);
    let mut named = records[0].clone();
    named.username = Some(Arc::from("bob"));
    records.push(named);
    records.push(records[0].clone());
    let mut bare = plain();
    bare.origin = None;
    bare.router = None;
    bare.service = None;
    bare.host = Some(HeaderValue::from_static(""));
    bare.version = Version::HTTP_10;
    bare.uri = "*".parse().expect("uri");
    bare.start = UNIX_EPOCH;
    records.push(bare);
    let mut no_host = plain();
    no_host.host = None;
    no_host.forwarded_for = Some(HeaderValue::from_static(""));
    no_host.size = 0;
    records.push(no_host);
    let mut gzip = plain();
    gzip.size = 3;
    records.push(gzip);
    let mut latin = plain();
    latin.host = Some(HeaderValue::from_bytes(b"h\xe9te:80").expect("value"));
    records.push(latin);
    // An ASCII host that needs escaping, another client address (the memo's IPv4 text must
    // follow it), a method beyond the standard ones.
    let mut amp = plain();
    amp.host = Some(HeaderValue::from_static("a&b:8<0"));
    amp.client = "10.20.30.4:65535".parse().expect("addr");
    amp.method = Method::from_bytes(b"PROPFIND").expect("method");
    records.push(amp);
    let mut other = plain();
    other.client = "10.20.30.5:1".parse().expect("addr");
    other.method = Method::DELETE;
    records.push(other);
    let nows = [
        UNIX_EPOCH,
        UNIX_EPOCH + Duration::new(1_709_251_198, 5),
        UNIX_EPOCH + Duration::new(1_709_251_199, 0),
    ];
    // One memo across every line, as the writer keeps it.
    let mut memo = super::Memo::default();
    for cfg in configs {
        let s = settings(cfg);
        for rec in &records {
            for now in nows {
                let want = reference(rec, &s, now);
                let mut got = Vec::new();
                super::json_bytes(rec, &s, now, &mut memo, &mut got);
                assert_eq!(String::from_utf8_lossy(&got), want, "{cfg}");
                // Appended, as to the writer's batch.
                let mut batch = b"x\n".to_vec();
                super::json_bytes(rec, &s, now, &mut memo, &mut batch);
                assert_eq!(batch[2..], got[..], "{cfg}");
            }
        }
    }
}

#[test]
fn keys_in_the_order_go_sorts_them() {
    let mut out = String::new();
    super::json(&loaded(), &settings("{}"), UNIX_EPOCH, &mut out);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
    let mut want: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
    want.extend(["level", "msg", "time"]);
    want.sort();
    assert_eq!(keys, want);
}
