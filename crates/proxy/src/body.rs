//! The one body type of the data plane: streamed from hyper, a fixed buffer, or empty. An enum
//! rather than a boxed body, so forwarding a request allocates nothing for its body.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;

/// A request or response body.
#[derive(Debug, Default)]
pub enum Body {
    #[default]
    Empty,
    /// A complete body; `None` once it has been yielded.
    Full(Option<Bytes>),
    /// Streamed from a client or an upstream connection.
    Incoming(Incoming),
    /// Streamed from a pooled upstream connection, which goes back to its pool at the end.
    Pooled(crate::upstream::PooledBody),
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
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match &mut *self {
            Body::Empty => Poll::Ready(None),
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Incoming(b) => Pin::new(b).poll_frame(cx),
            Body::Pooled(b) => Pin::new(b).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Empty => true,
            Body::Full(d) => d.is_none(),
            Body::Incoming(b) => b.is_end_stream(),
            Body::Pooled(b) => b.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Empty => SizeHint::with_exact(0),
            Body::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Incoming(b) => b.size_hint(),
            Body::Pooled(b) => b.size_hint(),
        }
    }
}
