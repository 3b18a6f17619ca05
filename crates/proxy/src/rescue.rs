//! The one place where data-plane errors become responses, with Traefik's status codes and
//! bodies (reference §3.2): no route 404, no healthy server 503, upstream unreachable 502,
//! upstream timeout 504, bad request 400. Errors caused by the client (a malformed body, a
//! body not sent in time, an unsupported transfer coding) are 4xx/501 and close the
//! connection, since its framing can no longer be trusted.

use http::{HeaderValue, StatusCode, header};

use crate::{Body, Response};

/// Why the gateway answered instead of a backend.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("no router matches the request")]
    NoRoute,
    #[error("no available server")]
    NoServer,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The request body could not be read (bad chunked framing, client gone).
    #[error("malformed request body: {0}")]
    ClientBody(String),
    /// The request body did not arrive within `readTimeout`.
    #[error("request body not received within readTimeout")]
    ClientTimeout,
    /// A header line longer than the per-line limit.
    #[error("request header line too long")]
    HeaderTooLarge,
    /// A transfer coding other than `chunked`.
    #[error("unsupported transfer coding")]
    NotImplemented,
    #[error("upstream connection failed: {0}")]
    Upstream(String),
    /// The server could not be dialled: nothing of the request left (`retry` may resend).
    #[error("upstream connection failed: {0}")]
    Dial(String),
    /// The server was not dialled within `dialTimeout`: nothing of the request left.
    #[error("upstream timed out")]
    DialTimeout,
    /// The backend's certificate was refused, or it does not speak TLS: a configuration
    /// problem (Traefik logs these at error level, other upstream failures at debug).
    #[error("upstream TLS failed: {0}")]
    UpstreamTls(String),
    #[error("upstream timed out")]
    Timeout,
    #[error("the router is disabled by a configuration error")]
    Disabled,
    #[error("internal error: {0}")]
    Internal(String),
}

// === impl ProxyError ===

impl ProxyError {
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::NoRoute | ProxyError::Disabled => StatusCode::NOT_FOUND,
            ProxyError::NoServer => StatusCode::SERVICE_UNAVAILABLE,
            ProxyError::BadRequest(_) | ProxyError::ClientBody(_) => StatusCode::BAD_REQUEST,
            ProxyError::ClientTimeout => StatusCode::REQUEST_TIMEOUT,
            ProxyError::HeaderTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ProxyError::NotImplemented => StatusCode::NOT_IMPLEMENTED,
            ProxyError::Upstream(_) | ProxyError::UpstreamTls(_) | ProxyError::Dial(_) => {
                StatusCode::BAD_GATEWAY
            }
            ProxyError::Timeout | ProxyError::DialTimeout => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether the error is the upstream's fault (for logs and, later, retries).
    pub fn is_upstream(&self) -> bool {
        matches!(
            self,
            ProxyError::Upstream(_)
                | ProxyError::UpstreamTls(_)
                | ProxyError::Timeout
                | ProxyError::Dial(_)
                | ProxyError::DialTimeout
        )
    }

    /// Whether the upstream failed before any byte of the request was sent to it (dial or
    /// TLS handshake), so the request may go out again (Traefik's `retry`).
    pub fn not_sent(&self) -> bool {
        matches!(
            self,
            ProxyError::Dial(_) | ProxyError::DialTimeout | ProxyError::UpstreamTls(_)
        )
    }

    /// Whether the client connection must close after the answer (its request framing
    /// cannot be trusted, or the rest of its body was never read).
    pub fn closes_connection(&self) -> bool {
        matches!(
            self,
            ProxyError::ClientBody(_) | ProxyError::ClientTimeout | ProxyError::NotImplemented
        )
    }
}

/// Marks a response the gateway made because the upstream failed before any byte of the
/// request reached it ([`ProxyError::not_sent`]): what `retry` resends on.
#[derive(Debug, Clone, Copy)]
pub struct NotSent;

/// The response for `err`, with Traefik's bodies.
pub fn respond(err: &ProxyError) -> Response {
    let status = err.status();
    let body: &'static str = match err {
        ProxyError::NoRoute | ProxyError::Disabled => "404 page not found\n",
        ProxyError::NoServer => "no available server\n",
        ProxyError::BadRequest(_) | ProxyError::ClientBody(_) => "400 Bad Request\n",
        ProxyError::ClientTimeout => "408 Request Timeout\n",
        ProxyError::HeaderTooLarge => "431 Request Header Fields Too Large\n",
        ProxyError::NotImplemented => "501 Not Implemented\n",
        ProxyError::Upstream(_) | ProxyError::UpstreamTls(_) | ProxyError::Dial(_) => "Bad Gateway",
        ProxyError::Timeout | ProxyError::DialTimeout => "Gateway Timeout",
        ProxyError::Internal(_) => "Internal Server Error",
    };
    let mut resp = text(status, body);
    if err.not_sent() {
        resp.extensions_mut().insert(NotSent);
    }
    if err.closes_connection() {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// A plain-text response.
pub fn text(status: StatusCode, body: &'static str) -> Response {
    let mut resp = Response::new(Body::full(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}
