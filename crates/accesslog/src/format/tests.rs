use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue, Method, Version};

use super::*;
use crate::record::{Origin, TlsFacts, TraceIds};

fn settings(json: &str) -> Settings {
    let cfg: waygate_config::static_config::AccessLog = serde_json::from_str(json).expect("config");
    Settings::new(&cfg)
}

/// A proxied GET with a few request headers (also the JSON guard's base record).
pub(super) fn record() -> Record {
    let mut headers = HeaderMap::new();
    headers.insert("user-agent", HeaderValue::from_static("curl/8"));
    headers.insert("referer", HeaderValue::from_static("http://a/\"x\""));
    headers.insert("authorization", HeaderValue::from_static("Basic abc"));
    headers.insert("host", HeaderValue::from_static("example.com:8080"));
    Record {
        start: UNIX_EPOCH + Duration::new(1_709_251_198, 120_000_000),
        started: None,
        duration: Duration::from_micros(2_500),
        entry_point: Arc::from("web"),
        router: Some(Arc::from("r@file")),
        service: Some(Arc::from("s@file")),
        client: "10.0.0.1:5555".parse::<SocketAddr>().expect("addr"),
        forwarded_for: None,
        username: None,
        host: Some(HeaderValue::from_static("example.com:8080")),
        method: Method::GET,
        uri: "/a/b?x=1&y=2".parse().expect("uri"),
        version: Version::HTTP_11,
        tls: None,
        request_size: 0,
        count: 7,
        origin: Some(Origin {
            url: "http://127.0.0.1:9000".into(),
            addr: "127.0.0.1:9000".into(),
            status: 200,
            size: Some(11),
            duration: Duration::from_micros(2_000),
            headers: None,
        }),
        status: 200,
        size: 11,
        retries: 0,
        request_headers: Some(headers),
        downstream_headers: None,
        trace: None,
    }
}

#[test]
fn common_line_as_traefik() {
    let mut out = String::new();
    common(&record(), &settings("{}"), &mut out);
    assert_eq!(
        out,
        "10.0.0.1 - - [29/Feb/2024:23:59:58 +0000] \"GET /a/b?x=1&y=2 HTTP/1.1\" 200 11 \
         \"-\" \"-\" 7 \"r@file\" \"http://127.0.0.1:9000\" 2ms\n"
    );
}

#[test]
fn generic_clf_shows_kept_headers_quoted() {
    let mut out = String::new();
    let s = settings(r#"{"fields":{"headers":{"defaultMode":"keep"}}}"#);
    generic_clf(&record(), &s, &mut out);
    assert_eq!(
        out,
        "10.0.0.1 - - [29/Feb/2024:23:59:58 +0000] \"GET /a/b?x=1&y=2 HTTP/1.1\" 200 11 \
         \"http://a/\\\"x\\\"\" \"curl/8\"\n"
    );
}

#[test]
fn json_line_sorted_typed_and_escaped() {
    let mut out = String::new();
    let s = settings(
        r#"{"fields":{"names":{"StartLocal":"drop"},"headers":{"names":{"User-Agent":"keep","Authorization":"redact"}}}}"#,
    );
    json(&record(), &s, UNIX_EPOCH, &mut out);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["Duration"], 2_500_000);
    assert_eq!(v["OriginDuration"], 2_000_000);
    assert_eq!(v["Overhead"], 500_000);
    assert_eq!(v["OriginStatus"], 200);
    assert_eq!(v["RequestHost"], "example.com");
    assert_eq!(v["RequestPort"], "8080");
    assert_eq!(v["RequestPath"], "/a/b?x=1&y=2");
    assert_eq!(v["StartUTC"], "2024-02-29T23:59:58.12Z");
    assert_eq!(v["ClientUsername"], "-");
    assert_eq!(v["request_User-Agent"], "curl/8");
    assert_eq!(v["request_Authorization"], "REDACTED");
    assert_eq!(v["entryPointName"], "web");
    assert_eq!(v["level"], "info");
    assert_eq!(v["msg"], "");
    assert_eq!(v["time"], "1970-01-01T00:00:00Z");
    assert!(v.get("StartLocal").is_none());
    assert!(v.get("request_Referer").is_none());
    assert!(v.get("request_Host").is_none());
    assert!(v.get("GzipRatio").is_none());
    assert!(v.get("TLSVersion").is_none());
    // Go escapes HTML characters.
    assert!(
        out.contains(r#""RequestPath":"/a/b?x=1\u0026y=2""#),
        "{out}"
    );
    let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn answered_by_the_gateway_tls_and_forwarded_for() {
    let mut rec = record();
    rec.origin = None;
    rec.router = None;
    rec.service = None;
    rec.status = 404;
    rec.size = 19;
    rec.forwarded_for = Some(HeaderValue::from_static("1.2.3.4"));
    rec.tls = Some(Arc::new(TlsFacts {
        version: "1.3",
        cipher: "TLS_AES_128_GCM_SHA256".into(),
        client_subject: None,
    }));
    let s = settings(r#"{"fields":{"queryParameters":{"defaultMode":"drop"}}}"#);
    let mut out = String::new();
    json(&rec, &s, UNIX_EPOCH, &mut out);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["OriginStatus"], 0);
    assert_eq!(v["OriginContentSize"], 0);
    assert_eq!(v["GzipRatio"], 0.0);
    assert_eq!(v["ClientHost"], "1.2.3.4");
    assert_eq!(v["RequestScheme"], "https");
    assert_eq!(v["TLSVersion"], "1.3");
    assert_eq!(v["RequestPath"], "/a/b");
    assert!(v.get("RouterName").is_none() && v.get("ServiceURL").is_none());
    out.clear();
    common(&rec, &s, &mut out);
    assert!(out.starts_with("1.2.3.4 - - ["), "{out}");
    assert!(
        out.ends_with(" 404 19 \"-\" \"-\" 7 \"-\" \"-\" 2ms\n"),
        "{out}"
    );
}

#[test]
fn split_host_port_as_go() {
    assert_eq!(split_host_port("a:80"), ("a", "80"));
    assert_eq!(split_host_port("a"), ("a", "-"));
    assert_eq!(split_host_port("[::1]:80"), ("::1", "80"));
    assert_eq!(split_host_port("::1"), ("::1", "-"));
    assert_eq!(split_host_port("a:"), ("a", ""));
    assert_eq!(split_host_port(":80"), ("", "80"));
    assert_eq!(split_host_port("a:b:c"), ("a:b:c", "-"));
    assert_eq!(split_host_port("[::1]"), ("[::1]", "-"));
    assert_eq!(split_host_port("[a]:"), ("a", ""));
    assert_eq!(split_host_port("é:1"), ("é", "1"));
    assert_eq!(split_host_port(""), ("", "-"));
}

#[test]
fn client_username_as_the_auth_middleware_left_it() {
    let s = settings("{}");
    let mut rec = record();
    for (user, json_value, clf_start) in [
        (None, "-", "10.0.0.1 - - ["),
        (Some(""), "", "10.0.0.1 - - ["),
        (Some("alice"), "alice", "10.0.0.1 - alice ["),
    ] {
        rec.username = user.map(Arc::from);
        let mut out = String::new();
        json(&rec, &s, UNIX_EPOCH, &mut out);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["ClientUsername"], json_value, "{user:?}");
        // Formatted once, written twice.
        assert_eq!(v["StartUTC"], "2024-02-29T23:59:58.12Z");
        assert_eq!(v["StartLocal"], v["StartUTC"]);
        out.clear();
        common(&rec, &s, &mut out);
        assert!(out.starts_with(clf_start), "{user:?}: {out}");
    }
}

#[test]
fn trace_and_span_ids_only_when_traced_and_not_in_clf() {
    let mut rec = record();
    let s = settings("{}");
    let mut out = String::new();
    json(&rec, &s, UNIX_EPOCH, &mut out);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    for key in ["TraceId", "SpanId", "trace_id", "span_id"] {
        assert!(v.get(key).is_none(), "{key}: {out}");
    }
    let mut untraced = String::new();
    common(&rec, &s, &mut untraced);

    let mut trace_id = [0u8; 16];
    trace_id[0] = 0x4b;
    trace_id[15] = 0x0e;
    rec.trace = Some(TraceIds {
        trace_id,
        span_id: [0xab, 0, 0, 0, 0, 0, 0, 0x01],
    });
    out.clear();
    json(&rec, &s, UNIX_EPOCH, &mut out);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["TraceId"], "4b00000000000000000000000000000e");
    assert_eq!(v["trace_id"], v["TraceId"]);
    assert_eq!(v["SpanId"], "ab00000000000001");
    assert_eq!(v["span_id"], v["SpanId"]);
    let keys: Vec<&String> = v.as_object().expect("object").keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);

    // `fields.names` drops them like any field.
    let s = settings(r#"{"fields":{"names":{"traceid":"drop","SpanId":"drop"}}}"#);
    out.clear();
    json(&rec, &s, UNIX_EPOCH, &mut out);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        v.get("TraceId").is_none() && v.get("SpanId").is_none(),
        "{out}"
    );
    assert_eq!(v["trace_id"], "4b00000000000000000000000000000e");

    // The CLF formats have no place for them.
    let mut traced = String::new();
    common(&rec, &settings("{}"), &mut traced);
    assert_eq!(traced, untraced);
}
