//! The **upstream** stage: pooled keep-alive connections to backends, one pool per servers
//! transport (reference §3.3): HTTP/1.1 with connection reuse, or HTTP/2 for `h2c://` servers.

use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use waygate_config::static_config::ForwardingTimeouts;

use crate::Request;
use crate::body::Body;
use crate::rescue::ProxyError;

/// Connection settings of one servers transport.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportSettings {
    pub dial_timeout: Option<Duration>,
    pub response_header_timeout: Option<Duration>,
    pub idle_conn_timeout: Option<Duration>,
    /// Idle connections kept per backend; 0 disables reuse.
    pub max_idle_per_host: usize,
}

/// Pools for one servers transport.
#[derive(Debug, Clone)]
pub struct Transport {
    http1: Client<HttpConnector, Body>,
    h2c: Client<HttpConnector, Body>,
    response_header_timeout: Option<Duration>,
}

// === impl TransportSettings ===

impl TransportSettings {
    pub fn new(timeouts: &ForwardingTimeouts, max_idle: i64) -> Self {
        let positive = |d: waygate_config::types::Duration| d.to_std().filter(|d| !d.is_zero());
        Self {
            dial_timeout: positive(timeouts.dial_timeout),
            response_header_timeout: positive(timeouts.response_header_timeout),
            idle_conn_timeout: positive(timeouts.idle_conn_timeout),
            max_idle_per_host: usize::try_from(max_idle).unwrap_or(0),
        }
    }
}

// === impl Transport ===

impl Transport {
    pub fn new(settings: &TransportSettings) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(settings.dial_timeout);
        connector.set_keepalive(Some(Duration::from_secs(15)));
        let build = |http2: bool| {
            let mut b = Client::builder(TokioExecutor::new());
            b.pool_timer(TokioTimer::new())
                .pool_idle_timeout(settings.idle_conn_timeout)
                .pool_max_idle_per_host(settings.max_idle_per_host)
                .http2_only(http2);
            b.build(connector.clone())
        };
        Self {
            http1: build(false),
            h2c: build(true),
            response_header_timeout: settings.response_header_timeout,
        }
    }

    /// Sends `req` (absolute URI already set) and waits for the response head.
    pub async fn send(
        &self,
        req: Request,
        h2c: bool,
    ) -> Result<http::Response<Incoming>, ProxyError> {
        let client = if h2c { &self.h2c } else { &self.http1 };
        let fut = client.request(req);
        let result = match self.response_header_timeout {
            Some(t) => tokio::time::timeout(t, fut)
                .await
                .map_err(|_| ProxyError::Timeout)?,
            None => fut.await,
        };
        result.map_err(|e| {
            if is_timeout(&e) {
                ProxyError::Timeout
            } else {
                ProxyError::Upstream(error_chain(&e))
            }
        })
    }
}

fn is_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        if err.to_string().contains("timed out") {
            return true;
        }
        cur = err.source();
    }
    false
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(err) = cur {
        out.push_str(": ");
        out.push_str(&err.to_string());
        cur = err.source();
    }
    out
}
