//! What one request leaves for its line: captured on the request path as cheap clones
//! (header values and the URI share their bytes), formatted later by the writer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderMap, HeaderValue, Method, Uri, Version};

/// One finished (or finishing) request.
#[derive(Debug, Clone)]
pub struct Record {
    pub start: SystemTime,
    /// When set, `start` is derived from it by the writer: this instant's distance to the
    /// writer's clock, read once per batch (a wall-clock read per request cost two clock
    /// reads and a subtraction on the request's thread).
    pub started: Option<Instant>,
    /// Total time, until the response body ended.
    pub duration: Duration,
    pub entry_point: Arc<str>,
    pub router: Option<Arc<str>>,
    pub service: Option<Arc<str>>,
    pub client: SocketAddr,
    /// The `X-Forwarded-For` value the gateway trusted (replaces `ClientHost`, as Traefik).
    pub forwarded_for: Option<HeaderValue>,
    /// `ClientUsername`, set by authentication middlewares (`-` when none did; `""` when one
    /// found no user, as Traefik's `basicAuth` without credentials).
    pub username: Option<Arc<str>>,
    /// The `Host` (HTTP/1) or `:authority` (HTTP/2) the client addressed.
    pub host: Option<HeaderValue>,
    pub method: Method,
    pub uri: Uri,
    pub version: Version,
    /// Shared by the requests of one connection: computed once, when its first line is.
    pub tls: Option<Arc<TlsFacts>>,
    pub request_size: u64,
    /// Requests seen by the access log since start (`RequestCount`).
    pub count: u64,
    /// Set when a server of a load balancer was asked.
    pub origin: Option<Origin>,
    pub status: u16,
    pub size: u64,
    pub retries: u32,
    /// Only captured when `fields.headers` can show a header.
    pub request_headers: Option<HeaderMap>,
    pub downstream_headers: Option<HeaderMap>,
    /// Set when the request is traced (`TraceId`, `SpanId`).
    pub trace: Option<TraceIds>,
}

// === impl Record ===

impl Record {
    /// Sets `start` from `started` (if set), given the same instant on both clocks.
    pub(crate) fn settle_start(&mut self, now: SystemTime, now_mono: Instant) {
        if let Some(started) = self.started.take() {
            let ago = now_mono.saturating_duration_since(started);
            self.start = now.checked_sub(ago).unwrap_or(now);
        }
    }

    /// Releases what the record shares with requests and servers (header bytes, the URI,
    /// names), keeping the box for another request (`Spare`); the entry point's name stays.
    pub(crate) fn empty(&mut self) {
        self.router = None;
        self.service = None;
        self.forwarded_for = None;
        self.username = None;
        self.host = None;
        self.method = Method::GET;
        self.uri = Uri::default();
        self.tls = None;
        self.origin = None;
        self.request_headers = None;
        self.downstream_headers = None;
        self.trace = None;
    }
}

/// The request's trace and its entry point span, as Traefik logs them from the request's
/// span context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceIds {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
}

/// The TLS connection the request came on.
#[derive(Debug, Clone)]
pub struct TlsFacts {
    /// `1.2`, `1.3`.
    pub version: &'static str,
    /// Go's name: `TLS_AES_128_GCM_SHA256`.
    pub cipher: String,
    /// The client certificate's subject as Go prints it (`CN=a,O=b`).
    pub client_subject: Option<String>,
}

/// What the server that answered said.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// `ServiceURL`, `ServiceAddr`: shared with the requests to the same server (each
    /// request's own copy cost two allocations, and two frees on the writer's side).
    pub url: Arc<str>,
    pub addr: Arc<str>,
    /// 0 until the server answered (then the gateway's error status applies).
    pub status: u16,
    /// Its `Content-Length`, if it sent one.
    pub size: Option<u64>,
    pub duration: Duration,
    pub headers: Option<HeaderMap>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_is_the_batch_clock_minus_the_time_since_started() {
        let mono = Instant::now();
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut rec = crate::tests::record(200);
        rec.started = mono.checked_sub(Duration::from_millis(1500));
        rec.settle_start(wall, mono);
        assert_eq!(rec.start, wall - Duration::from_millis(1500));
        assert_eq!(rec.started, None);
        // Without `started`, `start` is left as it was.
        rec.settle_start(wall + Duration::from_secs(9), mono);
        assert_eq!(rec.start, wall - Duration::from_millis(1500));
    }
}
