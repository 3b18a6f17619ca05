//! The tracing part of a request (`tracing`, reference §1.12), shaped like Traefik's spans:
//! the entry point's server span (named after the method), and one client span
//! (`ReverseProxy`) per request sent to a server, whose context goes to the server in
//! `traceparent`. Whether a router traces is resolved when the table is compiled
//! ([`for_router`]: the router's `observability.tracing`, else its entry point's, and
//! `addInternals` for `@internal` services), so a request on a router that does not trace
//! pays one `None` check. The spans themselves go to `waygate-otel`'s queue.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use http::header::{HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use http::{StatusCode as Status, Version};
use waygate_config::dynamic::Router;
use waygate_config::static_config::EntryPoint;
use waygate_otel::{
    KeyValue, Kind, Root, SpanContext, SpanData, SpanId, StatusCode, Tracer, Value, redact_query,
    unix_nanos,
};

use crate::service::Target;
use crate::{Request, Response};

/// A router's (or an entry point's, for requests no router takes) tracing settings.
#[derive(Debug)]
pub(crate) struct RouterTrace {
    tracer: Arc<Tracer>,
    entry_point: Arc<str>,
}

/// The tracing part of one request: empty unless its router traces.
#[derive(Debug, Default)]
pub(crate) struct Traced(Option<Box<ServerSpan>>);

/// The entry point's span, until the response is ready.
#[derive(Debug)]
struct ServerSpan {
    tracer: Arc<Tracer>,
    root: Root,
    name: &'static str,
    start: u64,
    attributes: Vec<KeyValue>,
}

/// What the service stage needs to open client spans under the request's span.
#[derive(Debug)]
pub(crate) struct Upstream {
    tracer: Arc<Tracer>,
    parent: SpanContext,
}

/// A request sent to one server, until its response head arrives.
#[derive(Debug)]
pub(crate) struct ClientSpan {
    tracer: Arc<Tracer>,
    ctx: SpanContext,
    parent: SpanId,
    start: u64,
    attributes: Vec<KeyValue>,
}

/// The entry point's `observability.tracing` (default true).
fn ep_default(ep: Option<&EntryPoint>) -> bool {
    ep.and_then(|e| e.observability.as_ref())
        .is_none_or(|o| o.tracing)
}

/// The trace settings of router `name` on entry point `ep`, `None` when it does not trace.
pub(crate) fn for_router(
    tracer: Option<&Arc<Tracer>>,
    ep: &str,
    ep_cfg: Option<&EntryPoint>,
    router: &Router,
) -> Option<Arc<RouterTrace>> {
    let tracer = tracer?;
    let enabled = router
        .observability
        .as_ref()
        .and_then(|o| o.tracing)
        .unwrap_or_else(|| ep_default(ep_cfg));
    let internal = router.service.ends_with("@internal");
    if !enabled || (internal && !tracer.add_internals) {
        return None;
    }
    Some(Arc::new(RouterTrace {
        tracer: tracer.clone(),
        entry_point: Arc::from(ep),
    }))
}

/// The trace settings for requests no router of entry point `ep` takes (Traefik traces its
/// 404s with the entry point's observability defaults).
pub(crate) fn for_entry_point(
    tracer: Option<&Arc<Tracer>>,
    ep: &str,
    ep_cfg: Option<&EntryPoint>,
) -> Option<Arc<RouterTrace>> {
    let tracer = tracer?;
    ep_default(ep_cfg).then(|| {
        Arc::new(RouterTrace {
            tracer: tracer.clone(),
            entry_point: Arc::from(ep),
        })
    })
}

// === impl Traced ===

impl Traced {
    /// Opens the entry point's span when `rt` is set (the router traces): a child of the
    /// client's `traceparent`, or the root of a new trace.
    pub(crate) fn begin(
        &mut self,
        rt: Option<&Arc<RouterTrace>>,
        req: &Request,
        remote: SocketAddr,
        authority: Option<&HeaderValue>,
    ) {
        let Some(rt) = rt else { return };
        let root = rt.tracer.root(req.headers());
        let mut attributes = Vec::new();
        if root.ctx.sampled {
            attributes = server_attributes(&rt.tracer, req, remote, authority);
            attributes.insert(0, KeyValue::str("entry_point", rt.entry_point.to_string()));
        }
        self.0 = Some(Box::new(ServerSpan {
            tracer: rt.tracer.clone(),
            root,
            name: method_name(req.method()),
            start: unix_nanos(SystemTime::now()),
            attributes,
        }));
    }

    /// For `RequestCtx::trace`: where client spans hang.
    pub(crate) fn upstream(&self) -> Option<Arc<Upstream>> {
        self.0.as_ref().map(|s| {
            Arc::new(Upstream {
                tracer: s.tracer.clone(),
                parent: s.root.ctx.clone(),
            })
        })
    }

    /// The response is ready: the span ends with its status.
    pub(crate) fn answered(self, resp: &Response) {
        let Some(span) = self.0 else { return };
        let span = *span;
        if !span.root.ctx.sampled {
            return;
        }
        let mut attributes = span.attributes;
        let code = resp.status().as_u16();
        let status = response_attributes(&span.tracer, &mut attributes, code, resp.headers(), 500);
        span.tracer.submit(SpanData {
            trace_id: span.root.ctx.trace_id,
            span_id: span.root.ctx.span_id,
            parent: span.root.parent,
            parent_remote: span.root.parent.is_some(),
            trace_state: span.root.ctx.trace_state.clone(),
            name: Cow::Borrowed(span.name),
            kind: Kind::Server,
            start: span.start,
            end: unix_nanos(SystemTime::now()),
            attributes,
            status,
            status_message: String::new(),
        });
    }
}

// === impl Upstream ===

impl Upstream {
    /// A request to `target` starts: its span's context replaces the client's
    /// `traceparent` (and carries its `tracestate`).
    pub(crate) fn start(&self, req: &mut Request, target: &Target) -> ClientSpan {
        let ctx = self.parent.child();
        ctx.inject(req.headers_mut());
        let attributes = if ctx.sampled {
            client_attributes(&self.tracer, req, target)
        } else {
            Vec::new()
        };
        ClientSpan {
            tracer: self.tracer.clone(),
            ctx,
            parent: self.parent.span_id,
            start: unix_nanos(SystemTime::now()),
            attributes,
        }
    }
}

// === impl ClientSpan ===

impl ClientSpan {
    /// The server answered `code` with `headers` (or the gateway failed with `code`).
    pub(crate) fn finish(self, code: Status, headers: Option<&HeaderMap>) {
        if !self.ctx.sampled {
            return;
        }
        let mut attributes = self.attributes;
        let empty = HeaderMap::new();
        let status = response_attributes(
            &self.tracer,
            &mut attributes,
            code.as_u16(),
            headers.unwrap_or(&empty),
            400,
        );
        self.tracer.submit(SpanData {
            trace_id: self.ctx.trace_id,
            span_id: self.ctx.span_id,
            parent: Some(self.parent),
            parent_remote: false,
            trace_state: self.ctx.trace_state.clone(),
            name: Cow::Borrowed("ReverseProxy"),
            kind: Kind::Client,
            start: self.start,
            end: unix_nanos(SystemTime::now()),
            attributes,
            status,
            status_message: String::new(),
        });
    }
}

/// The span name: the method (low cardinality, as the semantic conventions ask).
fn method_name(m: &http::Method) -> &'static str {
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

fn header_str(headers: &HeaderMap, name: impl http::header::AsHeaderName) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
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

/// Traefik's `CaptureServerRequest`.
fn server_attributes(
    tracer: &Tracer,
    req: &Request,
    remote: SocketAddr,
    authority: Option<&HeaderValue>,
) -> Vec<KeyValue> {
    let h = req.headers();
    let body_size = match h.get(http::header::CONTENT_LENGTH) {
        Some(v) => v.to_str().ok().and_then(|v| v.parse().ok()).unwrap_or(-1),
        None if h.contains_key(http::header::TRANSFER_ENCODING) => -1,
        None => 0,
    };
    let ip = crate::forwarded::canonical(remote.ip()).to_string();
    let mut a = vec![
        KeyValue::str("http.request.method", req.method().to_string()),
        KeyValue::str("network.protocol.version", protocol_version(req.version())),
        KeyValue::int("http.request.body.size", body_size),
        KeyValue::str("url.path", req.uri().path().to_string()),
        KeyValue::str(
            "url.query",
            redact_query(req.uri().query().unwrap_or(""), &tracer.safe_query_params),
        ),
        KeyValue::str("url.scheme", header_str(h, "x-forwarded-proto")),
        KeyValue::str("user_agent.original", header_str(h, USER_AGENT)),
        KeyValue::str(
            "server.address",
            authority
                .and_then(|a| a.to_str().ok())
                .unwrap_or("")
                .to_string(),
        ),
        KeyValue::str("network.peer.address", ip.clone()),
        KeyValue::str("client.address", ip),
        KeyValue::int("client.port", i64::from(remote.port())),
        KeyValue::int("network.peer.port", i64::from(remote.port())),
    ];
    captured(
        &mut a,
        "http.request.header.",
        &tracer.captured_request_headers,
        h,
    );
    a
}

/// Traefik's `CaptureClientRequest`, for the request as sent to `target`.
fn client_attributes(tracer: &Tracer, req: &Request, target: &Target) -> Vec<KeyValue> {
    let scheme = target.scheme.as_str();
    let host = target.authority.host();
    let port = target
        .authority
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let path = req.uri().path();
    let base = target.base_path.trim_end_matches('/');
    let path = if base.is_empty() || path.starts_with(base) {
        path.to_string()
    } else {
        format!("{base}{path}")
    };
    let mut full = format!("{scheme}://{}{path}", target.authority);
    if let Some(q) = req.uri().query() {
        let q = redact_query(q, &tracer.safe_query_params);
        if !q.is_empty() {
            full.push('?');
            full.push_str(&q);
        }
    }
    let mut a = vec![
        KeyValue::str("http.request.method", req.method().to_string()),
        KeyValue::str("network.protocol.version", protocol_version(req.version())),
        KeyValue::str("url.full", full),
        KeyValue::str("url.scheme", scheme.to_string()),
        KeyValue::str("user_agent.original", header_str(req.headers(), USER_AGENT)),
        KeyValue::str("network.peer.address", host.to_string()),
        KeyValue::int("network.peer.port", i64::from(port)),
        KeyValue::str("server.address", host.to_string()),
        KeyValue::int("server.port", i64::from(port)),
    ];
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
fn response_attributes(
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
