//! The accept loop of one entry point and the HTTP server on each connection: HTTP/1.1 and
//! h2c (prior knowledge) on the same port, upgrades enabled, header-read timeout against
//! slowloris, and graceful shutdown of every connection.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use http::HeaderValue;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::Watcher;
use tokio::sync::watch;
use tracing::{debug, warn};

use super::Bound;
use crate::handler::{ConnCtx, handle};
use crate::table::RuntimeTable;

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
}

impl ServeSettings {
    pub(crate) fn new(bound: &Bound, server_name: HeaderValue, index: usize) -> Self {
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
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(settings.max_concurrent_streams);
    let name: Arc<str> = bound.name.clone().into();
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
                warn!(entry_point = %name, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let conn = Arc::new(ConnCtx {
            entry_point: settings.index,
            remote,
            tls: false,
            server_name: settings.server_name.clone(),
            client_ip_value: crate::forwarded::client_ip_value(remote.ip()),
            served: Default::default(),
            accepted: std::time::Instant::now(),
            keep_alive: settings.keep_alive,
        });
        let tables = tables.clone();
        let svc = service_fn(move |req| {
            let conn = conn.clone();
            let table = tables.load_full();
            async move { Ok::<_, std::convert::Infallible>(handle(req, &conn, table).await) }
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), svc)
            .into_owned();
        let fut = watcher().watch(connection);
        tokio::spawn(async move {
            if let Err(e) = fut.await {
                debug!(%remote, error = %e, "connection ended with an error");
            }
        });
    }
    debug!(entry_point = %name, "stopped accepting");
}
