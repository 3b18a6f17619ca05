//! The accept loop of one entry point and the HTTP server on each connection: HTTP/1.1 and
//! h2c (prior knowledge) on the same port, TLS on the same port when the entry point
//! terminates TLS (HTTP/1.1 or HTTP/2 by ALPN), upgrades enabled. Each connection is bounded
//! in time and memory by its [`ConnGuard`] (idle, head, write and stall timers, response
//! backpressure) and closes gracefully on idle timeout or shutdown.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use arc_swap::ArcSwap;
use http::HeaderValue;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tracing::{Instrument, debug, debug_span, warn};

use super::Bound;
use super::aside::{Aside, Sides, Woke};
use super::dispatch::ProxyTrust;
use super::guard::{ConnGuard, GuardedIo, Timeouts};
use super::h1;
use super::http2;
use super::prefixed::Prefixed;
use crate::body::Inbound;
use crate::handler::{ConnCtx, handle};
use crate::table::RuntimeTable;
use crate::tls::{TLS_HANDSHAKE, TlsInfo, handshake};

/// Server settings derived from the entry point's static configuration.
#[derive(Debug, Clone)]
pub(crate) struct ServeSettings {
    /// How long the first byte and the TLS handshake may take (`readTimeout`, else 60 s).
    pub(crate) handshake_timeout: Duration,
    pub(crate) timeouts: Timeouts,
    pub(crate) max_header_bytes: usize,
    pub(crate) max_concurrent_streams: u32,
    pub(crate) server_name: HeaderValue,
    /// Index of this entry point in the table's entry points.
    pub(crate) index: usize,
    pub(crate) keep_alive: crate::handler::KeepAliveLimits,
    /// Pending ACME challenges (TLS-ALPN-01 is answered during the handshake).
    pub(crate) acme: Arc<crate::acme::AcmeChallenges>,
    /// Client connections open on every entry point (shared by the gateway).
    pub(crate) open: Arc<ConnCount>,
    /// Client connections open on this entry point (`traefik_open_connections`).
    pub(crate) ep_open: Arc<AtomicUsize>,
    /// `proxyProtocol`: whose PROXY headers are believed (`None`: not configured).
    pub(crate) proxy_protocol: Option<Arc<ProxyTrust>>,
}

/// Open client connections, and the most seen since the peak was last taken.
#[derive(Debug, Default)]
pub(crate) struct ConnCount {
    open: AtomicUsize,
    peak: AtomicUsize,
    /// Per entry point, in the order they were served.
    by_ep: std::sync::Mutex<Vec<(String, Arc<AtomicUsize>)>>,
}

/// Counts one open client connection (on all entry points and on its own) while it lives.
struct OpenConn(Arc<ConnCount>, Arc<AtomicUsize>);

// === impl ConnCount ===

impl ConnCount {
    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// The peak since the last call (which resets it to what is open now).
    pub(crate) fn take_peak(&self) -> usize {
        self.peak.swap(self.open(), Ordering::Relaxed)
    }

    /// The counter of entry point `name`, made on first use.
    pub(crate) fn entry_point(&self, name: &str) -> Arc<AtomicUsize> {
        let mut eps = self.by_ep.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, c)) = eps.iter().find(|(n, _)| n == name) {
            return c.clone();
        }
        let c = Arc::new(AtomicUsize::new(0));
        eps.push((name.to_string(), c.clone()));
        c
    }

    /// Connections open now on each entry point.
    pub(crate) fn by_entry_point(&self) -> Vec<(String, usize)> {
        let eps = self.by_ep.lock().unwrap_or_else(|e| e.into_inner());
        eps.iter()
            .map(|(n, c)| (n.clone(), c.load(Ordering::Relaxed)))
            .collect()
    }
}

impl OpenConn {
    fn new(count: &Arc<ConnCount>, ep: &Arc<AtomicUsize>) -> Self {
        let now = count.open.fetch_add(1, Ordering::Relaxed) + 1;
        count.peak.fetch_max(now, Ordering::Relaxed);
        ep.fetch_add(1, Ordering::Relaxed);
        Self(count.clone(), ep.clone())
    }
}

impl Drop for OpenConn {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
        self.1.fetch_sub(1, Ordering::Relaxed);
    }
}

impl ServeSettings {
    pub(crate) fn new(
        bound: &Bound,
        server_name: HeaderValue,
        index: usize,
        acme: Arc<crate::acme::AcmeChallenges>,
        write_stall: Option<Duration>,
        open: Arc<ConnCount>,
    ) -> Self {
        let cfg = &bound.config;
        let rt = &cfg.transport.responding_timeouts;
        let nonzero = |d: waygate_config::types::Duration| d.to_std().filter(|d| !d.is_zero());
        let timeouts = Timeouts {
            read: nonzero(rt.read_timeout),
            idle: nonzero(rt.idle_timeout),
            write: nonzero(rt.write_timeout),
            stall: write_stall,
        };
        let max_header_bytes = cfg
            .http
            .as_ref()
            .and_then(|h| h.max_header_bytes)
            .and_then(|b| usize::try_from(b).ok())
            .unwrap_or(1 << 20)
            .max(8192);
        let max_concurrent_streams = cfg.http2.as_ref().map_or(250, |h| h.max_concurrent_streams);
        let proxy_protocol = cfg.proxy_protocol.as_ref().map(|pp| {
            Arc::new(ProxyTrust::new(pp).unwrap_or_else(|e| {
                warn!(entry_point = %bound.name, error = %e, "PROXY headers are read and ignored");
                ProxyTrust::Nobody
            }))
        });
        Self {
            proxy_protocol,
            handshake_timeout: timeouts.read.unwrap_or(Duration::from_secs(60)),
            timeouts,
            max_header_bytes,
            max_concurrent_streams,
            server_name,
            index,
            acme,
            ep_open: open.entry_point(&bound.name),
            open,
            keep_alive: crate::handler::KeepAliveLimits {
                max_requests: u64::try_from(cfg.transport.keep_alive_max_requests).unwrap_or(0),
                max_time: cfg
                    .transport
                    .keep_alive_max_time
                    .to_std()
                    .filter(|d| !d.is_zero()),
            },
        }
    }
}

/// Accepts connections until `stop` turns true. Every connection holds a clone of `drain`:
/// when it turns true connections close gracefully, and the gateway waits for the clones to
/// be dropped.
pub(crate) async fn serve(
    bound: Bound,
    settings: ServeSettings,
    tables: Arc<ArcSwap<RuntimeTable>>,
    mut stop: watch::Receiver<bool>,
    drain: watch::Receiver<bool>,
) {
    let listener = match tokio::net::TcpListener::from_std(bound.listener) {
        Ok(l) => l,
        Err(e) => {
            warn!(entry_point = %bound.name, error = %e, "cannot register listener");
            return;
        }
    };
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        // Our ConnGuard runs the head and idle timers separately (hyper's one timer would
        // start at the end of the previous response and cover both).
        .header_read_timeout(None)
        .max_buf_size(settings.max_header_bytes)
        .keep_alive(true);
    // h2 (hyper's `h2`) bounds concurrent streams and has built-in protection against rapid
    // reset (CVE-2023-44487): it caps pending locally reset streams and closes connections
    // that keep resetting.
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_send_buf_size(http2::SEND_BUFFER)
        .max_concurrent_streams(settings.max_concurrent_streams);
    let shared = Arc::new(Shared {
        builder,
        h2: http2::builder(settings.max_concurrent_streams),
        settings,
        tables,
        name: bound.name.clone().into(),
    });
    loop {
        let accepted = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and friends: back off instead of spinning.
                warn!(entry_point = %shared.name, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let span = debug_span!(
            "conn",
            entrypoint = %shared.name,
            client.addr = %remote,
            tls.sni = tracing::field::Empty,
        );
        tokio::spawn(connection(shared.clone(), stream, remote, drain.clone()).instrument(span));
    }
    debug!(entry_point = %shared.name, "stopped accepting");
}

/// What every connection of an entry point shares.
pub(super) struct Shared {
    /// HTTP/1.1 after the fast path hands a connection over (and HTTP/2 whose preface came
    /// in pieces the fast path could not tell).
    builder: auto::Builder<TokioExecutor>,
    /// HTTP/2: the gateway's own server on h2.
    h2: h2::server::Builder,
    pub(super) settings: ServeSettings,
    pub(super) tables: Arc<ArcSwap<RuntimeTable>>,
    name: Arc<str>,
}

/// One connection: the **tls** stage when the entry point terminates TLS and the client
/// opens with a TLS record (Traefik peeks the same way, so plain HTTP and TLS share the
/// port), then the **http** stage.
async fn connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    remote: SocketAddr,
    drain: watch::Receiver<bool>,
) {
    let _open = OpenConn::new(&shared.settings.open, &shared.settings.ep_open);
    let index = shared.settings.index;
    let (serves_tls, has_tcp) = shared
        .tables
        .load()
        .entry_points
        .get(index)
        .map_or((false, false), |(_, ep)| {
            (ep.tls.is_some(), !ep.tcp.is_empty())
        });
    if has_tcp || shared.settings.proxy_protocol.is_some() {
        return super::dispatch::dispatch(shared, stream, remote, drain).await;
    }
    if serves_tls {
        // readTimeout bounds the wait for the first byte and the handshake, as in Traefik.
        let limit = shared.settings.handshake_timeout;
        let mut first = [0u8; 1];
        match tokio::time::timeout(limit, stream.peek(&mut first)).await {
            Ok(Ok(n)) if n > 0 && first[0] == TLS_HANDSHAKE => {
                return serve_tls(&shared, stream, remote, drain).await;
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return debug!(error = %e, "closing before the first byte"),
            Err(_) => return debug!("no TLS handshake within readTimeout"),
        }
    }
    let conn = conn_ctx(&shared.settings, remote, None, drain);
    serve_http(&shared, stream, conn).await;
}

/// The **tls** stage (the option's configuration chosen by SNI from the table current at the
/// handshake), then the **http** stage. readTimeout bounds the handshake, as in Traefik.
pub(super) async fn serve_tls<IO>(
    shared: &Shared,
    io: IO,
    remote: SocketAddr,
    drain: watch::Receiver<bool>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let index = shared.settings.index;
    let tables = shared.tables.clone();
    let select = |sni: Option<&str>| {
        let table = tables.load();
        let (_, ep) = table.entry_points.get(index)?;
        Some(ep.tls.as_ref()?.select(sni).clone())
    };
    let accepted = tokio::time::timeout(
        shared.settings.handshake_timeout,
        handshake(io, &shared.settings.acme, select),
    )
    .await;
    match accepted {
        Ok(Ok((tls, info))) => {
            if let Some(sni) = &info.sni {
                tracing::Span::current().record("tls.sni", sni.as_str());
            }
            debug!(
                version = ?info.version,
                cipher = ?info.cipher_suite,
                alpn = ?info.alpn.as_deref().map(String::from_utf8_lossy),
                client_certificates = info.client_certificates.len(),
                "TLS handshake done"
            );
            let conn = conn_ctx(&shared.settings, remote, Some(info), drain);
            serve_http(shared, tls, conn).await;
        }
        Ok(Err(e)) => debug!(error = %e, "TLS handshake failed"),
        Err(_) => debug!("no TLS handshake within readTimeout"),
    }
}

pub(super) fn conn_ctx(
    settings: &ServeSettings,
    remote: SocketAddr,
    tls: Option<TlsInfo>,
    drain: watch::Receiver<bool>,
) -> Arc<ConnCtx> {
    Arc::new(ConnCtx {
        entry_point: settings.index,
        remote,
        tls,
        log_tls: std::sync::OnceLock::new(),
        forwarded_lines: std::sync::OnceLock::new(),
        server_name: settings.server_name.clone(),
        client_ip_value: crate::forwarded::client_ip_value(remote.ip()),
        served: Default::default(),
        accepted: std::time::Instant::now(),
        keep_alive: settings.keep_alive,
        guard: Arc::new(ConnGuard::new(settings.timeouts)),
        drain,
        goaway: Default::default(),
    })
}

/// The **http** stage on a (plain or TLS) stream: HTTP/1.1 or HTTP/2, chosen from the
/// client's first bytes (with TLS, ALPN has already told the client which one to speak).
/// Closes gracefully when the connection has been idle for `idleTimeout` or the gateway
/// drains.
pub(super) async fn serve_http<IO>(shared: &Shared, io: IO, conn: Arc<ConnCtx>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let remote = conn.remote;
    let guard = conn.guard.clone();
    let mut drain = conn.drain.clone();
    let mut io = GuardedIo::new(io, guard.clone());
    let mut idle = std::pin::pin!(guard.idle_expired());
    let mut closing = false;
    let mut draining = false;
    // HTTP/1.1 requests without a body are served by the fast path until one is not.
    let h2_by_alpn = conn
        .tls
        .as_ref()
        .is_some_and(|t| t.alpn.as_deref() == Some(b"h2"));
    let replay = if h2_by_alpn {
        bytes::Bytes::new()
    } else {
        let phase = h1::Phase::default();
        let fast = h1::serve(
            &mut io,
            &conn,
            &shared.tables,
            shared.settings.max_header_bytes,
            &phase,
        );
        let mut fast = std::pin::pin!(fast);
        let mut sides = Sides {
            aside: Aside::new(),
            drained: std::pin::pin!(drain.wait_for(|d| *d)),
            idle: idle.as_mut(),
            quiet: None::<Pin<&mut std::future::Pending<()>>>,
        };
        loop {
            let woke = sides.next(fast.as_mut(), draining, closing).await;
            match woke {
                Woke::Conn(h1::Ended::Closed) => return,
                Woke::Conn(h1::Ended::Handover(bytes)) => break bytes,
                Woke::Drain => {
                    draining = true;
                    if phase.reading() {
                        return;
                    }
                    phase.close_after_response();
                }
                Woke::Idle => {
                    closing = true;
                    if phase.reading() {
                        debug!(%remote, "idle timeout: closing the connection");
                        return;
                    }
                    phase.close_after_response();
                }
                Woke::Quiet => {}
            }
        }
    };
    if h2_by_alpn || replay.starts_with(http2::PREFACE) {
        let io = Prefixed::new(replay.into(), io);
        let server = http2::Server::new(&shared.h2, io, conn, shared.tables.clone());
        let shutdown = |s: Pin<&mut http2::Server<_>>| s.get_mut().graceful_shutdown();
        supervise(
            server, shutdown, remote, &guard, drain, idle, draining, closing,
        )
        .await;
        return;
    }
    let io = Prefixed::new(replay.into(), io);
    let tables = shared.tables.clone();
    let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let conn = conn.clone();
        let table = tables.load_full();
        let req = req.map(Inbound::Hyper);
        // Boxed: hyper spawns one task per HTTP/2 stream and moves the future into it a few
        // times (spawn, the task's stages); the request's future is a few kilobytes, a box
        // is a pointer. The box is taken first and the future written into it: built on the
        // stack and then boxed, all its kilobytes were copied, not just the few hundred bytes
        // a future that has not started holds.
        let boxed = Box::write(Box::new_uninit(), async move {
            Ok::<_, std::convert::Infallible>(handle(req, &conn, table).await)
        });
        Box::into_pin(boxed)
    });
    let connection = shared
        .builder
        .serve_connection_with_upgrades(TokioIo::new(io), svc);
    let shutdown = |c: Pin<&mut _>| auto::UpgradeableConnection::graceful_shutdown(c);
    supervise(
        connection, shutdown, remote, &guard, drain, idle, draining, closing,
    )
    .await;
}

/// Serves `connection` to its end: closes it gracefully on idle timeout or when the gateway
/// drains, and stops waiting once it is quiet at shutdown.
#[allow(clippy::too_many_arguments)] // the connection's state, handed over
async fn supervise<C, E>(
    connection: C,
    shutdown: impl Fn(Pin<&mut C>),
    remote: SocketAddr,
    guard: &ConnGuard,
    mut drain: watch::Receiver<bool>,
    idle: Pin<&mut impl Future<Output = ()>>,
    mut draining: bool,
    mut closing: bool,
) where
    C: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut connection = std::pin::pin!(connection);
    if draining || closing {
        shutdown(connection.as_mut());
    }
    let mut sides = Sides {
        aside: Aside::new(),
        drained: std::pin::pin!(drain.wait_for(|d| *d)),
        idle,
        // A client that does not finish the goodbye (an HTTP/2 client that never acks the
        // GOAWAY ping) cannot hold the shutdown once it has nothing in flight.
        quiet: Some(std::pin::pin!(guard.quiet_for(QUIET_AT_SHUTDOWN))),
    };
    loop {
        let woke = sides.next(connection.as_mut(), draining, closing).await;
        match woke {
            Woke::Conn(ended) => {
                if let Err(e) = ended {
                    debug!(%remote, error = %e, "connection ended with an error");
                }
                break;
            }
            Woke::Drain => {
                if !closing {
                    shutdown(connection.as_mut());
                }
                closing = true;
                draining = true;
            }
            Woke::Idle => {
                debug!(%remote, "idle timeout: closing the connection");
                shutdown(connection.as_mut());
                closing = true;
            }
            Woke::Quiet => {
                debug!(%remote, "shutting down: closing an idle connection");
                break;
            }
        }
    }
}

/// How long a connection with nothing in flight may take to close by itself at shutdown.
const QUIET_AT_SHUTDOWN: Duration = Duration::from_millis(300);
