//! A request body read from the gateway's own HTTP/2 server (`entrypoint/h2`): h2's
//! `RecvStream`, with the flow-control window given back as each chunk is taken (as hyper's
//! `Incoming` does), the trailers after the data, and the length `Content-Length` declared
//! (h2 refuses a body that does not match it).

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use h2::RecvStream;
use http_body::{Frame, SizeHint};

/// The body of a request the HTTP/2 server accepted.
#[derive(Debug)]
pub(crate) struct H2Recv {
    inner: RecvStream,
    /// What is left of the declared `Content-Length`.
    left: Option<u64>,
    /// The data has ended: the trailers (if any) come next.
    data_done: bool,
}

// === impl H2Recv ===

impl H2Recv {
    pub(crate) fn new(inner: RecvStream, content_length: Option<u64>) -> Self {
        Self {
            inner,
            left: content_length,
            data_done: false,
        }
    }
}

impl http_body::Body for H2Recv {
    type Data = Bytes;
    type Error = h2::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, h2::Error>>> {
        let this = &mut *self;
        if !this.data_done {
            match ready!(this.inner.poll_data(cx)) {
                Some(Ok(data)) => {
                    // The window goes back as soon as the chunk is taken: the client may
                    // send on while this one is forwarded.
                    let _ = this.inner.flow_control().release_capacity(data.len());
                    if let Some(left) = &mut this.left {
                        *left = left.saturating_sub(data.len() as u64);
                    }
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => this.data_done = true,
            }
        }
        match ready!(this.inner.poll_trailers(cx)) {
            Ok(Some(trailers)) => Poll::Ready(Some(Ok(Frame::trailers(trailers)))),
            Ok(None) => Poll::Ready(None),
            Err(e) => Poll::Ready(Some(Err(e))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        match self.left {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}
