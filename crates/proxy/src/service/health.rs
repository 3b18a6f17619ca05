//! Active health checks (reference §3.2 `healthCheck`). One task per checked server; a server
//! leaves the rotation when its check fails and returns when it passes.
//!
//! Health state lives in a registry keyed by (service, server URL), so a reload that keeps a
//! service's health-check settings keeps its servers' state and its checker tasks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http::{Method, Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::task::AbortHandle;
use tracing::{info, warn};
use waygate_config::dynamic::HealthCheck;

use crate::Body;

/// Health flags and checker tasks for every checked server.
#[derive(Debug, Default)]
pub struct HealthRegistry {
    entries: Mutex<HashMap<(String, String), Entry>>,
}

#[derive(Debug)]
struct Entry {
    spec: Option<HealthCheck>,
    up: Arc<AtomicBool>,
    task: Option<AbortHandle>,
}

/// A server the current table uses, with its health-check settings.
#[derive(Debug, Clone)]
pub struct Checked {
    pub service: String,
    pub url: String,
    pub spec: Option<HealthCheck>,
    pub up: Arc<AtomicBool>,
}

// === impl HealthRegistry ===

impl HealthRegistry {
    /// The health flag for a server: the existing one when the settings are unchanged (state
    /// survives the reload), else a fresh "up" flag.
    pub fn flag(&self, service: &str, url: &str, spec: Option<&HealthCheck>) -> Arc<AtomicBool> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        match entries.get(&(service.to_string(), url.to_string())) {
            Some(e) if e.spec.as_ref() == spec => e.up.clone(),
            _ => Arc::new(AtomicBool::new(true)),
        }
    }

    /// Makes the running checkers match `live`: unchanged ones keep running, new ones start,
    /// the rest stop. Must be called inside a tokio runtime.
    pub fn sync(&self, live: Vec<Checked>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = HashMap::with_capacity(live.len());
        for c in live {
            let key = (c.service.clone(), c.url.clone());
            let reused = entries
                .remove(&key)
                .filter(|e| e.spec == c.spec && Arc::ptr_eq(&e.up, &c.up));
            let entry = match reused {
                Some(e) => e,
                None => {
                    let task = c.spec.clone().map(|spec| {
                        tokio::spawn(run(c.service.clone(), c.url.clone(), spec, c.up.clone()))
                            .abort_handle()
                    });
                    Entry {
                        spec: c.spec,
                        up: c.up,
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

async fn run(service: String, url: String, spec: HealthCheck, up: Arc<AtomicBool>) {
    let client: Client<HttpConnector, Body> = Client::builder(TokioExecutor::new()).build_http();
    let Some(target) = check_uri(&url, &spec) else {
        warn!(%service, %url, "health check: cannot build the check URL");
        return;
    };
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
        let healthy = probe(&client, &target, &spec, timeout).await;
        let was = up.swap(healthy, Ordering::Relaxed);
        if was != healthy {
            let state = if healthy { "UP" } else { "DOWN" };
            info!(%service, %url, state, "health check: server is now {state}");
        }
        tokio::time::sleep(if healthy { interval } else { unhealthy }).await;
    }
}

/// The URL to check: the server's, with the check's scheme, port and path.
fn check_uri(server: &str, spec: &HealthCheck) -> Option<Uri> {
    let base: Uri = server.parse().ok()?;
    let scheme = if spec.scheme.is_empty() {
        base.scheme_str().unwrap_or("http")
    } else {
        spec.scheme.as_str()
    };
    let scheme = if scheme == "h2c" { "http" } else { scheme };
    let host = base.host()?;
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let port = if spec.port != 0 {
        Some(spec.port)
    } else {
        base.port_u16()
    };
    let authority = port.map_or(host.clone(), |p| format!("{host}:{p}"));
    format!("{scheme}://{authority}{}", spec.path).parse().ok()
}

async fn probe(
    client: &Client<HttpConnector, Body>,
    uri: &Uri,
    spec: &HealthCheck,
    timeout: Duration,
) -> bool {
    let method = if spec.method.is_empty() {
        Method::GET
    } else {
        spec.method.parse().unwrap_or(Method::GET)
    };
    let mut req = Request::new(Body::Empty);
    *req.method_mut() = method;
    *req.uri_mut() = uri.clone();
    if !spec.hostname.is_empty()
        && let Ok(v) = spec.hostname.parse()
    {
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
    match tokio::time::timeout(timeout, client.request(req)).await {
        Ok(Ok(resp)) => {
            let status = resp.status().as_u16();
            if spec.status != 0 {
                status == spec.status
            } else {
                (200..400).contains(&status)
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_url_overrides() {
        let spec = HealthCheck {
            path: "/health".into(),
            port: 9000,
            scheme: "https".into(),
            ..HealthCheck::default()
        };
        assert_eq!(
            check_uri("http://10.0.0.1:80", &spec).map(|u| u.to_string()),
            Some("https://10.0.0.1:9000/health".into())
        );
        let spec = HealthCheck {
            path: "/h".into(),
            ..HealthCheck::default()
        };
        assert_eq!(
            check_uri("h2c://[::1]:81", &spec).map(|u| u.to_string()),
            Some("http://[::1]:81/h".into())
        );
    }
}
