//! A client's request body on its way to the upstream: the first frames read ahead (so a
//! malformed chunked body is refused before anything is forwarded), and `readTimeout`
//! bounding how long the whole body may take (Go's `ReadTimeout` covers the body too).

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::time::{Instant, Sleep};

use super::{BodyError, H2Recv};

/// How much of a chunked body is read ahead before forwarding starts.
const READ_AHEAD_BYTES: usize = 64 * 1024;
/// How many times the read-ahead lets the connection decode more before giving up waiting.
const READ_AHEAD_TURNS: usize = 8;

/// A request body streamed from the client.
#[derive(Debug)]
pub struct ClientBody {
    ahead: VecDeque<Frame<Bytes>>,
    inner: Stream,
    /// The body ended while reading ahead.
    ended: bool,
    /// `readTimeout` from the start of the request; `None` when unbounded or already done.
    deadline: Option<Pin<Box<Sleep>>>,
}

/// Whose server read the body: hyper's (HTTP/1.1) or the gateway's HTTP/2 server.
#[derive(Debug)]
enum Stream {
    Hyper(Incoming),
    H2(H2Recv),
}

// === impl Stream ===

impl Stream {
    fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        match self {
            Stream::Hyper(b) => Pin::new(b).poll_frame(cx).map_err(BodyError::Client),
            Stream::H2(b) => Pin::new(b).poll_frame(cx).map_err(BodyError::ClientH2),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Stream::Hyper(b) => b.is_end_stream(),
            Stream::H2(b) => b.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Stream::Hyper(b) => b.size_hint(),
            Stream::H2(b) => b.size_hint(),
        }
    }
}

// === impl ClientBody ===

impl ClientBody {
    /// `started` is when the request's head was read.
    pub fn new(inner: Incoming, read_timeout: Option<Duration>, started: Instant) -> Self {
        Self::of(Stream::Hyper(inner), read_timeout, started)
    }

    /// [`ClientBody::new`] of a body read by the gateway's HTTP/2 server.
    pub(crate) fn h2(inner: H2Recv, read_timeout: Option<Duration>, started: Instant) -> Self {
        Self::of(Stream::H2(inner), read_timeout, started)
    }

    fn of(inner: Stream, read_timeout: Option<Duration>, started: Instant) -> Self {
        let deadline = read_timeout
            .filter(|_| !inner.is_end_stream())
            .map(|t| Box::pin(tokio::time::sleep_until(started + t)));
        Self {
            ahead: VecDeque::new(),
            inner,
            ended: false,
            deadline,
        }
    }

    /// Reads what the client has already sent (up to [`READ_AHEAD_BYTES`]) without waiting
    /// for more: the connection decodes buffered chunks between our turns. A framing error
    /// in that part is returned now, before the request is forwarded.
    pub async fn read_ahead(&mut self) -> Result<(), BodyError> {
        let mut buffered = 0usize;
        let mut turns = 0usize;
        let mut progressed = true;
        while !self.ended && buffered < READ_AHEAD_BYTES && turns < READ_AHEAD_TURNS {
            let polled = {
                let mut cx = Context::from_waker(Waker::noop());
                self.inner.poll_frame(&mut cx)
            };
            match polled {
                Poll::Ready(Some(Ok(frame))) => {
                    buffered += frame.data_ref().map_or(0, Bytes::len);
                    self.ahead.push_back(frame);
                    progressed = true;
                }
                Poll::Ready(Some(Err(e))) => return Err(e),
                Poll::Ready(None) => self.ended = true,
                Poll::Pending if progressed => {
                    // Let the connection decode what is buffered, then look again.
                    progressed = false;
                    turns += 1;
                    tokio::task::yield_now().await;
                }
                Poll::Pending => break,
            }
        }
        Ok(())
    }
}

impl http_body::Body for ClientBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        if let Some(frame) = self.ahead.pop_front() {
            return Poll::Ready(Some(Ok(frame)));
        }
        if self.ended {
            self.deadline = None;
            return Poll::Ready(None);
        }
        match self.inner.poll_frame(cx) {
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => {
                self.deadline = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
            Poll::Pending => {
                if let Some(d) = &mut self.deadline
                    && d.as_mut().poll(cx).is_ready()
                {
                    self.deadline = None;
                    self.ended = true;
                    return Poll::Ready(Some(Err(BodyError::ReadTimeout)));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ahead.is_empty() && (self.ended || self.inner.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        let ahead: u64 = self
            .ahead
            .iter()
            .filter_map(|f| f.data_ref().map(|d| d.len() as u64))
            .sum();
        if self.ended {
            return SizeHint::with_exact(ahead);
        }
        let inner = self.inner.size_hint();
        let mut hint = SizeHint::new();
        hint.set_lower(inner.lower() + ahead);
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper + ahead);
        }
        hint
    }
}
