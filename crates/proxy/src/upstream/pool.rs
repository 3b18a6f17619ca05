//! One backend server's connections: a stack of idle HTTP/1.1 connections (reused most
//! recently first, expired after `idleConnTimeout`), or one shared HTTP/2 connection for
//! `h2c://` servers. A connection goes back on the stack when its response body has been
//! read to the end; a request that never left a reused connection is retried on a new one.
//! `https://` servers dial TLS first; when ALPN picks `h2` the connection becomes the shared
//! HTTP/2 one, otherwise it joins the HTTP/1.1 stack. Requests without a body to `http://`
//! servers take the fast path (`h1.rs`), whose idle connections have a stack of their own.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tracing::debug;

mod h2;

use super::TransportSettings;
use super::capped::Capped;
use super::h1::{H1Body, H1Conn, SendError};
use super::tls::Connector;
use crate::forwarded::Deferred;
use crate::rescue::ProxyError;
use crate::{Body, Request};

/// Connections to one server (`host:port`).
#[derive(Debug)]
pub struct Pool {
    addr: String,
    h2c: bool,
    /// Set for `https://` servers.
    tls: Option<Connector>,
    settings: TransportSettings,
    idle: Mutex<Idle>,
    shared: Mutex<Option<http2::SendRequest<Body>>>,
}

/// Idle HTTP/1.1 connections, most recently used last: hyper's and the fast path's.
#[derive(Debug, Default)]
struct Idle {
    hyper: Vec<(http1::SendRequest<Body>, Instant)>,
    fast: Vec<(Box<H1Conn>, Instant)>,
}

/// An upstream response body that returns its connection to the pool once fully read.
#[derive(Debug)]
pub struct PooledBody {
    body: Incoming,
    slot: Option<(Arc<Pool>, http1::SendRequest<Body>)>,
}

// === impl Pool ===

impl Pool {
    pub(crate) fn new(
        addr: String,
        h2c: bool,
        tls: Option<Connector>,
        settings: TransportSettings,
    ) -> Self {
        Self {
            addr,
            h2c,
            tls,
            settings,
            idle: Mutex::new(Idle::default()),
            shared: Mutex::new(None),
        }
    }

    /// Sends `req` (URI in origin form or absolute) and waits for the response head.
    pub(crate) async fn send(
        self: &Arc<Self>,
        req: Request,
    ) -> Result<http::Response<Body>, ProxyError> {
        let conn = self.acquire(Want::of(&req)).await?;
        self.send_on(conn, req, None).await
    }

    /// What [`Self::acquire`] takes first when it is there, with no future around it: an
    /// idle fast-path connection for a request that may take the fast path.
    pub(crate) fn idle_fast(&self, want: Want) -> Option<Conn> {
        if self.h2c || self.tls.is_some() || !want.fast {
            return None;
        }
        self.checkout_h1().map(|conn| Conn::H1(conn, true))
    }

    /// A connection for `req`, before anything of it is written: an idle HTTP/1.1 one, the
    /// shared HTTP/2 one, or a new one. Its failures (dial, TLS handshake) left nothing of
    /// the request (`forward` hands the request back for `retry` then). A request asking
    /// for an upgrade needs HTTP/1.1 (as in Go) and hyper's client.
    pub(crate) async fn acquire(self: &Arc<Self>, want: Want) -> Result<Conn, ProxyError> {
        let http1_only = want.upgrade;
        if let Some(conn) = self.idle_fast(want) {
            return Ok(conn);
        }
        if !self.h2c && self.tls.is_none() {
            if want.fast {
                return Ok(Conn::H1(H1Conn::new(Box::pin(self.dial()).await?), false));
            }
            if let Some(conn) = self.checkout() {
                return Ok(Conn::Reused(conn));
            }
            // An idle fast-path connection becomes one of hyper's.
            if let Some(conn) = self.checkout_h1() {
                let io = TokioIo::new(Capped::new((*conn).into_stream()));
                return Ok(Conn::Reused(Box::pin(self.handshake_h1(io)).await?));
            }
        }
        if self.h2c {
            if let Some(send) = self.shared_h2() {
                return Ok(Conn::Http2(send));
            }
            // Boxed, as every new connection: the HTTP/1.1 hot path's future stays small (it
            // is moved with every request's future).
            let fresh =
                Box::pin(async { self.handshake_h2(TokioIo::new(self.dial().await?)).await });
            return Ok(Conn::Http2(fresh.await?));
        }
        // Upgrades never use the shared HTTP/2 connection. (Only TLS connections can turn
        // out HTTP/2.)
        let http1_only = self.tls.is_some() && http1_only;
        if self.tls.is_some()
            && !http1_only
            && let Some(send) = self.shared_h2()
        {
            return Ok(Conn::Http2(send));
        }
        if let Some(conn) = self.checkout() {
            return Ok(Conn::Reused(conn));
        }
        // Boxed: connecting (TLS state included) is ~6.5 KB of future that every request's
        // future would otherwise carry and move, while only new connections need it.
        Ok(match Box::pin(self.connect(http1_only)).await? {
            Fresh::Http1(conn) => Conn::Fresh(conn),
            Fresh::Http2(send) => Conn::Http2(send),
        })
    }

    /// Sends `req` on `conn` (from [`Pool::acquire`]) and waits for the response head.
    /// `forwarded`: header fields still to add, written with the head on the fast path and
    /// inserted into the request's map for every other connection.
    /// (An `async` block rather than an `async fn`, which would keep a second copy of the
    /// request in its future.)
    #[allow(clippy::manual_async_fn)] // an `async fn` would keep the request twice
    pub(crate) fn send_on<'a>(
        self: &'a Arc<Self>,
        conn: Conn,
        mut req: Request,
        forwarded: Option<&'a Deferred>,
    ) -> impl Future<Output = Result<http::Response<Body>, ProxyError>> + Send + 'a {
        async move {
            // Set once the fields are in the map (then no head writes them again).
            let mut forwarded = forwarded;
            if !matches!(conn, Conn::H1(..))
                && let Some(f) = forwarded.take()
            {
                let version = req.version();
                f.insert(req.headers_mut(), version);
            }
            match conn {
                Conn::H1(conn, reused) => {
                    let sent = conn.send(&req, forwarded).await;
                    return match self.h1_answer(sent, reused, &mut req) {
                        Ok(resp) => Ok(resp),
                        Err(None) => Box::pin(self.send_fresh(req, forwarded)).await,
                        Err(Some(e)) => Err(e),
                    };
                }
                Conn::Http2(send) => return Box::pin(self.send_on_h2(send, req)).await,
                Conn::Fresh(mut conn) => {
                    return match conn.try_send_request(req).await {
                        Ok(resp) => Ok(self.wrap(resp, conn)),
                        Err(e) => Err(upstream_error(&e.into_error())),
                    };
                }
                // A reused connection may have been closed by the server while idle: if the
                // request did not leave, it goes out again on a fresh connection. If it left but
                // the connection closed before any byte of the response (the server closed it
                // just as we reused it), an idempotent request without a body is sent again too,
                // as Go's transport does; for that a copy of its head is kept.
                Conn::Reused(mut conn) => {
                    let replay = replay_copy(&req);
                    match conn.try_send_request(req).await {
                        Ok(resp) => return Ok(self.wrap(resp, conn)),
                        Err(mut e) => match e.take_message() {
                            Some(r) => req = r,
                            None => {
                                let e = e.into_error();
                                match replay {
                                    Some(r) if is_stale(&e) => {
                                        debug!(addr = %self.addr, error = %e, "reused connection was closed; retrying on a new one");
                                        req = r;
                                    }
                                    _ => return Err(upstream_error(&e)),
                                }
                            }
                        },
                    }
                }
            }
            self.send_fresh(req, forwarded).await
        }
    }

    /// The fast path's answer to `sent` (a request on one of its connections): the response,
    /// or `Err(None)` when the request goes out again on a fresh connection
    /// ([`Self::send_fresh`]: a reused connection the server had closed), or the error.
    pub(crate) fn h1_answer(
        self: &Arc<Self>,
        sent: Result<(super::h1::Head, Box<H1Conn>), SendError>,
        reused: bool,
        req: &mut Request,
    ) -> Result<http::Response<Body>, Option<ProxyError>> {
        match sent {
            Ok((head, mut conn)) => {
                conn.recycle(std::mem::take(req.headers_mut()));
                Ok(self.respond(head, conn))
            }
            Err(SendError::NotWritten(e)) if reused => {
                debug!(addr = %self.addr, error = %e, "reused connection was closed; sending on a new one");
                Err(None)
            }
            Err(SendError::Closed(e)) if reused && may_repeat(req) => {
                debug!(addr = %self.addr, error = %e, "reused connection was closed; retrying on a new one");
                Err(None)
            }
            Err(e) => Err(Some(e.into())),
        }
    }

    /// Sends `req` on a new connection (the fast path's when it can take the request).
    #[allow(clippy::manual_async_fn)] // an `async fn` would keep the request twice
    pub(crate) fn send_fresh<'a>(
        self: &'a Arc<Self>,
        mut req: Request,
        forwarded: Option<&'a Deferred>,
    ) -> impl Future<Output = Result<http::Response<Body>, ProxyError>> + Send + 'a {
        async move {
            if self.tls.is_none() && Want::of(&req).fast {
                let conn = H1Conn::new(Box::pin(self.dial()).await?);
                let (head, mut conn) = conn.send(&req, forwarded).await?;
                conn.recycle(std::mem::take(req.headers_mut()));
                return Ok(self.respond(head, conn));
            }
            if let Some(f) = forwarded {
                let version = req.version();
                f.insert(req.headers_mut(), version);
            }
            let http1_only =
                self.tls.is_some() && req.headers().contains_key(http::header::UPGRADE);
            let mut conn = match Box::pin(self.connect(http1_only)).await? {
                Fresh::Http1(conn) => conn,
                Fresh::Http2(send) => return Box::pin(self.send_on_h2(send, req)).await,
            };
            match conn.try_send_request(req).await {
                Ok(resp) => Ok(self.wrap(resp, conn)),
                Err(e) => Err(upstream_error(&e.into_error())),
            }
        }
    }

    fn checkout(&self) -> Option<http1::SendRequest<Body>> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        self.pop_live(&mut idle.hyper, http1::SendRequest::is_ready)
    }

    /// The most recently used connection of `stack` that has not expired and is `alive`;
    /// the others are dropped on the way.
    fn pop_live<C>(&self, stack: &mut Vec<(C, Instant)>, alive: impl Fn(&C) -> bool) -> Option<C> {
        while let Some((conn, since)) = stack.pop() {
            let expired = self
                .settings
                .idle_conn_timeout
                .is_some_and(|t| since.elapsed() > t);
            if !expired && alive(&conn) {
                return Some(conn);
            }
        }
        None
    }

    fn checkin(&self, conn: http1::SendRequest<Body>) {
        if !conn.is_ready() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.settings.max_idle_per_host {
            idle.hyper.push((conn, Instant::now()));
        }
    }

    /// An idle fast-path connection, most recently used first.
    fn checkout_h1(&self) -> Option<Box<H1Conn>> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        self.pop_live(&mut idle.fast, |c| c.alive())
    }

    /// A fast-path connection whose response ended, nothing of it left unread.
    pub(super) fn checkin_h1(&self, conn: Box<H1Conn>) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.settings.max_idle_per_host {
            idle.fast.push((conn, Instant::now()));
        }
    }

    /// The response to a request on the fast path.
    fn respond(self: &Arc<Self>, head: super::h1::Head, conn: Box<H1Conn>) -> http::Response<Body> {
        let body = H1Body::new(&head, conn, self).map_or(Body::Empty, Body::H1);
        let mut resp = http::Response::new(body);
        *resp.status_mut() = head.status;
        *resp.version_mut() = head.version;
        *resp.headers_mut() = head.headers;
        resp
    }

    fn wrap(
        self: &Arc<Self>,
        mut resp: http::Response<Incoming>,
        conn: http1::SendRequest<Body>,
    ) -> http::Response<Body> {
        // The client gets the status code's own reason phrase, as from Go's server (and
        // from the fast path), not the backend's.
        resp.extensions_mut().remove::<hyper::ext::ReasonPhrase>();
        if resp.status() == http::StatusCode::SWITCHING_PROTOCOLS {
            // The connection now belongs to the tunnel.
            return resp.map(Body::from);
        }
        if http_body::Body::is_end_stream(resp.body()) {
            self.checkin(conn);
            return resp.map(Body::from);
        }
        let pool = self.clone();
        resp.map(|body| {
            Body::Pooled(PooledBody {
                body,
                slot: Some((pool, conn)),
            })
        })
    }

    async fn dial(&self) -> Result<TcpStream, ProxyError> {
        let connect = TcpStream::connect(&self.addr);
        let stream = match self.settings.dial_timeout {
            Some(t) => tokio::time::timeout(t, connect)
                .await
                .map_err(|_| ProxyError::DialTimeout)?,
            None => connect.await,
        }
        .map_err(|e| ProxyError::Dial(format!("dial {}: {e}", self.addr)))?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }

    /// A new connection: plain HTTP/1.1, or TLS and whatever ALPN chose.
    async fn connect(&self, http1_only: bool) -> Result<Fresh, ProxyError> {
        let tcp = self.dial().await?;
        let Some(tls) = &self.tls else {
            return Ok(Fresh::Http1(
                self.handshake_h1(TokioIo::new(Capped::new(tcp))).await?,
            ));
        };
        let handshake = tls.connect(tcp, http1_only, &self.addr);
        // The dial timeout covers the TLS handshake too (Go: TLSHandshakeTimeout).
        let (stream, h2) = match self.settings.dial_timeout {
            Some(t) => tokio::time::timeout(t, handshake)
                .await
                .map_err(|_| ProxyError::Timeout)??,
            None => handshake.await?,
        };
        if h2 {
            Ok(Fresh::Http2(self.handshake_h2(TokioIo::new(stream)).await?))
        } else {
            Ok(Fresh::Http1(
                self.handshake_h1(TokioIo::new(Capped::new(stream))).await?,
            ))
        }
    }

    async fn handshake_h1<I>(&self, io: I) -> Result<http1::SendRequest<Body>, ProxyError>
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let (send, conn) = http1::Builder::new()
            .max_buf_size(MAX_RESPONSE_HEAD)
            .handshake(io)
            .await
            .map_err(|e| upstream_error(&e))?;
        let addr = self.addr.clone();
        tokio::spawn(async move {
            if let Err(e) = conn.with_upgrades().await {
                debug!(%addr, error = %e, "upstream connection closed");
            }
        });
        Ok(send)
    }
}

/// What a request needs of its connection ([`Pool::acquire`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Want {
    /// It asks for an upgrade: HTTP/1.1 on hyper's client.
    upgrade: bool,
    /// It may take the fast path: no body, no upgrade.
    fast: bool,
}

impl Want {
    pub(crate) fn of(req: &Request) -> Self {
        let upgrade = req.headers().contains_key(http::header::UPGRADE);
        Self {
            upgrade,
            fast: !upgrade
                && matches!(req.body(), Body::Empty)
                && req.method() != http::Method::CONNECT,
        }
    }
}

/// A connection for one request ([`Pool::acquire`]).
pub(crate) enum Conn {
    /// On the fast path; reused (`true`) or new.
    H1(Box<H1Conn>, bool),
    /// An idle HTTP/1.1 connection: the server may have closed it meanwhile.
    Reused(http1::SendRequest<Body>),
    Fresh(http1::SendRequest<Body>),
    Http2(http2::SendRequest<Body>),
}

impl Conn {
    /// A fast-path connection and whether it was reused, for a caller that exchanges on it
    /// from its own future ([`Pool::h1_answer`]); any other comes back.
    pub(crate) fn into_h1(self) -> Result<(Box<H1Conn>, bool), Conn> {
        match self {
            Conn::H1(conn, reused) => Ok((conn, reused)),
            other => Err(other),
        }
    }
}

/// A connection just made.
enum Fresh {
    Http1(http1::SendRequest<Body>),
    Http2(http2::SendRequest<Body>),
}

/// Whether `req` may be sent again after its connection closed under it: methods that may
/// be repeated (RFC 9110 §9.2.2), without a body.
fn may_repeat(req: &Request) -> bool {
    matches!(
        *req.method(),
        http::Method::GET
            | http::Method::HEAD
            | http::Method::OPTIONS
            | http::Method::TRACE
            | http::Method::PUT
            | http::Method::DELETE
    ) && matches!(req.body(), Body::Empty)
}

/// A copy of `req` to send again if a reused connection turns out closed ([`may_repeat`]).
fn replay_copy(req: &Request) -> Option<Request> {
    if !may_repeat(req) {
        return None;
    }
    let mut copy = Request::new(Body::Empty);
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    Some(copy)
}

/// Whether a request failed because its (reused) connection was closed under it before any
/// response byte arrived, rather than because the server answered badly.
fn is_stale(e: &hyper::Error) -> bool {
    if e.is_incomplete_message() || e.is_canceled() {
        return true;
    }
    let mut cur = std::error::Error::source(e);
    while let Some(s) = cur {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            );
        }
        cur = s.source();
    }
    false
}

fn upstream_error(e: &hyper::Error) -> ProxyError {
    match crate::body::BodyError::find(e) {
        Some(crate::body::BodyError::Client(c)) => return ProxyError::ClientBody(c.to_string()),
        Some(crate::body::BodyError::ClientH2(c)) => return ProxyError::ClientBody(c.to_string()),
        Some(crate::body::BodyError::ReadTimeout) => return ProxyError::ClientTimeout,
        Some(crate::body::BodyError::Malformed(m)) => return ProxyError::ClientBody(m.to_string()),
        _ => {}
    }
    if e.is_timeout() {
        return ProxyError::Timeout;
    }
    let mut msg = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(s) = cur {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        cur = s.source();
    }
    ProxyError::Upstream(msg)
}

// === impl Idle ===

impl Idle {
    fn len(&self) -> usize {
        self.hyper.len() + self.fast.len()
    }
}

// === impl PooledBody ===

impl http_body::Body for PooledBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let frame = Pin::new(&mut self.body).poll_frame(cx);
        let done = matches!(frame, Poll::Ready(None))
            || (matches!(frame, Poll::Ready(Some(Ok(_)))) && self.body.is_end_stream());
        if done && let Some((pool, conn)) = self.slot.take() {
            pool.checkin(conn);
        }
        if matches!(frame, Poll::Ready(Some(Err(_)))) {
            self.slot = None;
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// How long an idle connection may wait before it is discarded, when none is configured.
pub(crate) const DEFAULT_IDLE: Duration = Duration::from_secs(90);

/// The largest response head an HTTP/1.1 upstream may send (Go's default is 10 MiB; 1 MiB
/// is what the gateway accepts from clients too).
const MAX_RESPONSE_HEAD: usize = 1 << 20;
