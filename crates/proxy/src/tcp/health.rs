//! Active TCP health checks (`tcp.services.<s>.loadBalancer.healthCheck`, Traefik 3.3+): each
//! server of a checked service is dialled through the service's transport (TLS when the
//! server is marked `tls`, no PROXY header: there is no client), optionally on another
//! `port`; `send` is written, `expect` must be what the server answers first, all within
//! `timeout`. A server leaves the rotation when its check fails and returns when it passes;
//! healthy servers are checked every `interval`, unhealthy ones every `unhealthyInterval`
//! (default: `interval`).
//!
//! State lives in a registry keyed by (service, server address), so a reload that keeps a
//! server's check settings keeps its state and its checker task. Unlike Traefik, which waits
//! one interval, the first check runs at once: a server already down gets no connection.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::task::AbortHandle;
use tracing::{info, warn};
use waygate_config::dynamic::tcp::{TcpHealthCheck, TcpServersTransport};

use super::transport::{Dialled, TcpTransport};

/// Health flags and checker tasks of every checked TCP server.
#[derive(Debug, Default)]
pub(crate) struct TcpHealth {
    entries: Mutex<HashMap<(String, String), Entry>>,
}

#[derive(Debug)]
struct Entry {
    settings: Settings,
    up: Arc<AtomicBool>,
    task: AbortHandle,
}

/// What a checker depends on: a change means a new checker (and a fresh "up" flag).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub(crate) spec: TcpHealthCheck,
    pub(crate) tls: bool,
    /// The transport's name and its dynamic configuration (`None`: the static default).
    pub(crate) transport: (String, Option<TcpServersTransport>),
}

/// A checked server of the table being applied.
#[derive(Debug)]
pub(crate) struct TcpChecked {
    pub(crate) service: String,
    pub(crate) address: String,
    pub(crate) settings: Settings,
    pub(crate) transport: Arc<TcpTransport>,
    pub(crate) up: Arc<AtomicBool>,
}

// === impl TcpHealth ===

impl TcpHealth {
    /// The health flag for a server: the existing one when its settings are unchanged, else
    /// a fresh "up" flag.
    pub(crate) fn flag(
        &self,
        service: &str,
        address: &str,
        settings: &Settings,
    ) -> Arc<AtomicBool> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(&(service.to_string(), address.to_string())) {
            Some(e) if e.settings == *settings => e.up.clone(),
            _ => Arc::new(AtomicBool::new(true)),
        }
    }

    /// Makes the running checkers match `live`: unchanged ones keep running, new ones start,
    /// the rest stop. Must be called inside a tokio runtime.
    pub(crate) fn sync(&self, live: Vec<TcpChecked>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = HashMap::with_capacity(live.len());
        for c in live {
            let key = (c.service.clone(), c.address.clone());
            let entry = match entries.remove(&key) {
                Some(e) if e.settings == c.settings && Arc::ptr_eq(&e.up, &c.up) => e,
                previous => {
                    if let Some(e) = previous {
                        e.task.abort();
                    }
                    let task = tokio::spawn(run(
                        c.service,
                        c.address,
                        c.settings.spec.clone(),
                        c.settings.tls,
                        c.transport,
                        c.up.clone(),
                    ))
                    .abort_handle();
                    Entry {
                        settings: c.settings,
                        up: c.up,
                        task,
                    }
                }
            };
            next.insert(key, entry);
        }
        for (_, old) in entries.drain() {
            old.task.abort();
        }
        *entries = next;
    }
}

impl Drop for TcpHealth {
    fn drop(&mut self) {
        let entries = self
            .entries
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        for (_, e) in entries.drain() {
            e.task.abort();
        }
    }
}

/// Checks one server for as long as it is part of a table.
async fn run(
    service: String,
    address: String,
    spec: TcpHealthCheck,
    tls: bool,
    transport: Arc<TcpTransport>,
    up: Arc<AtomicBool>,
) {
    let positive = |d: waygate_config::types::Duration| d.to_std().filter(|d| !d.is_zero());
    let interval = positive(spec.interval).unwrap_or(Duration::from_secs(30));
    let unhealthy = spec
        .unhealthy_interval
        .and_then(positive)
        .unwrap_or(interval);
    let timeout = positive(spec.timeout).unwrap_or(Duration::from_secs(5));
    // The PROXY header names a client; a check has none.
    let mut transport = (*transport).clone();
    transport.proxy_protocol = None;
    let target = target(&address, spec.port);
    loop {
        let result =
            match tokio::time::timeout(timeout, check(&transport, &target, tls, &spec)).await {
                Ok(r) => r,
                Err(_) => Err(format!("no answer within {timeout:?}")),
            };
        if let Err(e) = &result {
            warn!(%service, server = %address, error = %e, "TCP health check failed");
        }
        let healthy = result.is_ok();
        if up.swap(healthy, Ordering::Relaxed) != healthy {
            let state = if healthy { "UP" } else { "DOWN" };
            info!(%service, server = %address, state, "TCP health check: server is now {state}");
        }
        tokio::time::sleep(if healthy { interval } else { unhealthy }).await;
    }
}

/// The address checked: the server's, with `port` instead of its own when set.
fn target(address: &str, port: u16) -> String {
    match address.rsplit_once(':') {
        Some((host, _)) if port != 0 => format!("{host}:{port}"),
        _ => address.to_string(),
    }
}

async fn check(
    transport: &TcpTransport,
    target: &str,
    tls: bool,
    spec: &TcpHealthCheck,
) -> Result<(), String> {
    let none = SocketAddr::from(([0, 0, 0, 0], 0));
    let dialled = transport
        .dial(target, tls, none, none)
        .await
        .map_err(|e| format!("connecting to {target}: {e}"))?;
    match dialled {
        Dialled::Plain(s) => exchange(s, spec).await,
        Dialled::Tls(s) => exchange(s, spec).await,
    }
    .map_err(|e| format!("{target}: {e}"))
}

/// Writes `send`, then reads as many bytes as `expect` has and compares them.
async fn exchange<S>(mut stream: S, spec: &TcpHealthCheck) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if !spec.send.is_empty() {
        stream
            .write_all(spec.send.as_bytes())
            .await
            .map_err(|e| format!("sending: {e}"))?;
    }
    if !spec.expect.is_empty() {
        let mut buf = vec![0u8; spec.expect.len()];
        stream
            .read_exact(&mut buf)
            .await
            .map_err(|e| format!("reading: {e}"))?;
        if buf != spec.expect.as_bytes() {
            return Err(format!(
                "unexpected answer {:?}",
                String::from_utf8_lossy(&buf)
            ));
        }
    }
    let _ = stream.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn port_overrides_the_servers() {
        assert_eq!(target("10.0.0.1:5432", 0), "10.0.0.1:5432");
        assert_eq!(target("10.0.0.1:5432", 9000), "10.0.0.1:9000");
        assert_eq!(target("[::1]:5432", 9000), "[::1]:9000");
    }
}
