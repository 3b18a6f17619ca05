//! The one place where data-plane errors become responses, with Traefik's status codes and
//! bodies (reference §3.2): no route 404, no healthy server 503, upstream unreachable 502,
//! upstream timeout 504, bad request 400.

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
    #[error("upstream connection failed: {0}")]
    Upstream(String),
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
            ProxyError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ProxyError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ProxyError::Timeout => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Whether the error is the upstream's fault (for logs and, later, retries).
    pub fn is_upstream(&self) -> bool {
        matches!(self, ProxyError::Upstream(_) | ProxyError::Timeout)
    }
}

/// The response for `err`, with Traefik's bodies.
pub fn respond(err: &ProxyError) -> Response {
    let status = err.status();
    let body: &'static str = match err {
        ProxyError::NoRoute | ProxyError::Disabled => "404 page not found\n",
        ProxyError::NoServer => "no available server\n",
        ProxyError::BadRequest(_) => "400 Bad Request\n",
        ProxyError::Upstream(_) => "Bad Gateway",
        ProxyError::Timeout => "Gateway Timeout",
        ProxyError::Internal(_) => "Internal Server Error",
    };
    text(status, body)
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
