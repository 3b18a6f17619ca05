//! Active health checks (reference §3.2 `healthCheck`). One task per checked server; a server
//! leaves the rotation when its check fails and returns when it passes.
//!
//! Health state lives in a registry keyed by (service, server URL), so a reload that keeps a
//! service's health-check settings keeps its servers' state and its checker tasks.
//!
//! Checks go through a connection pool of the service's `serversTransport` (as Traefik's
//! checks use the service's transport): `https://` servers are checked over TLS with the same
//! roots, client certificate and server name as the traffic, `h2c://` ones over HTTP/2.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http::uri::{Authority, Scheme};
use http::{Method, Request, Uri};
use http_body_util::BodyExt;
use tokio::task::AbortHandle;
use tracing::{info, warn};
use waygate_config::dynamic::HealthCheck;

use crate::Body;
use crate::upstream::Pool;

/// Where a server is checked: the pool to use and the request target.
#[derive(Debug, Clone)]
pub struct Probe {
    pub pool: Arc<Pool>,
    /// Origin form, or absolute for `h2c` (HTTP/2 needs `:scheme`/`:authority`).
    pub uri: Uri,
    /// `Host` when `hostname` is not set.
    pub authority: Authority,
}

/// Health flags and checker tasks for every checked server.
#[derive(Debug, Default)]
pub struct HealthRegistry {
    entries: Mutex<HashMap<ServerKey, Entry>>,
    /// The TCP servers' checks (`tcp.services.*.loadBalancer.healthCheck`).
    pub(crate) tcp: crate::tcp::TcpHealth,
}

/// (service, server URL), the names shared with the table's load balancers.
type ServerKey = (Arc<str>, Arc<str>);

#[derive(Debug)]
struct Entry {
    /// Boxed: most servers have no check, and the map stores its entries inline (with
    /// 10,000 servers the settings held in place made the map ~4 MiB).
    spec: Option<Box<HealthCheck>>,
    up: Arc<AtomicBool>,
    /// The pool the checker uses: a changed transport means a new checker.
    pool: Option<Arc<Pool>>,
    task: Option<AbortHandle>,
}

/// A server the current table uses, with its health-check settings.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Shared with the load balancer (its name and its target's URL).
    pub service: Arc<str>,
    pub url: Arc<str>,
    pub spec: Option<HealthCheck>,
    pub up: Arc<AtomicBool>,
    /// Set with `spec`.
    pub probe: Option<Probe>,
}

// === impl HealthRegistry ===

impl HealthRegistry {
    /// The health flag for a server: the existing one when the settings are unchanged (state
    /// survives the reload), else a fresh "up" flag.
    pub fn flag(
        &self,
        service: &Arc<str>,
        url: &Arc<str>,
        spec: Option<&HealthCheck>,
    ) -> Arc<AtomicBool> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(&(service.clone(), url.clone())) {
            Some(e) if e.spec.as_deref() == spec => e.up.clone(),
            _ => Arc::new(AtomicBool::new(true)),
        }
    }

    /// Makes the running checkers match `live`: unchanged ones keep running, new ones start,
    /// the rest stop. Must be called inside a tokio runtime.
    pub fn sync(&self, live: Vec<Checked>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = HashMap::with_capacity(live.len());
        for c in live {
            // The names are the load balancer's, shared (10,000 servers: no copy per reload).
            let key = (c.service, c.url);
            let pool = c.probe.as_ref().map(|p| p.pool.clone());
            let same_pool = |e: &Entry| match (&e.pool, &pool) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            };
            let previous = entries.remove(&key);
            let entry = match previous {
                Some(e)
                    if e.spec.as_deref() == c.spec.as_ref()
                        && Arc::ptr_eq(&e.up, &c.up)
                        && same_pool(&e) =>
                {
                    e
                }
                previous => {
                    if let Some(t) = previous.and_then(|e| e.task) {
                        t.abort();
                    }
                    let task = c.spec.clone().zip(c.probe).map(|(spec, probe)| {
                        tokio::spawn(run(key.0.clone(), key.1.clone(), spec, probe, c.up.clone()))
                            .abort_handle()
                    });
                    Entry {
                        spec: c.spec.map(Box::new),
                        up: c.up,
                        pool,
                        task,
                    }
                }
            };
            next.insert(key, entry);
        }
        for (_, old) in entries.drain() {
            if let Some(t) = old.task {
                t.abort();
            }
        }
        *entries = next;
    }
}

impl Drop for HealthRegistry {
    fn drop(&mut self) {
        let entries = self
            .entries
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        for (_, e) in entries.drain() {
            if let Some(t) = e.task {
                t.abort();
            }
        }
    }
}

async fn run(
    service: Arc<str>,
    url: Arc<str>,
    spec: HealthCheck,
    probe: Probe,
    up: Arc<AtomicBool>,
) {
    let interval = spec
        .interval
        .to_std()
        .filter(|d| !d.is_zero())
        .unwrap_or(Duration::from_secs(30));
    let unhealthy = spec
        .unhealthy_interval
        .and_then(|d| d.to_std())
        .filter(|d| !d.is_zero())
        .unwrap_or(interval);
    let timeout = spec
        .timeout
        .to_std()
        .filter(|d| !d.is_zero())
        .unwrap_or(Duration::from_secs(5));
    loop {
        let result = check(&probe, &spec, timeout).await;
        if let Err(e) = &result {
            // As Traefik: every failed check, with its reason (a refused certificate, a
            // status, a timeout); the interval bounds how often.
            warn!(%service, %url, error = %e, "health check failed");
        }
        let healthy = result.is_ok();
        let was = up.swap(healthy, Ordering::Relaxed);
        if was != healthy {
            let state = if healthy { "UP" } else { "DOWN" };
            info!(%service, %url, state, "health check: server is now {state}");
        }
        tokio::time::sleep(if healthy { interval } else { unhealthy }).await;
    }
}

/// What a check targets: the server's URL with the check's `scheme`, `port` and `path`.
/// Returns the protocol (which pool), the authority and the request target (origin form, or
/// absolute for `h2c`); `None` for a URL that cannot be checked.
///
/// gRPC checks call the health protocol's path over HTTP/2: h2c unless the check's `scheme`
/// is `https` (Traefik dials without TLS for an empty scheme, whatever the server URL).
pub(crate) fn check_target(
    server: &str,
    spec: &HealthCheck,
) -> Option<(crate::upstream::Protocol, Authority, Uri)> {
    use crate::upstream::Protocol;
    let base: Uri = server.parse().ok()?;
    let grpc = is_grpc(spec);
    let scheme = if spec.scheme.is_empty() {
        if grpc {
            "h2c"
        } else {
            base.scheme_str().unwrap_or("http")
        }
    } else {
        spec.scheme.as_str()
    };
    let protocol = match scheme {
        "http" if grpc => Protocol::H2c,
        "http" => Protocol::Http,
        "https" => Protocol::Https,
        "h2c" => Protocol::H2c,
        _ => return None,
    };
    let host = base.host()?;
    let port = if spec.port != 0 {
        Some(spec.port)
    } else {
        base.port_u16()
    };
    let authority: Authority = port
        .map_or_else(|| host.to_string(), |p| format!("{host}:{p}"))
        .parse()
        .ok()?;
    let path = if grpc {
        super::grpc_health::CHECK_PATH
    } else if spec.path.is_empty() {
        "/"
    } else {
        spec.path.as_str()
    };
    let uri = if protocol == Protocol::H2c {
        Uri::builder()
            .scheme(Scheme::HTTP)
            .authority(authority.clone())
            .path_and_query(path)
            .build()
            .ok()?
    } else {
        path.parse().ok()?
    };
    Some((protocol, authority, uri))
}

fn is_grpc(spec: &HealthCheck) -> bool {
    spec.mode.eq_ignore_ascii_case("grpc")
}

/// One check: the request through the probe's pool, the whole response read (so the
/// connection is reused), within `timeout`. `Err` says why it failed.
async fn check(probe: &Probe, spec: &HealthCheck, timeout: Duration) -> Result<(), String> {
    if is_grpc(spec) {
        return super::grpc_health::check(probe, timeout).await;
    }
    let method = if spec.method.is_empty() {
        Method::GET
    } else {
        spec.method.parse().unwrap_or(Method::GET)
    };
    let mut req = Request::new(Body::Empty);
    *req.method_mut() = method;
    *req.uri_mut() = probe.uri.clone();
    let host = if spec.hostname.is_empty() {
        probe.authority.as_str()
    } else {
        spec.hostname.as_str()
    };
    if probe.uri.scheme().is_some() {
        // h2c: the host is the `:authority` (one authority, as Go sends; no `host` header).
        if !spec.hostname.is_empty()
            && let Ok(a) = host.parse::<Authority>()
        {
            let mut parts = probe.uri.clone().into_parts();
            parts.authority = Some(a);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    } else if let Ok(v) = host.parse() {
        req.headers_mut().insert(http::header::HOST, v);
    }
    for (k, v) in &spec.headers {
        if let (Ok(k), Ok(v)) = (
            k.parse::<http::HeaderName>(),
            v.parse::<http::HeaderValue>(),
        ) {
            req.headers_mut().insert(k, v);
        }
    }
    let exchange = async {
        let resp = probe.pool.send(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        resp.into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the body: {e}"))?;
        Ok::<_, String>(status)
    };
    let status = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| format!("no answer within {timeout:?}"))??;
    let ok = if spec.status != 0 {
        status == spec.status
    } else {
        (200..400).contains(&status)
    };
    if ok {
        Ok(())
    } else {
        Err(format!("status {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_target_overrides() {
        use crate::upstream::Protocol;
        let target = |server: &str, spec: &HealthCheck| {
            check_target(server, spec).map(|(p, a, u)| (p, a.to_string(), u.to_string()))
        };
        let spec = HealthCheck {
            path: "/health".into(),
            port: 9000,
            scheme: "https".into(),
            ..HealthCheck::default()
        };
        assert_eq!(
            target("http://10.0.0.1:80", &spec),
            Some((Protocol::Https, "10.0.0.1:9000".into(), "/health".into()))
        );
        let spec = HealthCheck {
            path: "/h".into(),
            ..HealthCheck::default()
        };
        assert_eq!(
            target("h2c://[::1]:81", &spec),
            Some((Protocol::H2c, "[::1]:81".into(), "http://[::1]:81/h".into()))
        );
        let other = HealthCheck {
            scheme: "ftp".into(),
            ..HealthCheck::default()
        };
        assert_eq!(target("http://a:1", &other), None);
    }
}
