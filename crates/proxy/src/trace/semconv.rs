//! Traefik's span attributes (`pkg/observability/tracing`: `CaptureServerRequest`,
//! `CaptureClientRequest`, `CaptureResponse`), with the OpenTelemetry semantic-convention
//! names.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use http::Version;
use http::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use waygate_otel::{KeyValue, StatusCode, Tracer, Value, redact_query};

use crate::Request;
use crate::service::Target;

/// A `&str` key is parsed on every lookup.
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// The span name: the method (low cardinality, as the semantic conventions ask).
pub(super) fn method_name(m: &http::Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "PATCH" => "PATCH",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        // Semantic conventions: unknown methods are reported as `HTTP`.
        _ => "HTTP",
    }
}

/// `http.request.method`: the method's text, without a copy for the standard ones.
fn method_text(m: &http::Method) -> Cow<'static, str> {
    match method_name(m) {
        "HTTP" => Cow::Owned(m.as_str().to_string()),
        known => Cow::Borrowed(known),
    }
}

fn protocol_version(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => "1.1",
    }
}

/// Attribute `key` with the text of the request's `name` header, or empty. Copied, not
/// shared: a request's header value can point into its connection's read buffer, and a
/// span waiting for export (up to a batch and a queue of them, thousands) would keep that
/// buffer alive.
fn header_kv(
    key: &'static str,
    headers: &HeaderMap,
    name: impl http::header::AsHeaderName,
) -> KeyValue {
    value_kv(key, headers.get(name))
}

fn value_kv(key: &'static str, value: Option<&HeaderValue>) -> KeyValue {
    KeyValue::str(
        key,
        value
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
    )
}

/// `http.request.header.<name>` / `http.response.header.<name>` for each captured header
/// present (all its values).
fn captured(out: &mut Vec<KeyValue>, prefix: &str, names: &[HeaderName], headers: &HeaderMap) {
    for name in names {
        // User-Agent is already `user_agent.original`.
        if prefix == "http.request.header." && name == USER_AGENT {
            continue;
        }
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        if !values.is_empty() {
            out.push(KeyValue {
                key: Cow::Owned(format!("{prefix}{}", name.as_str())),
                value: Value::Strings(values),
            });
        }
    }
}

/// How many captured-header attributes a span can have.
fn captured_len(tracer: &Tracer) -> usize {
    tracer.captured_request_headers.len() + tracer.captured_response_headers.len()
}

/// Traefik's `CaptureServerRequest`, after the `entry_point` attribute. `scheme`: the
/// `X-Forwarded-Proto` the request will be forwarded with when it is not in the map yet.
pub(super) fn server_attributes(
    tracer: &Tracer,
    entry_point: &Arc<str>,
    req: &Request,
    peer: (SocketAddr, &HeaderValue),
    authority: Option<&HeaderValue>,
    scheme: Option<&'static str>,
) -> Vec<KeyValue> {
    let (remote, client_ip) = peer;
    let h = req.headers();
    let body_size = match h.get(http::header::CONTENT_LENGTH) {
        Some(v) => v.to_str().ok().and_then(|v| v.parse().ok()).unwrap_or(-1),
        None if h.contains_key(http::header::TRANSFER_ENCODING) => -1,
        None => 0,
    };
    // With room for what `response_attributes` adds.
    let mut a = Vec::with_capacity(14 + captured_len(tracer));
    a.extend([
        KeyValue::shared("entry_point", entry_point.clone()),
        KeyValue::str("http.request.method", method_text(req.method())),
        KeyValue::str("network.protocol.version", protocol_version(req.version())),
        KeyValue::int("http.request.body.size", body_size),
        KeyValue::str("url.path", req.uri().path().to_string()),
        KeyValue::str(
            "url.query",
            redact_query(req.uri().query().unwrap_or(""), &tracer.safe_query_params),
        ),
        match scheme {
            Some(scheme) => KeyValue::str("url.scheme", scheme),
            None => header_kv("url.scheme", h, &X_FORWARDED_PROTO),
        },
        header_kv("user_agent.original", h, USER_AGENT),
        value_kv("server.address", authority),
        // The connection's canonical IP text (IPv4-mapped IPv6 as IPv4), made once per
        // connection in its own small allocation: shared, it pins nothing else.
        KeyValue::header("network.peer.address", client_ip.clone()),
        KeyValue::header("client.address", client_ip.clone()),
        KeyValue::int("client.port", i64::from(remote.port())),
        KeyValue::int("network.peer.port", i64::from(remote.port())),
    ]);
    captured(
        &mut a,
        "http.request.header.",
        &tracer.captured_request_headers,
        h,
    );
    a
}

/// Traefik's `CaptureClientRequest`, for the request as sent to `target`.
pub(super) fn client_attributes(tracer: &Tracer, req: &Request, target: &Target) -> Vec<KeyValue> {
    let scheme = target.scheme.as_str();
    let host = target.authority.host();
    let port = target
        .authority
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let path = req.uri().path();
    let base = target.base_path.trim_end_matches('/');
    let base = if base.is_empty() || path.starts_with(base) {
        ""
    } else {
        base
    };
    let authority = target.authority.as_str();
    let mut full =
        String::with_capacity(scheme.len() + 3 + authority.len() + base.len() + path.len() + 1);
    full.push_str(scheme);
    full.push_str("://");
    full.push_str(authority);
    full.push_str(base);
    full.push_str(path);
    if let Some(q) = req.uri().query() {
        let q = redact_query(q, &tracer.safe_query_params);
        if !q.is_empty() {
            full.push('?');
            full.push_str(&q);
        }
    }
    let scheme = match scheme {
        "http" => Cow::Borrowed("http"),
        "https" => Cow::Borrowed("https"),
        other => Cow::Owned(other.to_string()),
    };
    // One string for both host attributes.
    let host: Arc<str> = Arc::from(host);
    let mut a = Vec::with_capacity(10 + captured_len(tracer));
    a.extend([
        KeyValue::str("http.request.method", method_text(req.method())),
        KeyValue::str("network.protocol.version", protocol_version(req.version())),
        KeyValue::str("url.full", full),
        KeyValue::str("url.scheme", scheme),
        header_kv("user_agent.original", req.headers(), USER_AGENT),
        KeyValue::shared("network.peer.address", host.clone()),
        KeyValue::int("network.peer.port", i64::from(port)),
        KeyValue::shared("server.address", host),
        KeyValue::int("server.port", i64::from(port)),
    ]);
    captured(
        &mut a,
        "http.request.header.",
        &tracer.captured_request_headers,
        req.headers(),
    );
    a
}

/// Traefik's `CaptureResponse`: the status code attribute, captured response headers, and
/// the span status (an error from `error_from` up: 500 for server spans, 400 for client
/// spans).
pub(super) fn response_attributes(
    tracer: &Tracer,
    out: &mut Vec<KeyValue>,
    code: u16,
    headers: &HeaderMap,
    error_from: u16,
) -> StatusCode {
    if code > 0 {
        out.push(KeyValue::int("http.response.status_code", i64::from(code)));
    }
    captured(
        out,
        "http.response.header.",
        &tracer.captured_response_headers,
        headers,
    );
    if !(100..600).contains(&code) || code >= error_from {
        StatusCode::Error
    } else {
        StatusCode::Unset
    }
}
