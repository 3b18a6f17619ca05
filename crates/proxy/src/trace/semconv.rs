//! Traefik's span attributes (`pkg/observability/tracing`: `CaptureServerRequest`,
//! `CaptureClientRequest`, `CaptureResponse`), with the OpenTelemetry semantic-convention
//! names.

use std::net::SocketAddr;

use http::Version;
use http::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use waygate_otel::{Attributes, StatusCode, Tracer, redact_query};

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

fn protocol_version(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => "1.1",
    }
}

/// `http.request.header.<name>` / `http.response.header.<name>` for each captured header
/// present (all its values).
fn captured(out: &mut Attributes, prefix: &str, names: &[HeaderName], headers: &HeaderMap) {
    let mut key = String::new();
    for name in names {
        // User-Agent is already `user_agent.original`.
        if prefix == "http.request.header." && name == USER_AGENT {
            continue;
        }
        let values = headers.get_all(name);
        if values.iter().next().is_some() {
            key.clear();
            key.push_str(prefix);
            key.push_str(name.as_str());
            out.strings(&key, || values.iter().map(HeaderValue::as_bytes));
        }
    }
}

/// Room for a span's attributes: what a plain request's come to, and some for each
/// captured header.
fn capacity(tracer: &Tracer) -> usize {
    let captured = tracer.captured_request_headers.len() + tracer.captured_response_headers.len();
    512 + 64 * captured
}

/// Traefik's `CaptureServerRequest`, after the `entry_point` attribute. `scheme`: the
/// `X-Forwarded-Proto` the request will be forwarded with when it is not in the map yet.
pub(super) fn server_attributes(
    tracer: &Tracer,
    entry_point: &str,
    req: &Request,
    peer: (SocketAddr, &HeaderValue),
    authority: Option<&HeaderValue>,
    scheme: Option<&'static str>,
) -> Attributes {
    let (remote, client_ip) = peer;
    let h = req.headers();
    let body_size = match h.get(http::header::CONTENT_LENGTH) {
        Some(v) => v.to_str().ok().and_then(|v| v.parse().ok()).unwrap_or(-1),
        None if h.contains_key(http::header::TRANSFER_ENCODING) => -1,
        None => 0,
    };
    let mut a = Attributes::with_capacity(capacity(tracer));
    a.str("entry_point", entry_point);
    a.str("http.request.method", req.method().as_str());
    a.str("network.protocol.version", protocol_version(req.version()));
    a.int("http.request.body.size", body_size);
    a.str("url.path", req.uri().path());
    match req.uri().query().filter(|q| !q.is_empty()) {
        Some(q) => a.str("url.query", &redact_query(q, &tracer.safe_query_params)),
        None => a.str("url.query", ""),
    }
    match scheme {
        Some(scheme) => a.str("url.scheme", scheme),
        None => a.header("url.scheme", h.get(&X_FORWARDED_PROTO)),
    }
    a.header("user_agent.original", h.get(USER_AGENT));
    a.header("server.address", authority);
    // The connection's canonical IP text (IPv4-mapped IPv6 as IPv4).
    a.header("network.peer.address", Some(client_ip));
    a.header("client.address", Some(client_ip));
    a.int("client.port", i64::from(remote.port()));
    a.int("network.peer.port", i64::from(remote.port()));
    captured(
        &mut a,
        "http.request.header.",
        &tracer.captured_request_headers,
        h,
    );
    a
}

/// Traefik's `CaptureClientRequest`, for the request as sent to `target`.
pub(super) fn client_attributes(tracer: &Tracer, req: &Request, target: &Target) -> Attributes {
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
    let query = req
        .uri()
        .query()
        .filter(|q| !q.is_empty())
        .map(|q| redact_query(q, &tracer.safe_query_params))
        .unwrap_or_default();
    let mut a = Attributes::with_capacity(capacity(tracer));
    a.str("http.request.method", req.method().as_str());
    a.str("network.protocol.version", protocol_version(req.version()));
    let query_sep = if query.is_empty() { "" } else { "?" };
    a.str_parts(
        "url.full",
        &[scheme, "://", authority, base, path, query_sep, &query],
    );
    a.str("url.scheme", scheme);
    a.header("user_agent.original", req.headers().get(USER_AGENT));
    a.str("network.peer.address", host);
    a.int("network.peer.port", i64::from(port));
    a.str("server.address", host);
    a.int("server.port", i64::from(port));
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
    out: &mut Attributes,
    code: u16,
    headers: &HeaderMap,
    error_from: u16,
) -> StatusCode {
    if code > 0 {
        out.int("http.response.status_code", i64::from(code));
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
