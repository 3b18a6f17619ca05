//! The response body of a traced request: the entry point's span (and the detailed spans
//! under it) end when the body ends, fails, or is dropped (the client went away), as
//! Traefik's spans end when its handlers return after writing the body.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};

use super::Answered;
use crate::Body;
use crate::body::BodyError;

#[derive(Debug)]
pub struct TracedBody {
    inner: Body,
    pending: Option<Answered>,
}

// === impl TracedBody ===

impl TracedBody {
    pub(super) fn new(inner: Body, pending: Answered) -> Self {
        Self {
            inner,
            pending: Some(pending),
        }
    }

    fn finish(&mut self) {
        if let Some(p) = self.pending.take() {
            p.finish();
        }
    }

    pub(crate) fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(_))) => {
                if self.inner.is_end_stream() {
                    self.finish();
                }
            }
            Poll::Ready(_) => self.finish(),
            Poll::Pending => {}
        }
        polled
    }

    pub(crate) fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    pub(crate) fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for TracedBody {
    fn drop(&mut self) {
        self.finish();
    }
}
