//! Forwarding one request to one server: request target, Host, protocol version, hop-by-hop
//! headers, and protocol upgrades (WebSocket and friends) tunnelled both ways.

use std::net::IpAddr;

use http::header::{HOST, HeaderValue};
use http::{StatusCode, Uri, Version};

use super::lb::Target;
use crate::rescue::ProxyError;
use crate::{Body, Request, Response};

/// Per-request facts the service stage needs.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub client_ip: IpAddr,
    /// The authority the client addressed (for `Host` when the client spoke HTTP/2).
    pub authority: Option<HeaderValue>,
    /// The client asked for a protocol upgrade.
    pub upgrade: bool,
    /// The request's `Host` field is `authority` (there is one), as the http stage settled
    /// it: no middleware ran that could have changed it (so `forward` neither looks it up
    /// nor writes it again).
    pub(crate) host_is_authority: bool,
    /// The request came over TLS.
    pub tls: bool,
    /// For upgrades: turns true when the gateway shuts down, so the tunnel can close
    /// cleanly within `graceTimeOut`.
    pub drain: Option<tokio::sync::watch::Receiver<bool>>,
    /// Set when the request is access-logged: the server asked and its answer.
    pub(crate) log: Option<std::sync::Arc<crate::accesslog::OriginCell>>,
    /// Set when the request is traced: each request to a server gets a client span.
    /// Held by value (a tracer handle and the parent's context): a box of its own cost an
    /// allocation per traced request.
    pub(crate) trace: Option<crate::trace::Upstream>,
    /// A request no connection could be made for, handed back for `retry`.
    pub(crate) unsent: Unsent,
    /// The forwarded headers, when nothing reads them before the request leaves: the
    /// HTTP/1.1 fast path writes them with the head, every other way inserts them.
    pub(crate) forwarded: Option<crate::forwarded::Deferred>,
}

/// Where `forward` leaves a request that no connection could be made for (dial or TLS
/// handshake failed, [`ProxyError::not_sent`]): unchanged but for the `traceparent` of
/// its failed try, so `retry` can send it again without keeping a copy of every request.
/// A copy of the context ([`Clone`]) starts empty: a mirrored request is not the client's.
#[derive(Default)]
pub(crate) struct Unsent(std::sync::Mutex<Option<Box<Request>>>);

impl Unsent {
    fn put(&self, req: Request) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Box::new(req));
    }

    /// The request the last failed try left, if any.
    pub(crate) fn take(&self) -> Option<Request> {
        let taken = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        taken.map(|b| *b)
    }
}

impl Clone for Unsent {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for Unsent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unsent")
    }
}

/// (An `async` block rather than an `async fn`, which would keep a second copy of the
/// request in the future.)
#[allow(clippy::manual_async_fn)]
pub(crate) fn forward<'a>(
    mut req: Request,
    target: &'a Target,
    pass_host_header: bool,
    ctx: &'a RequestCtx,
) -> impl Future<Output = Result<Response, ProxyError>> + Send + 'a {
    async move {
        // The version first: the client span reports it. The Host and the target change only
        // once a connection is there, so that a request no connection could be made for goes
        // back to `retry` as it came (`RequestCtx::unsent`).
        let version = req.version();
        *req.version_mut() = if target.h2c {
            Version::HTTP_2
        } else {
            Version::HTTP_11
        };
        if let Some(log) = &ctx.log {
            log.attempt(target);
        }
        let span = ctx.trace.as_ref().and_then(|t| t.start(&mut req, target));
        let client_upgrade = ctx.upgrade.then(|| hyper::upgrade::on(&mut req));
        // The protocol asked for, which a `101` must be a switch to (a clone, upgrades only).
        let asked = client_upgrade
            .as_ref()
            .and_then(|_| req.headers().get(http::header::UPGRADE).cloned());
        // The exchange, as a block that ends in its result. Written out in both arms below:
        // without a timeout it runs in this future itself; a separate future would be moved
        // (all its bytes copied) into its `.await` every request.
        macro_rules! exchange {
            () => {
                'send: {
                    let want = crate::upstream::Want::of(&req);
                    // An idle connection is taken with no future around it (acquire's was
                    // moved into its `.await` every request).
                    let acquired = match target.pool.idle_fast(want) {
                        Some(conn) => Ok(conn),
                        None => target.pool.acquire(want).await,
                    };
                    let conn = match acquired {
                        Ok(conn) => conn,
                        Err(e) => {
                            if e.not_sent() {
                                *req.version_mut() = version;
                                ctx.unsent.put(req);
                            }
                            break 'send Err(e);
                        }
                    };
                    // The Host the backend sees: the one routed on (`passHostHeader`, the
                    // default), else the server's address. A client without any (HTTP/1.0)
                    // gets the server's address, as Go's transport sends.
                    let kept = pass_host_header && ctx.host_is_authority;
                    let routed = if kept {
                        ctx.authority.clone()
                    } else {
                        pass_host_header
                            .then(|| req.headers().get(HOST).or(ctx.authority.as_ref()).cloned())
                            .flatten()
                    };
                    let host =
                        routed.or_else(|| HeaderValue::from_str(target.authority.as_str()).ok());
                    if target.h2c {
                        // HTTP/2 carries it as `:authority`, not as a `host` header (RFC 9113
                        // §8.3.1).
                        req.headers_mut().remove(HOST);
                    } else if let Some(h) = &host
                        && !kept
                    {
                        req.headers_mut().insert(HOST, h.clone());
                    }
                    if let Err(e) = set_target(&mut req, target, host.as_ref()) {
                        break 'send Err(e);
                    }
                    // The fast path's exchange is awaited here: send_on's future, moved into
                    // its `.await`, copied all its bytes every request.
                    let fwd = ctx.forwarded.as_ref();
                    match conn.into_h1() {
                        Ok((c, reused)) => {
                            let sent = c.send(&req, fwd).await;
                            match target.pool.h1_answer(sent, reused, &mut req) {
                                Ok(resp) => Ok(resp),
                                Err(None) => Box::pin(target.pool.send_fresh(req, fwd)).await,
                                Err(Some(e)) => Err(e),
                            }
                        }
                        Err(conn) => target.pool.send_on(conn, req, fwd).await,
                    }
                }
            };
        }
        let sent = match target.response_header_timeout {
            Some(t) => tokio::time::timeout(t, async { exchange!() })
                .await
                .map_err(|_| ProxyError::Timeout)
                .and_then(|r| r),
            None => exchange!(),
        };
        // Before the span and the log see it: they record what the client gets.
        let sent = sent.and_then(|mut resp| {
            if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
                crate::hop::check_switch(asked.as_ref(), resp.headers())?;
            } else {
                crate::hop::settle(resp.headers_mut())?;
            }
            Ok(resp)
        });
        if let Some(span) = span {
            match &sent {
                Ok(resp) => span.finish(resp.status(), Some(resp.headers())),
                Err(e) => span.finish(e.status(), None),
            }
        }
        let mut resp = sent?;
        if let Some(log) = &ctx.log {
            log.answered(&resp);
        }

        if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
            if let Some(client_upgrade) = client_upgrade {
                let websocket = resp
                    .headers()
                    .get(http::header::UPGRADE)
                    .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
                let upstream = hyper::upgrade::on(&mut resp);
                tokio::spawn(super::tunnel::run(
                    client_upgrade,
                    upstream,
                    websocket,
                    ctx.drain.clone(),
                ));
            }
            return Ok(resp.map(|_| Body::Empty));
        }
        Ok(resp)
    }
}

/// HTTP/1.1 upstreams get the origin form (`/path?query`); HTTP/2 needs scheme and authority
/// (`host`) for its pseudo-headers. The common case (origin form in, no path prefix) keeps
/// the URI.
fn set_target(
    req: &mut Request,
    target: &Target,
    host: Option<&HeaderValue>,
) -> Result<(), ProxyError> {
    let rebuild = target.h2c || !target.base_path.is_empty() || req.uri().authority().is_some();
    if !rebuild {
        return Ok(());
    }
    if target.base_path.is_empty() && !target.h2c {
        // The origin form from the request's own parts: its path is not parsed again.
        let mut parts = std::mem::take(req.uri_mut()).into_parts();
        parts.scheme = None;
        parts.authority = None;
        if parts.path_and_query.is_none() {
            parts.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
        }
        *req.uri_mut() = Uri::from_parts(parts)
            .map_err(|_| ProxyError::BadRequest("request target cannot be forwarded"))?;
        return Ok(());
    }
    let pq = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let joined;
    let pq = if target.base_path.is_empty() {
        pq
    } else {
        joined = format!("{}{pq}", target.base_path.trim_end_matches('/'));
        &joined
    };
    let mut b = Uri::builder();
    if target.h2c {
        let authority = host
            .and_then(|h| http::uri::Authority::try_from(h.as_bytes()).ok())
            .unwrap_or_else(|| target.authority.clone());
        b = b.scheme(target.scheme.clone()).authority(authority);
    }
    *req.uri_mut() = b
        .path_and_query(pq)
        .build()
        .map_err(|_| ProxyError::BadRequest("request target cannot be forwarded"))?;
    Ok(())
}
