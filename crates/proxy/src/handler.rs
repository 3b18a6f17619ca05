//! One request through the stages: **http** (path hygiene, forwarded headers) → **route** →
//! **middlewares** → **service**. Runs against the table that was current when the request
//! arrived; a reload during the request does not affect it.

use std::net::SocketAddr;
use std::sync::Arc;

use http::header::{HeaderValue, UPGRADE};
use hyper::body::Incoming;
use waygate_rules::{normalize_host, routing_path};

use crate::forwarded::{RequestFacts, request_host};
use crate::middleware::{Flow, MwCtx, set_path};
use crate::rescue::{ProxyError, respond};
use crate::service::RequestCtx;
use crate::table::RuntimeTable;
use crate::{Body, Response};

/// The connection a request arrived on.
#[derive(Debug)]
pub(crate) struct ConnCtx {
    /// Index of the entry point in every table (`table::entry_point_names` order).
    pub(crate) entry_point: usize,
    pub(crate) remote: SocketAddr,
    /// Set when the connection is TLS: SNI, negotiated version and cipher suite, ALPN, and
    /// the client certificate chain (for mTLS-aware middlewares).
    pub(crate) tls: Option<crate::tls::TlsInfo>,
    /// `X-Forwarded-Server`.
    pub(crate) server_name: HeaderValue,
    /// The client IP as a header value, made once per connection.
    pub(crate) client_ip_value: HeaderValue,
    /// Requests served on this connection, and when it was accepted (keep-alive limits).
    pub(crate) served: std::sync::atomic::AtomicU64,
    pub(crate) accepted: std::time::Instant,
    pub(crate) keep_alive: KeepAliveLimits,
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

pub(crate) async fn handle(
    req: http::Request<Incoming>,
    conn: &ConnCtx,
    table: Arc<RuntimeTable>,
) -> Response {
    let close = conn.last_request();
    let mut resp = route_and_serve(req, conn, table).await;
    if close {
        resp.headers_mut()
            .insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

async fn route_and_serve(
    req: http::Request<Incoming>,
    conn: &ConnCtx,
    table: Arc<RuntimeTable>,
) -> Response {
    let mut req = req.map(Body::from);
    let Some((_, ep)) = table.entry_points.get(conn.entry_point) else {
        return respond(&ProxyError::NoRoute);
    };
    if ep.sanitize_path
        && let std::borrow::Cow::Owned(clean) = crate::path::sanitize(req.uri().path())
    {
        set_path(&mut req, &clean);
    }
    let router = {
        let raw_host = request_host(req.uri(), req.headers()).unwrap_or("");
        let host = normalize_host(raw_host);
        let Ok(path) = routing_path(req.uri().path()) else {
            return respond(&ProxyError::BadRequest(
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
            Some(r) => r.clone(),
            None => return respond(&ProxyError::NoRoute),
        }
    };

    // `Upgrade: h2c` asks to switch this connection to HTTP/2; the gateway answers in
    // HTTP/1.1 instead (allowed by RFC 9110) rather than tunnelling it to one backend.
    if req
        .headers()
        .get(UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"h2c"))
    {
        req.headers_mut().remove(UPGRADE);
        req.headers_mut().remove("http2-settings");
    }
    let upgrade = req.headers().contains_key(UPGRADE);
    let websocket = req
        .headers()
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let host_value = request_host(req.uri(), req.headers()).map(str::to_string);
    let authority = host_value
        .as_deref()
        .and_then(|h| HeaderValue::from_str(h).ok());
    let facts = RequestFacts {
        client_ip: conn.remote.ip(),
        tls: conn.tls.is_some(),
        websocket,
        host: host_value.as_deref(),
        server: &conn.server_name,
        client_ip_value: &conn.client_ip_value,
    };
    ep.forwarded.apply(req.headers_mut(), &facts);
    ep.forwarded.strip_hop_by_hop(req.headers_mut(), upgrade);

    let mw_ctx = MwCtx {
        tls: conn.tls.is_some(),
    };
    for (i, mw) in router.chain.iter().enumerate() {
        if let Flow::Respond(mut resp) = mw.request(&mut req, mw_ctx) {
            for m in router.chain[..i].iter().rev() {
                m.response(&mut resp, mw_ctx);
            }
            return resp;
        }
    }
    let ctx = RequestCtx {
        client_ip: conn.remote.ip(),
        authority,
        upgrade,
    };
    let mut resp = router.service.handle(req, &ctx).await;
    for mw in router.chain.iter().rev() {
        mw.response(&mut resp, mw_ctx);
    }
    resp
}
