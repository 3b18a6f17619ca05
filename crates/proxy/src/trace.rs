//! The tracing part of a request (`tracing`, reference §1.12), shaped like Traefik's spans:
//! the entry point's server span (named after the method), and one client span
//! (`ReverseProxy`) per request sent to a server, whose context goes to the server in
//! `traceparent`. With `traceVerbosity: detailed` (the router's, else its entry point's), a
//! `Router` span, one span per middleware (named after its Traefik type) and a `Service` span
//! nest between them. Whether a router traces is resolved when the table is compiled
//! ([`for_router`]: the router's `observability.tracing`, else its entry point's, and
//! `addInternals` for `@internal` services), so a request on a router that does not trace
//! pays one `None` check (and one per middleware). Spans go to `waygate-otel`'s queue.

mod body;
mod semconv;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use http::StatusCode as Status;
use http::header::{HeaderMap, HeaderValue};
use waygate_config::dynamic::{DynamicConfig, Router};
use waygate_config::static_config::EntryPoint;
use waygate_otel::{
    Attributes, Kind, Root, SpanContext, SpanData, SpanId, StatusCode, Tracer, unix_nanos,
};

use self::semconv::{client_attributes, method_name, response_attributes, server_attributes};
use crate::service::Target;
use crate::{Body, Request, Response};

pub use self::body::TracedBody;

/// A router's (or an entry point's, for requests no router takes) tracing settings.
#[derive(Debug)]
pub(crate) struct RouterTrace {
    tracer: Arc<Tracer>,
    entry_point: Arc<str>,
    /// Set with `traceVerbosity: detailed`.
    detail: Option<Detail>,
}

impl RouterTrace {
    /// Whether spans capture request headers (`capturedRequestHeaders`).
    pub(crate) fn captures_request_headers(&self) -> bool {
        !self.tracer.captured_request_headers.is_empty()
    }
}

/// What the detailed spans say about the router.
#[derive(Debug)]
struct Detail {
    router: String,
    service: String,
    rule: String,
    /// Per position in the router's (flattened) chain: the Traefik type name and the
    /// middleware's name. Empty when it could not be matched with the chain.
    middlewares: Vec<(&'static str, String)>,
}

/// The tracing part of one request: empty unless its router traces. An unsampled request
/// keeps its context only (propagated to the servers, and logged): no span, no allocation.
#[derive(Debug, Default)]
pub(crate) struct Traced(State);

#[derive(Debug, Default)]
enum State {
    #[default]
    Off,
    Unsampled {
        tracer: Arc<Tracer>,
        ctx: SpanContext,
    },
    Sampled(Box<ServerSpan>),
}

/// The entry point's span, until the response is ready.
#[derive(Debug)]
struct ServerSpan {
    rt: Arc<RouterTrace>,
    root: Root,
    name: &'static str,
    start: u64,
    attributes: Attributes,
    /// Detailed verbosity: the Router, middleware and Service spans opened, outermost first.
    inner: Vec<Internal>,
}

/// An internal span of the detailed verbosity.
#[derive(Debug)]
struct Internal {
    id: SpanId,
    name: &'static str,
    start: u64,
    attributes: Attributes,
}

/// A traced response whose head is known, until its body ends.
#[derive(Debug)]
pub(crate) struct Answered {
    span: ServerSpan,
    attributes: Attributes,
    status: StatusCode,
}

/// What the service stage needs to open client spans under the request's span.
#[derive(Debug, Clone)]
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
    attributes: Attributes,
}

/// The entry point's `observability` (tracing default true, verbosity `minimal`).
fn ep_defaults(ep: Option<&EntryPoint>) -> (bool, &str) {
    ep.and_then(|e| e.observability.as_ref())
        .map_or((true, "minimal"), |o| {
            (o.tracing, o.trace_verbosity.as_str())
        })
}

/// The trace settings of router `name` on entry point `ep` (whose middlewares `ep_mws` come
/// first in its chain), `None` when it does not trace.
pub(crate) fn for_router(
    tracer: Option<&Arc<Tracer>>,
    ep: &str,
    ep_cfg: Option<&EntryPoint>,
    name: &str,
    router: &Router,
    ep_mws: &[String],
    dynamic: &DynamicConfig,
) -> Option<Arc<RouterTrace>> {
    let tracer = tracer?;
    let (ep_tracing, ep_verbosity) = ep_defaults(ep_cfg);
    let obs = router.observability.as_ref();
    let enabled = obs.and_then(|o| o.tracing).unwrap_or(ep_tracing);
    let internal = router.service.ends_with("@internal");
    if !enabled || (internal && !tracer.add_internals) {
        return None;
    }
    let verbosity = obs
        .and_then(|o| o.trace_verbosity.as_deref())
        .filter(|v| !v.is_empty())
        .unwrap_or(ep_verbosity);
    let detail = (verbosity == "detailed").then(|| {
        let mut middlewares = Vec::new();
        for m in ep_mws.iter().chain(&router.middlewares) {
            flatten(dynamic, m, &mut middlewares, 0);
        }
        Detail {
            router: name.to_string(),
            service: router.service.clone(),
            rule: router.rule.clone(),
            middlewares,
        }
    });
    Some(Arc::new(RouterTrace {
        tracer: tracer.clone(),
        entry_point: Arc::from(ep),
        detail,
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
    ep_defaults(ep_cfg).0.then(|| {
        Arc::new(RouterTrace {
            tracer: tracer.clone(),
            entry_point: Arc::from(ep),
            detail: None,
        })
    })
}

/// Middleware `name` as the chain compiler flattens it: a `chain`'s members in order
/// (qualified with the chain's provider), anything else as one position.
fn flatten(dynamic: &DynamicConfig, name: &str, out: &mut Vec<(&'static str, String)>, depth: u8) {
    let cfg = dynamic.http.as_ref().and_then(|h| h.middlewares.get(name));
    let Some(cfg) = cfg else { return };
    match &cfg.chain {
        Some(chain) if depth < 16 => {
            let provider = name.rsplit_once('@').map(|(_, p)| p);
            for m in &chain.middlewares {
                let qualified = match (m.contains('@'), provider) {
                    (false, Some(p)) => format!("{m}@{p}"),
                    _ => m.clone(),
                };
                flatten(dynamic, &qualified, out, depth + 1);
            }
        }
        _ => out.push((type_name(cfg.kind().unwrap_or("")), name.to_string())),
    }
}

/// Traefik's middleware type names (its `typeName` constants), which name the spans.
fn type_name(kind: &str) -> &'static str {
    match kind {
        "addPrefix" => "AddPrefix",
        "basicAuth" => "BasicAuth",
        "buffering" => "Buffer",
        "circuitBreaker" => "CircuitBreaker",
        "compress" => "Compress",
        "contentType" => "ContentType",
        "digestAuth" => "DigestAuth",
        "encodedCharacters" => "EncodedCharacters",
        "errors" => "CustomError",
        "forwardAuth" => "ForwardAuth",
        "grpcWeb" => "GRPCWeb",
        "headers" => "Headers",
        "inFlightReq" => "InFlightReq",
        "ipAllowList" => "IPAllowLister",
        "ipWhiteList" => "IPWhiteLister",
        "passTLSClientCert" => "PassClientTLSCert",
        "rateLimit" => "RateLimiter",
        "redirectRegex" => "RedirectRegex",
        "redirectScheme" => "RedirectScheme",
        "replacePath" => "ReplacePath",
        "replacePathRegex" => "ReplacePathRegex",
        "retry" => "Retry",
        "stripPrefix" => "StripPrefix",
        "stripPrefixRegex" => "StripPrefixRegex",
        _ => "Middleware",
    }
}

fn now() -> u64 {
    unix_nanos(SystemTime::now())
}

// === impl Traced ===

impl Traced {
    /// Opens the entry point's span when `rt` is set (the router traces): a child of the
    /// client's `traceparent`, or the root of a new trace; and the Router span when detailed.
    /// `scheme`: the `X-Forwarded-Proto` to come when it is not in the map yet (see
    /// [`Deferred`](crate::forwarded::Deferred)).
    pub(crate) fn begin(
        &mut self,
        rt: Option<&Arc<RouterTrace>>,
        req: &Request,
        peer: (SocketAddr, &HeaderValue),
        authority: Option<&HeaderValue>,
        scheme: Option<&'static str>,
    ) {
        let Some(rt) = rt else { return };
        let root = rt.tracer.root(req.headers());
        // An unsampled request only propagates its context: no clock, no attributes.
        if !root.ctx.sampled {
            self.0 = State::Unsampled {
                tracer: rt.tracer.clone(),
                ctx: root.ctx,
            };
            return;
        }
        let mut span = ServerSpan {
            rt: rt.clone(),
            name: method_name(req.method()),
            start: now(),
            attributes: server_attributes(
                &rt.tracer,
                &rt.entry_point,
                req,
                peer,
                authority,
                scheme,
            ),
            inner: Vec::new(),
            root,
        };
        if let Some(d) = &rt.detail {
            let mut a = Attributes::with_capacity(128 + d.rule.len());
            a.str("traefik.service.name", &d.service);
            a.str("traefik.router.name", &d.router);
            a.str("http.route", &d.rule);
            span.open("Router", a);
        }
        self.0 = State::Sampled(Box::new(span));
    }

    /// Detailed verbosity: middleware `i` of the router's chain takes the request.
    pub(crate) fn middleware(&mut self, i: usize) {
        let State::Sampled(span) = &mut self.0 else {
            return;
        };
        if let Some((kind, name)) = span.detail().and_then(|d| d.middlewares.get(i)) {
            let mut a = Attributes::with_capacity(64 + name.len());
            a.str("traefik.middleware.name", name);
            span.open(kind, a);
        }
    }

    /// Detailed verbosity: the router's service takes the request.
    pub(crate) fn service(&mut self) {
        let State::Sampled(span) = &mut self.0 else {
            return;
        };
        if let Some(service) = span.detail().map(|d| &d.service) {
            let mut a = Attributes::with_capacity(64 + service.len());
            a.str("traefik.service.name", service);
            span.open("Service", a);
        }
    }

    /// The entry point span's context (sampled or not), for the access log.
    pub(crate) fn context(&self) -> Option<&SpanContext> {
        match &self.0 {
            State::Off => None,
            State::Unsampled { ctx, .. } => Some(ctx),
            State::Sampled(s) => Some(&s.root.ctx),
        }
    }

    /// For `RequestCtx::trace`: where client spans hang (the innermost open span).
    pub(crate) fn upstream(&self) -> Option<Upstream> {
        let (tracer, parent) = match &self.0 {
            State::Off => return None,
            State::Unsampled { tracer, ctx } => (tracer, ctx.clone()),
            State::Sampled(s) => {
                let mut parent = s.root.ctx.clone();
                if let Some(inner) = s.inner.last() {
                    parent.span_id = inner.id;
                }
                (&s.rt.tracer, parent)
            }
        };
        Some(Upstream {
            tracer: tracer.clone(),
            parent,
        })
    }

    /// The response head is ready: its status and headers go to the entry point's span,
    /// and the spans end with the body (now when it has none).
    pub(crate) fn wrap(self, resp: Response) -> Response {
        let State::Sampled(span) = self.0 else {
            return resp;
        };
        let mut span = *span;
        let mut attributes = std::mem::take(&mut span.attributes);
        let code = resp.status().as_u16();
        let tracer = &span.rt.tracer;
        let status = response_attributes(tracer, &mut attributes, code, resp.headers(), 500);
        let answered = Answered {
            span,
            attributes,
            status,
        };
        if http_body::Body::is_end_stream(resp.body())
            || resp.status() == Status::SWITCHING_PROTOCOLS
        {
            answered.finish();
            return resp;
        }
        resp.map(|inner| Body::Traced(Box::new(TracedBody::new(inner, answered))))
    }
}

// === impl Answered ===

impl Answered {
    /// The response is done: the spans end and are queued.
    fn finish(self) {
        let Answered {
            span,
            attributes,
            status,
        } = self;
        let tracer = &span.rt.tracer;
        let end = now();
        let ctx = &span.root.ctx;
        let mut parent = ctx.span_id;
        let trace_state = ctx.trace_state.as_deref();
        for inner in &span.inner {
            tracer.submit(&SpanData {
                trace_id: ctx.trace_id,
                span_id: inner.id,
                parent: Some(parent),
                parent_remote: false,
                trace_state,
                name: inner.name,
                kind: Kind::Internal,
                start: inner.start,
                end,
                attributes: &inner.attributes,
                status: StatusCode::Unset,
            });
            parent = inner.id;
        }
        tracer.submit(&SpanData {
            trace_id: ctx.trace_id,
            span_id: ctx.span_id,
            parent: span.root.parent,
            parent_remote: span.root.parent.is_some(),
            trace_state,
            name: span.name,
            kind: Kind::Server,
            start: span.start,
            end,
            attributes: &attributes,
            status,
        });
    }
}

// === impl ServerSpan ===

impl ServerSpan {
    /// The detailed settings, when the router is detailed.
    fn detail(&self) -> Option<&Detail> {
        self.rt.detail.as_ref()
    }

    fn open(&mut self, name: &'static str, attributes: Attributes) {
        self.inner.push(Internal {
            id: SpanId::random(),
            name,
            start: now(),
            attributes,
        });
    }
}

// === impl Upstream ===

impl Upstream {
    /// A request to `target` starts: its span's context replaces the client's
    /// `traceparent` (and carries its `tracestate`). The client span, when sampled: an
    /// unsampled request only propagates its context.
    pub(crate) fn start(&self, req: &mut Request, target: &Target) -> Option<ClientSpan> {
        let ctx = self.parent.child();
        ctx.inject(req.headers_mut());
        if !ctx.sampled {
            return None;
        }
        Some(ClientSpan {
            tracer: self.tracer.clone(),
            start: now(),
            attributes: client_attributes(&self.tracer, req, target),
            ctx,
            parent: self.parent.span_id,
        })
    }
}

// === impl ClientSpan ===

impl ClientSpan {
    /// The server answered `code` with `headers` (or the gateway failed with `code`).
    pub(crate) fn finish(self, code: Status, headers: Option<&HeaderMap>) {
        let mut attributes = self.attributes;
        let empty = HeaderMap::new();
        let headers = headers.unwrap_or(&empty);
        let status =
            response_attributes(&self.tracer, &mut attributes, code.as_u16(), headers, 400);
        self.tracer.submit(&SpanData {
            trace_id: self.ctx.trace_id,
            span_id: self.ctx.span_id,
            parent: Some(self.parent),
            parent_remote: false,
            trace_state: self.ctx.trace_state.as_deref(),
            name: "ReverseProxy",
            kind: Kind::Client,
            start: self.start,
            end: now(),
            attributes: &attributes,
            status,
        });
    }
}
