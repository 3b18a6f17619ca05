//! One request through the stages: **http** (head checks, one authority, path hygiene,
//! forwarded headers) → **route** → **middlewares** → **service**. Runs against the table
//! that was current when the request arrived; a reload during the request does not affect it.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use http::header::{HOST, HeaderValue, UPGRADE};
use http::request::Parts;
use tokio::sync::watch;
use waygate_rules::{normalize_host, routing_path};

use crate::Body;
use crate::accesslog::Logged;
use crate::body::{Inbound, Noted};
use crate::entrypoint::{ConnGuard, ServedBody};
use crate::forwarded::{Deferred, RequestFacts, canonical};
use crate::hygiene::{check_headers, check_transfer_encoding, settle_authority_deferring};
use crate::middleware::around::{self, Around};
use crate::middleware::{ClientCerts, Flow, Held, MwCtx, set_path_and_query};
use crate::rescue::{ProxyError, respond};
use crate::service::RequestCtx;
use crate::table::{EntryPointTable, RuntimeTable};

/// The connection a request arrived on.
#[derive(Debug)]
pub(crate) struct ConnCtx {
    /// Index of the entry point in every table (`table::entry_point_names` order).
    pub(crate) entry_point: usize,
    pub(crate) remote: SocketAddr,
    /// Set when the connection is TLS: SNI, negotiated version and cipher suite, ALPN, and
    /// the client certificate chain (for mTLS-aware middlewares).
    pub(crate) tls: Option<crate::tls::TlsInfo>,
    /// The access log's TLS fields, made from `tls` by the connection's first logged request.
    pub(crate) log_tls: std::sync::OnceLock<Arc<waygate_accesslog::TlsFacts>>,
    /// `X-Forwarded-Server`.
    pub(crate) server_name: HeaderValue,
    /// The forwarded fields of this connection's requests that are written with their head
    /// (`forwarded::Deferred`), made by the first one.
    pub(crate) forwarded_lines: std::sync::OnceLock<Arc<crate::forwarded::ConnLines>>,
    /// The client IP as a header value, made once per connection.
    pub(crate) client_ip_value: HeaderValue,
    /// Requests served on this connection, and when it was accepted (keep-alive limits).
    pub(crate) served: std::sync::atomic::AtomicU64,
    pub(crate) accepted: std::time::Instant,
    pub(crate) keep_alive: KeepAliveLimits,
    /// Timers and backpressure of this connection.
    pub(crate) guard: Arc<ConnGuard>,
    /// Turns true when the gateway shuts down (upgraded tunnels close then).
    pub(crate) drain: watch::Receiver<bool>,
    /// HTTP/2: a response said `Connection: close` (the keep-alive limits): the connection
    /// ends gracefully (GOAWAY), as Go's HTTP/2 server ends it.
    pub(crate) goaway: std::sync::atomic::AtomicBool,
}

/// `transport.keepAliveMaxRequests` / `keepAliveMaxTime` (0 = unlimited).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeepAliveLimits {
    pub(crate) max_requests: u64,
    pub(crate) max_time: Option<std::time::Duration>,
}

impl ConnCtx {
    /// Counts a request; true when the connection must close after this response.
    fn last_request(&self) -> bool {
        let n = self
            .served
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let limits = self.keep_alive;
        (limits.max_requests > 0 && n >= limits.max_requests)
            || limits
                .max_time
                .is_some_and(|t| self.accepted.elapsed() >= t)
    }
}

/// (An `async` block rather than an `async fn`, which would keep a second copy of the
/// request in the future every request moves.)
#[allow(clippy::manual_async_fn)] // an `async fn` would keep the request twice
pub(crate) fn handle(
    req: http::Request<Inbound>,
    conn: &ConnCtx,
    table: Arc<RuntimeTable>,
) -> impl Future<Output = http::Response<ServedBody>> + Send + '_ {
    async move {
        let h2 = req.version() == http::Version::HTTP_2;
        let token = conn.guard.request_started(h2);
        let started = tokio::time::Instant::now();
        let close = conn.last_request();
        // Slots of `inFlightReq`: kept until the response body ends (or the client goes away,
        // which drops it), or for an upgraded connection until the tunnel closes.
        let mut held = Held::default();
        // The access log's record: empty unless the router (or entry point) logs.
        let mut log = Logged::default();
        // Prometheus metrics: recorded when the response body is done.
        let mut obs = crate::metrics::observe(&table, conn, &req, started);
        // The entry point's span: empty unless the router (or entry point) traces.
        let mut trace = crate::trace::Traced::default();
        // Routing and serving, written out here rather than awaited as a future of their own
        // (whose bytes were copied into its `.await` every request); `break 'served` is
        // their early answer. The observers are borrowed for the block.
        let mut resp = 'served: {
            let (held, log, obs, trace) = (&mut held, &mut log, &mut obs, &mut trace);
            let Some((_, ep)) = table.entry_points.get(conn.entry_point) else {
                break 'served respond(&ProxyError::NoRoute);
            };
            let (mut parts, incoming) = req.into_parts();
            let noted = incoming.noted();
            let (authority, chunked, host_pending) = match check_head(&mut parts, ep, noted, true) {
                Ok(x) => x,
                Err(e) => break 'served respond(&e),
            };
            let body = match incoming.into_client(conn.guard.timeouts.read, started) {
                Some(mut body) => {
                    if chunked && let Err(e) = body.read_ahead().await {
                        break 'served respond(&ProxyError::ClientBody(e.to_string()));
                    }
                    Body::Client(body)
                }
                None => Body::Empty,
            };
            let mut req = http::Request::from_parts(parts, body);
            let router = {
                let host =
                    normalize_host(authority.as_ref().map_or("", |a| a.to_str().unwrap_or("")));
                let Ok(path) = routing_path(req.uri().path()) else {
                    break 'served respond(&ProxyError::BadRequest(
                        "invalid percent-encoding in the path",
                    ));
                };
                let view = waygate_rules::Request {
                    method: req.method().as_str(),
                    host: &host,
                    path: &path,
                    query: req.uri().query().unwrap_or(""),
                    headers: req.headers(),
                    client_ip: Some(conn.remote.ip()),
                };
                // TLS routers serve only TLS connections, the others only plain ones.
                let routes = if conn.tls.is_some() {
                    &ep.tls_routes
                } else {
                    &ep.routes
                };
                match routes.find(&view) {
                    Some(r) => {
                        if let Some(o) = obs {
                            o.routed(r.metrics.as_ref());
                        }
                        r.clone()
                    }
                    None => {
                        // Before the forwarded headers are rewritten: the client's, as they came.
                        let (log_cfg, host) = (ep.log.as_deref(), authority.as_ref());
                        log.begin(log_cfg, &req, conn, started, host, true);
                        trace.begin(
                            ep.trace.as_ref(),
                            &req,
                            (conn.remote, &conn.client_ip_value),
                            authority.as_ref(),
                            None,
                        );
                        break 'served respond(&ProxyError::NoRoute);
                    }
                }
            };

            // `Upgrade: h2c` asks to switch this connection to HTTP/2; the gateway answers in
            // HTTP/1.1 instead (allowed by RFC 9110) rather than tunnelling it to one backend. The
            // fast path's requests have no `Upgrade` (it leaves those to hyper): no lookups.
            let upgrade = noted.is_none()
                && match req.headers().get(UPGRADE) {
                    Some(v) if v.as_bytes().eq_ignore_ascii_case(b"h2c") => {
                        req.headers_mut().remove(UPGRADE);
                        req.headers_mut().remove("http2-settings");
                        false
                    }
                    Some(_) => true,
                    None => false,
                };
            let websocket = upgrade
                && req
                    .headers()
                    .get(UPGRADE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
            let facts = RequestFacts {
                client_ip: conn.remote.ip(),
                tls: conn.tls.is_some(),
                websocket,
                host: authority.as_ref(),
                server: &conn.server_name,
                client_ip_value: &conn.client_ip_value,
            };
            // Nothing reads the forwarded headers before the request leaves (no middleware, no
            // upgrade, no captured request headers): an untrusted client's request gets them
            // written with its head rather than inserted into its map (`forwarded::Deferred`).
            let defer = router.chain.is_empty()
                && !upgrade
                && router.log.as_ref().is_none_or(|l| !l.shows_headers())
                && router
                    .trace
                    .as_ref()
                    .is_none_or(|t| !t.captures_request_headers());
            let mut deferred = if defer {
                ep.forwarded
                    .defer(req.headers_mut(), &facts, &conn.forwarded_lines)
            } else {
                None
            };
            // An HTTP/2 request's `Host`, not inserted yet: written with the head on the fast
            // path (nothing reads the map before), else inserted now.
            if host_pending && let Some(a) = &authority {
                match &mut deferred {
                    Some(d) => d.pending_host = Some(a.clone()),
                    None => {
                        req.headers_mut().insert(HOST, a.clone());
                    }
                }
            }
            let trusted = deferred.is_none() && ep.forwarded.rewrite(req.headers_mut(), &facts);
            let connection = Noted::may_have(noted, Noted::CONNECTION);
            ep.forwarded
                .strip_hop_by_hop(req.headers_mut(), upgrade, connection);
            log.begin(
                router.log.as_deref(),
                &req,
                conn,
                started,
                authority.as_ref(),
                trusted,
            );
            trace.begin(
                router.trace.as_ref(),
                &req,
                (conn.remote, &conn.client_ip_value),
                authority.as_ref(),
                deferred.as_ref().map(Deferred::proto),
            );

            let mw_ctx = MwCtx {
                tls: conn.tls.is_some(),
                remote: canonical(conn.remote.ip()),
            };
            // `passTLSClientCert` reads the chain: passed on mTLS connections to its routers only.
            if let Some(tls) = &conn.tls
                && !tls.client_certificates.is_empty()
                && router.chain.iter().any(|m| m.wants_client_certs())
            {
                let certs = ClientCerts(tls.client_certificates.clone().into());
                req.extensions_mut().insert(certs);
            }
            let last = router.chain.len().wrapping_sub(1);
            // A `retry` last in the chain whose tries the service step runs itself.
            let mut tries = None;
            for (i, mw) in router.chain.iter().enumerate() {
                trace.middleware(i);
                if i == last {
                    tries = mw.service_tries(&req);
                    if tries.is_some() {
                        break;
                    }
                }
                let mut flow = mw.request(&mut req, mw_ctx);
                if let Flow::Wait(pending) = flow {
                    flow = pending.await;
                }
                // `ClientUsername`, if an authentication middleware named the client.
                log.take_username(&mut req);
                match flow {
                    // A pending decision never resolves to another wait.
                    Flow::Next | Flow::Wait(_) => {}
                    Flow::Hold(slot) => held.push(slot),
                    // Boxed: the timer stays out of every request's future.
                    Flow::Delay(wait) => Box::pin(tokio::time::sleep(wait)).await,
                    Flow::Respond(mut resp) => {
                        for m in router.chain[..i].iter().rev() {
                            m.response(&mut resp, mw_ctx);
                        }
                        router.stats.record(resp.status(), started.elapsed());
                        break 'served resp;
                    }
                    // `circuitBreaker`, `retry`, `buffering`: the rest runs inside them (boxed).
                    Flow::Wrap => {
                        trace.service();
                        let around = Around {
                            chain: &router.chain,
                            service: &router.service,
                            mw_ctx,
                            ctx: service_ctx(conn, authority, upgrade, false, log, trace),
                            forwarded: &ep.forwarded,
                            client_ip_value: &conn.client_ip_value,
                        };
                        if let Some(o) = obs {
                            o.reached_service();
                        }
                        let mut resp = around::run(around, i, req, held).await;
                        for m in router.chain[..i].iter().rev() {
                            m.response(&mut resp, mw_ctx);
                        }
                        router.stats.record(resp.status(), started.elapsed());
                        break 'served resp;
                    }
                }
            }
            // As Traefik's proxy does when forwarding: middlewares saw the header without it.
            if deferred.is_none() {
                ep.forwarded
                    .append_client(req.headers_mut(), &conn.client_ip_value);
            }
            trace.service();
            // No middleware ran: the chain is empty.
            let untouched = router.chain.is_empty();
            let mut ctx = service_ctx(conn, authority, upgrade, untouched, log, trace);
            ctx.forwarded = deferred;
            if let Some(o) = obs {
                o.reached_service();
            }
            let mut resp = loop {
                let resp = crate::service::handle_inline!(router.service, req, &ctx);
                let Some((again, wait)) = tries.as_mut().and_then(|t| t.again(&resp, &ctx)) else {
                    break resp;
                };
                if let Some(wait) = wait {
                    Box::pin(tokio::time::sleep(wait)).await;
                }
                req = again;
            };
            for mw in router.chain.iter().rev() {
                mw.response(&mut resp, mw_ctx);
            }
            router.stats.record(resp.status(), started.elapsed());
            resp
        };
        if resp.status() == http::StatusCode::SWITCHING_PROTOCOLS {
            conn.guard.upgraded(std::mem::take(&mut held));
        }
        if close {
            resp.headers_mut()
                .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(o) = &mut obs {
            o.answered(&resp);
        }
        log.trace(trace.context());
        let resp = trace.wrap(resp);
        log.wrap(resp)
            .map(|body| ServedBody::new(body, token.holding(held), h2, started).observed(obs))
    }
}

/// What the service stage needs to know about the request. `untouched`: no middleware
/// ran, so the `Host` field is still the settled authority.
fn service_ctx(
    conn: &ConnCtx,
    authority: Option<HeaderValue>,
    upgrade: bool,
    untouched: bool,
    log: &Logged,
    trace: &crate::trace::Traced,
) -> RequestCtx {
    RequestCtx {
        client_ip: conn.remote.ip(),
        host_is_authority: untouched && authority.is_some(),
        authority,
        upgrade,
        tls: conn.tls.is_some(),
        drain: upgrade.then(|| conn.drain.clone()),
        log: log.origin(),
        trace: trace.upstream(),
        unsent: Default::default(),
        forwarded: None,
    }
}

/// The **http** stage's checks on the head, in place: transfer coding (HTTP/1), header
/// lines and underscores, one authority (written into `Host`), path hygiene and query
/// semicolons. Returns the authority, whether the body is chunked and whether the authority
/// is still to be written into `Host` (an HTTP/2 request without one, when `defer_host`:
/// the caller inserts it, or the HTTP/1.1 upstream writes it with the head). `noted`: the
/// head came by the fast path, which has no `Transfer-Encoding` or `Content-Length`.
pub(crate) fn check_head(
    parts: &mut Parts,
    ep: &EntryPointTable,
    noted: Option<Noted>,
    defer_host: bool,
) -> Result<(Option<HeaderValue>, bool, bool), ProxyError> {
    // CONNECT asks for a tunnel to the authority: not something a reverse proxy offers.
    if parts.method == http::Method::CONNECT {
        return Err(ProxyError::NotImplemented);
    }
    let chunked = noted.is_none()
        && parts.version < http::Version::HTTP_2
        && check_transfer_encoding(&parts.headers)?;
    // What the fast path's parser noted spares the passes over the map: no unusual field
    // (nothing for the header checks to do), one valid `Host` and an origin-form target
    // (the authority is that `Host`).
    if Noted::may_have(noted, Noted::UNUSUAL) {
        check_headers(&mut parts.headers, ep.underscores)?;
    }
    let (authority, host_pending) = match noted {
        Some(n) if n.has(Noted::HOST) && parts.uri.authority().is_none() => {
            (parts.headers.get(HOST).cloned(), false)
        }
        _ => settle_authority_deferring(parts.version, &parts.uri, &mut parts.headers, defer_host)?,
    };
    let path = ep
        .path
        .clean(parts.uri.path())
        .map_err(|_| ProxyError::BadRequest("invalid or refused path"))?;
    let query: Option<Cow<'_, str>> = match parts.uri.query() {
        Some(q) if ep.encode_query_semicolons => {
            Some(crate::hygiene::encode_query_semicolons(q).map_or(Cow::Borrowed(q), Cow::Owned))
        }
        other => other.map(Cow::Borrowed),
    };
    if let Cow::Owned(p) = path {
        let q = query.map(Cow::into_owned);
        set_path_and_query(&mut parts.uri, &p, q.as_deref());
    } else if let Some(Cow::Owned(q)) = query {
        let p = parts.uri.path().to_string();
        set_path_and_query(&mut parts.uri, &p, Some(&q));
    }
    Ok((authority, chunked, host_pending))
}
