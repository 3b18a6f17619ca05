//! The one body type of the data plane: streamed from a client or an upstream, a fixed buffer,
//! or empty. An enum rather than a boxed body, so forwarding a request allocates nothing for
//! its body. Errors say whose fault they are ([`BodyError`]), so a broken client upload is
//! answered 400/408, never 502.

mod client;
mod h2_recv;
pub mod spool;

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;

pub use self::client::ClientBody;
pub(crate) use self::h2_recv::H2Recv;

/// A request or response body.
#[derive(Debug, Default)]
pub enum Body {
    #[default]
    Empty,
    /// A complete body; `None` once it has been yielded.
    Full(Option<Bytes>),
    /// A request body streamed from the client (framing checked, `readTimeout` applied).
    Client(ClientBody),
    /// Streamed from an upstream connection (HTTP/2, or one that is not pooled).
    Incoming(Incoming),
    /// Streamed from a pooled upstream connection, which goes back to its pool at the end.
    Pooled(crate::upstream::PooledBody),
    /// Streamed from an upstream connection on the HTTP/1.1 fast path.
    H1(crate::upstream::H1Body),
    /// A response body whose end writes the access log line.
    Logged(Box<crate::accesslog::LoggedBody>),
    /// A response body whose end ends the request's spans.
    Traced(Box<crate::trace::TracedBody>),
    /// Read ahead by `buffering` or `retry` (memory, a spilled file, then maybe the rest).
    Replay(Box<spool::Replay>),
    /// Rewritten by a middleware on its way (`grpcWeb`'s framing): boxed, as only the
    /// routers of such middlewares carry one.
    Boxed(BoxBody),
}

/// A request body as a server hands it to the handler: none (the HTTP/1.1 server fast path
/// serves only requests without one), hyper's (HTTP/1.1) or the HTTP/2 server's.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// A request the HTTP/1.1 server fast path read (`entrypoint/h1/parse.rs`): it has no
    /// body and none of the fields that path leaves to hyper (`Content-Length`,
    /// `Transfer-Encoding`, `TE`, `Expect`, `Upgrade`); [`Noted`] says which of a few
    /// others it has, so the stages before the middlewares look them up only when there.
    Fast(Noted),
    Hyper(Incoming),
    H2(H2Recv),
}

/// Fields the fast path's parser saw while it filled the header map (no lookups).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Noted(u8);

// === impl Inbound ===

impl Inbound {
    /// The body's length as its framing gives it (`Content-Length`), 0 when unknown
    /// (chunked): Go's `req.ContentLength`, which Traefik records, clamped at 0.
    pub(crate) fn length(&self) -> u64 {
        match self {
            Inbound::Fast(_) => 0,
            Inbound::Hyper(b) => http_body::Body::size_hint(b).exact().unwrap_or(0),
            Inbound::H2(b) => http_body::Body::size_hint(b).exact().unwrap_or(0),
        }
    }

    /// The body to forward, read under `readTimeout` from `started`; `None` when the
    /// request has none (or it has already ended).
    pub(crate) fn into_client(
        self,
        read_timeout: Option<std::time::Duration>,
        started: tokio::time::Instant,
    ) -> Option<ClientBody> {
        use http_body::Body as _;
        match self {
            Inbound::Hyper(b) if !b.is_end_stream() => {
                Some(ClientBody::new(b, read_timeout, started))
            }
            Inbound::H2(b) if !b.is_end_stream() => Some(ClientBody::h2(b, read_timeout, started)),
            _ => None,
        }
    }

    /// What the fast path noted of the head; `None` for hyper's requests (look up).
    pub(crate) fn noted(&self) -> Option<Noted> {
        match self {
            Inbound::Fast(n) => Some(*n),
            Inbound::Hyper(_) | Inbound::H2(_) => None,
        }
    }
}

// === impl Noted ===

impl Noted {
    pub(crate) const CONNECTION: Noted = Noted(1);
    pub(crate) const ACCEPT: Noted = Noted(1 << 1);
    pub(crate) const CONTENT_TYPE: Noted = Noted(1 << 2);
    /// Exactly one `Host` field, whose value is a valid host: the authority is settled.
    pub(crate) const HOST: Noted = Noted(1 << 3);
    /// A field name with an underscore or a line over the per-line limit: the header checks
    /// ([`crate::hygiene::check_headers`]) have something to do.
    pub(crate) const UNUSUAL: Noted = Noted(1 << 4);

    /// Notes `name` if it is one of the fields kept track of.
    #[inline]
    pub(crate) fn note(&mut self, name: &http::HeaderName) {
        use http::header::{ACCEPT, CONNECTION, CONTENT_TYPE};
        if name == CONNECTION {
            self.0 |= Self::CONNECTION.0;
        } else if name == ACCEPT {
            self.0 |= Self::ACCEPT.0;
        } else if name == CONTENT_TYPE {
            self.0 |= Self::CONTENT_TYPE.0;
        }
    }

    /// Adds `field` (one of the constants).
    pub(crate) fn set(&mut self, field: Noted) {
        self.0 |= field.0;
    }

    pub(crate) fn has(self, field: Noted) -> bool {
        self.0 & field.0 != 0
    }

    /// Whether a head may have `field`: a fast-path head only if noted; any other (`None`,
    /// nothing noted) may.
    pub(crate) fn may_have(noted: Option<Noted>, field: Noted) -> bool {
        noted.is_none_or(|n| n.has(field))
    }
}

/// A body rewritten on its way.
pub struct BoxBody(Pin<Box<dyn http_body::Body<Data = Bytes, Error = BodyError> + Send>>);

/// Why a body stream failed, and on which side.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The client's request body is malformed (bad chunk framing, a chunk extension too
    /// long) or the client went away mid-body.
    #[error("client request body: {0}")]
    Client(hyper::Error),
    /// The client's HTTP/2 request body failed (the stream was reset, the connection broke,
    /// the body did not match its `Content-Length`).
    #[error("client request body: {0}")]
    ClientH2(h2::Error),
    /// The client did not send its whole request body within `readTimeout`.
    #[error("the client did not send its request body within readTimeout")]
    ReadTimeout,
    /// The upstream's response body failed.
    #[error("upstream response body: {0}")]
    Upstream(hyper::Error),
    /// The upstream's response body failed on the HTTP/1.1 fast path.
    #[error("upstream response body: {0}")]
    UpstreamRead(std::io::Error),
    /// An HTTP/2 response was not sent within `writeTimeout` (the stream is reset).
    #[error("the response was not written within writeTimeout")]
    WriteTimeout,
    /// A body spilled to a temporary file could not be read back.
    #[error("buffered body: {0}")]
    Spool(std::io::Error),
    /// `compress` could not encode the response.
    #[error("compressing the response: {0}")]
    Compress(std::io::Error),
    /// The client's request body does not decode (a `grpc-web-text` body that is not
    /// base64).
    #[error("client request body: {0}")]
    Malformed(&'static str),
}

// === impl Body ===

impl Body {
    pub fn full(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        if data.is_empty() {
            Body::Empty
        } else {
            Body::Full(Some(data))
        }
    }
}

impl From<Incoming> for Body {
    fn from(b: Incoming) -> Self {
        Body::Incoming(b)
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        match &mut *self {
            Body::Empty => Poll::Ready(None),
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Client(b) => Pin::new(b).poll_frame(cx),
            Body::Incoming(b) => Pin::new(b).poll_frame(cx).map_err(BodyError::Upstream),
            Body::Pooled(b) => Pin::new(b).poll_frame(cx).map_err(BodyError::Upstream),
            Body::H1(b) => Pin::new(b).poll_frame(cx).map_err(BodyError::UpstreamRead),
            Body::Logged(b) => b.poll_frame(cx),
            Body::Traced(b) => b.poll_frame(cx),
            Body::Replay(b) => Pin::new(&mut **b).poll_frame(cx),
            Body::Boxed(b) => b.0.as_mut().poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Empty => true,
            Body::Full(d) => d.is_none(),
            Body::Client(b) => b.is_end_stream(),
            Body::Incoming(b) => b.is_end_stream(),
            Body::Pooled(b) => b.is_end_stream(),
            Body::H1(b) => b.is_end_stream(),
            Body::Logged(b) => b.is_end_stream(),
            Body::Traced(b) => b.is_end_stream(),
            Body::Replay(b) => b.is_end_stream(),
            Body::Boxed(b) => b.0.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Empty => SizeHint::with_exact(0),
            Body::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Client(b) => b.size_hint(),
            Body::Incoming(b) => b.size_hint(),
            Body::Pooled(b) => b.size_hint(),
            Body::H1(b) => b.size_hint(),
            Body::Logged(b) => b.size_hint(),
            Body::Traced(b) => b.size_hint(),
            Body::Replay(b) => b.size_hint(),
            Body::Boxed(b) => b.0.size_hint(),
        }
    }
}

// === impl BoxBody ===

impl BoxBody {
    pub fn new(
        body: impl http_body::Body<Data = Bytes, Error = BodyError> + Send + 'static,
    ) -> Self {
        Self(Box::pin(body))
    }
}

impl std::fmt::Debug for BoxBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BoxBody")
    }
}

// === impl BodyError ===

impl BodyError {
    /// The body error at the root of `err` (a hyper client error whose request body failed),
    /// if that is what it is.
    pub fn find<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a BodyError> {
        let mut cur = Some(err);
        while let Some(e) = cur {
            if let Some(b) = e.downcast_ref::<BodyError>() {
                return Some(b);
            }
            cur = e.source();
        }
        None
    }
}
