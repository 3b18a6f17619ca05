//! The **log** stage: what the access log (`waygate-accesslog`) learns of a request. Whether
//! a router logs is resolved when the table is compiled ([`for_router`]: `accessLog` set,
//! the router's `observability.accessLogs`, else its entry point's, and `addInternals` for
//! `@internal` services), so routers that do not log pay one `None` check. A logging request
//! captures its head once routed ([`Logged::begin`]), the service notes which server
//! answered ([`OriginCell`], through `RequestCtx::log`), and the line is submitted when the
//! response body ends ([`LoggedBody`]). A traced request's trace id and entry point span id
//! join the record before its response leaves ([`Logged::trace`]), as Traefik logs them from
//! the request's span context (`TraceId`, `SpanId`).

mod body;
mod tls;
mod username;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use http::{HeaderName, HeaderValue};
use tokio::time::Instant;
use waygate_accesslog::{AccessLog, Origin, Record, TraceIds};
use waygate_config::dynamic::Router;
use waygate_config::static_config::EntryPoint;
use waygate_otel::SpanContext;

use crate::handler::ConnCtx;
use crate::service::Target;
use crate::{Body, Request, Response};

pub use self::body::LoggedBody;
pub(crate) use self::username::name_client;

/// Looked up per logged request: a `&str` key would be parsed each time.
static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// A router's (or an entry point's, for requests no router takes) access log settings.
#[derive(Debug)]
pub(crate) struct RouterLog {
    log: Arc<AccessLog>,
    entry_point: Arc<str>,
    router: Option<Arc<str>>,
    service: Option<Arc<str>>,
    /// `fields.headers` can show a header: requests capture theirs.
    headers: bool,
}

impl RouterLog {
    /// Whether a line can show request headers (then they are captured as forwarded).
    pub(crate) fn shows_headers(&self) -> bool {
        self.headers
    }
}

/// The access log part of one request: empty unless its router logs.
#[derive(Debug, Default)]
pub(crate) struct Logged(Option<Pending>);

/// A request's record until its response ends.
#[derive(Debug)]
pub(crate) struct Pending {
    log: Arc<AccessLog>,
    rec: Box<Record>,
    origin: Arc<OriginCell>,
    started: Instant,
}

/// What the service stage tells the log: the server asked (each attempt), and its answer.
#[derive(Debug, Default)]
pub struct OriginCell {
    headers: bool,
    facts: Mutex<OriginFacts>,
}

#[derive(Debug, Default)]
struct OriginFacts {
    /// Named by a middleware after a wrapping one (`retry`, `circuitBreaker`, `buffering`).
    username: Option<Arc<str>>,
    attempts: u32,
    started: Option<Instant>,
    origin: Origin,
}

/// The entry point's `observability.accessLogs` (default true).
fn ep_default(ep: Option<&EntryPoint>) -> bool {
    ep.and_then(|e| e.observability.as_ref())
        .is_none_or(|o| o.access_logs)
}

/// The log settings of router `name` on entry point `ep`, `None` when it does not log.
pub(crate) fn for_router(
    log: Option<&Arc<AccessLog>>,
    ep: &str,
    ep_cfg: Option<&EntryPoint>,
    name: &str,
    router: &Router,
) -> Option<Arc<RouterLog>> {
    let log = log?;
    let enabled = router
        .observability
        .as_ref()
        .and_then(|o| o.access_logs)
        .unwrap_or_else(|| ep_default(ep_cfg));
    let internal = router.service.ends_with("@internal");
    if !enabled || (internal && !log.settings().add_internals) {
        return None;
    }
    Some(Arc::new(RouterLog {
        log: log.clone(),
        entry_point: Arc::from(ep),
        router: Some(Arc::from(name)),
        service: (!internal).then(|| Arc::from(router.service.as_str())),
        headers: log.settings().wants_headers(),
    }))
}

/// The log settings for requests no router of entry point `ep` takes (Traefik logs its
/// 404s with the entry point's observability defaults).
pub(crate) fn for_entry_point(
    log: Option<&Arc<AccessLog>>,
    ep: &str,
    ep_cfg: Option<&EntryPoint>,
) -> Option<Arc<RouterLog>> {
    let log = log?;
    ep_default(ep_cfg).then(|| {
        Arc::new(RouterLog {
            log: log.clone(),
            entry_point: Arc::from(ep),
            router: None,
            service: None,
            headers: log.settings().wants_headers(),
        })
    })
}

// === impl Logged ===

impl Logged {
    /// Captures the request's head when `log` is set (the router logs). `forwarded`: the
    /// request may carry an `X-Forwarded-For` (false once an untrusted client's was removed).
    pub(crate) fn begin(
        &mut self,
        log: Option<&RouterLog>,
        req: &Request,
        conn: &ConnCtx,
        started: Instant,
        authority: Option<&HeaderValue>,
        forwarded: bool,
    ) {
        let Some(rl) = log else { return };
        let headers = req.headers();
        // `RequestContentSize`: Go's `req.ContentLength`, the length the framing gives (0
        // when unknown), read from the body rather than looked up in the headers.
        let request_size = http_body::Body::size_hint(req.body()).exact().unwrap_or(0);
        let rec = Record {
            // Derived by the writer from `started` (one clock read per batch).
            start: SystemTime::UNIX_EPOCH,
            started: Some(started.into_std()),
            duration: std::time::Duration::ZERO,
            entry_point: rl.entry_point.clone(),
            router: rl.router.clone(),
            service: rl.service.clone(),
            client: conn.remote,
            forwarded_for: if forwarded {
                headers.get(&X_FORWARDED_FOR).cloned()
            } else {
                None
            },
            username: None,
            host: authority.cloned(),
            method: req.method().clone(),
            uri: req.uri().clone(),
            version: req.version(),
            // Once per connection: the version, cipher and client subject do not change.
            tls: conn.tls.as_ref().map(|info| {
                conn.log_tls
                    .get_or_init(|| Arc::new(tls::facts(info)))
                    .clone()
            }),
            request_size,
            count: rl.log.next_count(),
            origin: None,
            status: 0,
            size: 0,
            retries: 0,
            request_headers: rl.headers.then(|| headers.clone()),
            downstream_headers: None,
            trace: None,
        };
        self.0 = Some(Pending {
            log: rl.log.clone(),
            rec: rl.log.boxed(rec),
            origin: Arc::new(OriginCell {
                headers: rl.headers,
                facts: Mutex::default(),
            }),
            started,
        });
    }

    /// The request's span context (the entry point's span), when it is traced.
    pub(crate) fn trace(&mut self, ctx: Option<&SpanContext>) {
        if let (Some(p), Some(ctx)) = (&mut self.0, ctx) {
            p.rec.trace = Some(TraceIds {
                trace_id: ctx.trace_id.0,
                span_id: ctx.span_id.0,
            });
        }
    }

    /// Moves the client's name an authentication middleware left on `req` into the record.
    pub(crate) fn take_username(&mut self, req: &mut Request) {
        if let Some(p) = &mut self.0
            && let Some(user) = username::take(req)
        {
            p.rec.username = Some(user);
        }
    }

    /// For `RequestCtx::log`: where the service stage notes the server that answered.
    pub(crate) fn origin(&self) -> Option<Arc<OriginCell>> {
        self.0.as_ref().map(|p| p.origin.clone())
    }

    /// Takes the final response: the line is written when its body ends (now if it has none).
    pub(crate) fn wrap(self, resp: Response) -> Response {
        let Some(mut p) = self.0 else { return resp };
        p.rec.status = resp.status().as_u16();
        if p.origin.headers {
            p.rec.downstream_headers = Some(resp.headers().clone());
        }
        if http_body::Body::is_end_stream(resp.body())
            || resp.status() == http::StatusCode::SWITCHING_PROTOCOLS
        {
            p.finish(0);
            return resp;
        }
        resp.map(|inner| Body::Logged(Box::new(LoggedBody::new(inner, p))))
    }
}

// === impl Pending ===

impl Pending {
    /// Completes the record with the bytes sent and submits it.
    pub(crate) fn finish(mut self, size: u64) {
        let rec = &mut self.rec;
        rec.size = size;
        // One clock read for both durations.
        let now = Instant::now();
        rec.duration = now.saturating_duration_since(self.started);
        let facts = std::mem::take(
            &mut *self
                .origin
                .facts
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        if let Some(user) = facts.username {
            rec.username = Some(user);
        }
        if let Some(started) = facts.started {
            let mut origin = facts.origin;
            origin.duration = now.saturating_duration_since(started);
            // The server did not answer: the status the gateway sent for it, as Traefik
            // records its proxy's error response.
            if origin.status == 0 {
                origin.status = rec.status;
            }
            rec.origin = Some(origin);
            rec.retries = facts.attempts.saturating_sub(1);
        }
        self.log.submit(self.rec);
    }
}

// === impl OriginCell ===

impl OriginCell {
    /// [`Logged::take_username`] for the chain walk after a wrapping middleware.
    pub(crate) fn take_username(&self, req: &mut Request) {
        if let Some(user) = username::take(req) {
            let mut f = self.facts.lock().unwrap_or_else(PoisonError::into_inner);
            f.username = Some(user);
        }
    }

    /// A server is asked (each retry asks again).
    pub(crate) fn attempt(&self, target: &Target) {
        let mut f = self.facts.lock().unwrap_or_else(PoisonError::into_inner);
        f.attempts += 1;
        f.started = Some(Instant::now());
        f.origin = Origin {
            url: target.url.clone(),
            addr: target.log_addr.clone(),
            ..Origin::default()
        };
    }

    /// The server answered with `resp`.
    pub(crate) fn answered(&self, resp: &Response) {
        let mut f = self.facts.lock().unwrap_or_else(PoisonError::into_inner);
        f.origin.status = resp.status().as_u16();
        // Traefik records the body bytes the service wrote (`capt.ResponseSize()`): the
        // body's exact length where its framing gives one (0 for HEAD, 204, 304), else the
        // bytes counted downstream. No `Content-Length` lookup.
        f.origin.size = http_body::Body::size_hint(resp.body()).exact();
        if self.headers {
            f.origin.headers = Some(resp.headers().clone());
        }
    }
}
