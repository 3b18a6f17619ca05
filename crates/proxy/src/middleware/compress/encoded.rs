//! The response body once `compress` has decided: the bytes read ahead to decide, then the
//! rest of the backend's stream, each frame encoded as it arrives (nothing is held beyond the
//! encoder's own window). The encoder is flushed after every frame of a streamed response
//! (no `Content-Length`, or `text/event-stream`), as Go's reverse proxy flushes after every
//! write there, so Server-Sent Events reach the client one by one; otherwise, as Go's
//! `flushInterval`, 100 ms after the backend paused with bytes still in the encoder (never
//! while the backend keeps sending: a flush ends a block, which costs ratio).
//! Trailers pass after the encoder's end.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Frame, SizeHint};
use tokio::time::Sleep;

use super::encoder::Encoder;
use crate::body::{Body, BodyError, BoxBody};

/// Traefik's default `flushInterval`.
const FLUSH_INTERVAL: Duration = Duration::from_millis(100);

/// An encoded response body.
#[derive(Debug)]
pub(crate) struct Encoded {
    /// Read ahead while deciding; encoded first.
    head: Option<Bytes>,
    inner: Body,
    coder: Coder,
    /// Flush after every frame (a streamed response).
    flush_each: bool,
    /// Bytes written since the last flush.
    dirty: bool,
    /// When to flush them if the backend stays quiet.
    flush_at: Option<Pin<Box<Sleep>>>,
    trailers: Option<HeaderMap>,
    /// The backend's stream has ended (or failed).
    ended: bool,
}

#[derive(Debug)]
enum Coder {
    /// Sent as it is (a body read whole below the minimum, with trailers).
    Identity,
    Encoding(Encoder),
    Finished,
}

// === impl Encoded ===

impl Encoded {
    pub(crate) fn encoding(head: Bytes, inner: Body, encoder: Encoder, flush_each: bool) -> Body {
        Body::Boxed(BoxBody::new(Encoded {
            head: (!head.is_empty()).then_some(head),
            inner,
            coder: Coder::Encoding(encoder),
            flush_each,
            dirty: false,
            flush_at: None,
            trailers: None,
            ended: false,
        }))
    }

    /// `head` unchanged, then `trailers`.
    pub(crate) fn identity(head: Bytes, trailers: HeaderMap) -> Body {
        Body::Boxed(BoxBody::new(Encoded {
            head: (!head.is_empty()).then_some(head),
            inner: Body::Empty,
            coder: Coder::Identity,
            flush_each: false,
            dirty: false,
            flush_at: None,
            trailers: Some(trailers),
            ended: true,
        }))
    }

    /// Encodes `data`; what the encoder produced, if anything.
    fn encode(&mut self, data: Bytes) -> Result<Option<Bytes>, BodyError> {
        let enc = match &mut self.coder {
            Coder::Identity => return Ok(nonempty(data)),
            Coder::Encoding(enc) => enc,
            Coder::Finished => return Ok(None),
        };
        enc.write(&data).map_err(BodyError::Compress)?;
        if self.flush_each {
            enc.flush().map_err(BodyError::Compress)?;
        } else {
            self.dirty = true;
        }
        Ok(nonempty(enc.take()))
    }

    fn flush(&mut self) -> Result<Option<Bytes>, BodyError> {
        let Coder::Encoding(enc) = &mut self.coder else {
            return Ok(None);
        };
        if !self.dirty {
            return Ok(None);
        }
        self.dirty = false;
        enc.flush().map_err(BodyError::Compress)?;
        Ok(nonempty(enc.take()))
    }

    fn finish(&mut self) -> Result<Option<Bytes>, BodyError> {
        match std::mem::replace(&mut self.coder, Coder::Finished) {
            Coder::Encoding(enc) => enc.finish().map(nonempty).map_err(BodyError::Compress),
            Coder::Identity | Coder::Finished => Ok(None),
        }
    }
}

fn nonempty(b: Bytes) -> Option<Bytes> {
    (!b.is_empty()).then_some(b)
}

fn data(b: Bytes) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
    Poll::Ready(Some(Ok(Frame::data(b))))
}

impl http_body::Body for Encoded {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = &mut *self;
        if let Some(head) = this.head.take() {
            match this.encode(head) {
                Ok(Some(out)) => return data(out),
                Ok(None) => {}
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
        while !this.ended {
            let frame = match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => {
                    if !this.dirty {
                        return Poll::Pending;
                    }
                    let at = this
                        .flush_at
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(FLUSH_INTERVAL)));
                    if at.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    this.flush_at = None;
                    return match this.flush() {
                        Ok(Some(out)) => data(out),
                        Ok(None) => Poll::Pending,
                        Err(e) => Poll::Ready(Some(Err(e))),
                    };
                }
                Poll::Ready(None) => {
                    this.ended = true;
                    break;
                }
                Poll::Ready(Some(Err(e))) => {
                    // The stream is cut: no encoder end, so the client sees it broken.
                    this.ended = true;
                    this.coder = Coder::Finished;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(frame))) => frame,
            };
            match frame.into_data() {
                Ok(bytes) => match this.encode(bytes) {
                    Ok(Some(out)) => return data(out),
                    Ok(None) => {}
                    Err(e) => return Poll::Ready(Some(Err(e))),
                },
                Err(frame) => {
                    this.trailers = frame.into_trailers().ok();
                    this.ended = true;
                }
            }
        }
        match this.finish() {
            Ok(Some(out)) => return data(out),
            Ok(None) => {}
            Err(e) => return Poll::Ready(Some(Err(e))),
        }
        Poll::Ready(this.trailers.take().map(|t| Ok(Frame::trailers(t))))
    }

    fn is_end_stream(&self) -> bool {
        self.ended
            && matches!(self.coder, Coder::Finished)
            && self.trailers.is_none()
            && self.head.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use http_body_util::BodyExt;

    use super::*;
    use crate::middleware::compress::encoder::Coding;

    #[tokio::test]
    async fn head_then_rest_encoded() {
        let body = Encoded::encoding(
            Bytes::from_static(b"hello "),
            Body::full("world"),
            Encoder::new(Coding::Gzip).expect("encoder"),
            false,
        );
        let out = body.collect().await.expect("body").to_bytes();
        let mut text = String::new();
        flate2::read::GzDecoder::new(&out[..])
            .read_to_string(&mut text)
            .expect("gzip");
        assert_eq!(text, "hello world");
    }
}
