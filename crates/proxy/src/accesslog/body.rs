//! The response body of a logging request: counts the bytes sent and submits the line when
//! the body ends, fails, or is dropped (the client went away).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};

use super::Pending;
use crate::Body;
use crate::body::BodyError;

#[derive(Debug)]
pub struct LoggedBody {
    inner: Body,
    pending: Option<Pending>,
    sent: u64,
}

// === impl LoggedBody ===

impl LoggedBody {
    pub(crate) fn new(inner: Body, pending: Pending) -> Self {
        Self {
            inner,
            pending: Some(pending),
            sent: 0,
        }
    }

    fn finish(&mut self) {
        if let Some(p) = self.pending.take() {
            p.finish(self.sent);
        }
    }

    pub(crate) fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(d) = frame.data_ref() {
                    self.sent += d.len() as u64;
                }
                if http_body::Body::is_end_stream(&self.inner) {
                    self.finish();
                }
            }
            Poll::Ready(_) => self.finish(),
            Poll::Pending => {}
        }
        polled
    }

    pub(crate) fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    pub(crate) fn size_hint(&self) -> SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}

impl Drop for LoggedBody {
    fn drop(&mut self) {
        self.finish();
    }
}
