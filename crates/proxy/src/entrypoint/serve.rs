//! The accept loop of one entry point and the HTTP server on each connection: HTTP/1.1 and
//! h2c (prior knowledge) on the same port, TLS on the same port when the entry point
//! terminates TLS (HTTP/1.1 or HTTP/2 by ALPN), upgrades enabled, header-read timeout against
//! slowloris, and graceful shutdown of every connection.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use http::HeaderValue;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::Watcher;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tracing::{Instrument, debug, debug_span, warn};

use super::Bound;
use crate::handler::{ConnCtx, handle};
use crate::table::RuntimeTable;
use crate::tls::{TLS_HANDSHAKE, TlsInfo, handshake};

/// Server settings derived from the entry point's static configuration.
#[derive(Debug, Clone)]
pub(crate) struct ServeSettings {
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_header_bytes: usize,
    pub(crate) max_concurrent_streams: u32,
    pub(crate) server_name: HeaderValue,
    /// Index of this entry point in the table's entry points.
    pub(crate) index: usize,
    pub(crate) keep_alive: crate::handler::KeepAliveLimits,
    /// Pending ACME challenges (TLS-ALPN-01 is answered during the handshake).
    pub(crate) acme: Arc<crate::acme::AcmeChallenges>,
}

impl ServeSettings {
    pub(crate) fn new(
        bound: &Bound,
        server_name: HeaderValue,
        index: usize,
        acme: Arc<crate::acme::AcmeChallenges>,
    ) -> Self {
        let cfg = &bound.config;
        // hyper runs one timer from the end of a response (or the accept) to the end of the
        // next request's headers: it is both Go's ReadHeaderTimeout (= readTimeout, the
        // slowloris guard) and the keep-alive idle timeout, so it takes the smaller.
        let rt = &cfg.transport.responding_timeouts;
        let nonzero = |d: waygate_config::types::Duration| d.to_std().filter(|d| !d.is_zero());
        let header_read_timeout = match (nonzero(rt.read_timeout), nonzero(rt.idle_timeout)) {
            (Some(r), Some(i)) => r.min(i),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => Duration::from_secs(180),
        };
        let max_header_bytes = cfg
            .http
            .as_ref()
            .and_then(|h| h.max_header_bytes)
            .and_then(|b| usize::try_from(b).ok())
            .unwrap_or(1 << 20)
            .max(8192);
        let max_concurrent_streams = cfg.http2.as_ref().map_or(250, |h| h.max_concurrent_streams);
        Self {
            header_read_timeout,
            max_header_bytes,
            max_concurrent_streams,
            server_name,
            index,
            acme,
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

/// Accepts connections until `stop` turns true; every connection is tied to `graceful` so
/// shutdown can let in-flight requests finish.
pub(crate) async fn serve(
    bound: Bound,
    settings: ServeSettings,
    tables: Arc<ArcSwap<RuntimeTable>>,
    mut stop: watch::Receiver<bool>,
    watcher: impl Fn() -> Watcher,
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
        .header_read_timeout(settings.header_read_timeout)
        .max_buf_size(settings.max_header_bytes)
        .keep_alive(true);
    // h2 (hyper's `h2`) bounds concurrent streams and has built-in protection against rapid
    // reset (CVE-2023-44487): it caps pending locally reset streams and closes connections
    // that keep resetting.
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(settings.max_concurrent_streams);
    let shared = Arc::new(Shared {
        builder,
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
        let watcher = watcher();
        tokio::spawn(connection(shared.clone(), stream, remote, watcher).instrument(span));
    }
    debug!(entry_point = %shared.name, "stopped accepting");
}

/// What every connection of an entry point shares.
struct Shared {
    builder: auto::Builder<TokioExecutor>,
    settings: ServeSettings,
    tables: Arc<ArcSwap<RuntimeTable>>,
    name: Arc<str>,
}

/// One connection: the **tls** stage when the entry point terminates TLS and the client
/// opens with a TLS record (Traefik peeks the same way, so plain HTTP and TLS share the
/// port), then the **http** stage.
async fn connection(shared: Arc<Shared>, stream: TcpStream, remote: SocketAddr, watcher: Watcher) {
    let index = shared.settings.index;
    let serves_tls = shared
        .tables
        .load()
        .entry_points
        .get(index)
        .is_some_and(|(_, ep)| ep.tls.is_some());
    if serves_tls {
        // readTimeout bounds the wait for the first byte and the handshake, as in Traefik.
        let limit = shared.settings.header_read_timeout;
        let tables = shared.tables.clone();
        let acme = shared.settings.acme.clone();
        let accepted = tokio::time::timeout(limit, async move {
            let mut first = [0u8; 1];
            if stream.peek(&mut first).await? == 0 || first[0] != TLS_HANDSHAKE {
                return Ok(Err(stream));
            }
            let select = |sni: Option<&str>| {
                let table = tables.load();
                let (_, ep) = table.entry_points.get(index)?;
                Some(ep.tls.as_ref()?.select(sni).clone())
            };
            handshake(stream, &acme, select).await.map(Ok)
        })
        .await;
        match accepted {
            Ok(Ok(Ok((tls, info)))) => {
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
                let conn = conn_ctx(&shared.settings, remote, Some(info));
                return serve_http(&shared, tls, conn, watcher).await;
            }
            Ok(Ok(Err(plain))) => {
                let conn = conn_ctx(&shared.settings, remote, None);
                return serve_http(&shared, plain, conn, watcher).await;
            }
            Ok(Err(e)) => debug!(error = %e, "TLS handshake failed"),
            Err(_) => debug!("no TLS handshake within readTimeout"),
        }
        return;
    }
    let conn = conn_ctx(&shared.settings, remote, None);
    serve_http(&shared, stream, conn, watcher).await;
}

fn conn_ctx(settings: &ServeSettings, remote: SocketAddr, tls: Option<TlsInfo>) -> Arc<ConnCtx> {
    Arc::new(ConnCtx {
        entry_point: settings.index,
        remote,
        tls,
        server_name: settings.server_name.clone(),
        client_ip_value: crate::forwarded::client_ip_value(remote.ip()),
        served: Default::default(),
        accepted: std::time::Instant::now(),
        keep_alive: settings.keep_alive,
    })
}

/// The **http** stage on a (plain or TLS) stream: HTTP/1.1 or HTTP/2, chosen from the
/// client's first bytes (with TLS, ALPN has already told the client which one to speak).
async fn serve_http<IO>(shared: &Shared, io: IO, conn: Arc<ConnCtx>, watcher: Watcher)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let remote = conn.remote;
    let tables = shared.tables.clone();
    let svc = service_fn(move |req| {
        let conn = conn.clone();
        let table = tables.load_full();
        async move { Ok::<_, std::convert::Infallible>(handle(req, &conn, table).await) }
    });
    let connection = shared
        .builder
        .serve_connection_with_upgrades(TokioIo::new(io), svc)
        .into_owned();
    if let Err(e) = watcher.watch(connection).await {
        debug!(%remote, error = %e, "connection ended with an error");
    }
}
