//! The bodies `grpcWeb` rewrites on the way: a `grpc-web-text` request decoded from base64,
//! and the answer with its trailers moved into a last body frame (base64 in text mode).

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{BufMut, Bytes, BytesMut};
use http::HeaderMap;
use http_body::{Frame, SizeHint};

use crate::Body;
use crate::body::BodyError;

/// A `grpc-web-text` request body, decoded as it streams. Line breaks are skipped (as Go's
/// decoder does) and padded parts may follow each other.
pub(super) struct Base64Decode {
    inner: Body,
    /// Characters of an incomplete quantum, carried to the next frame.
    carry: Vec<u8>,
}

/// The answer's body as gRPC-Web: data as it comes (base64 in text mode), the trailers as a
/// last frame.
pub(super) struct WebBody {
    inner: Body,
    text: bool,
    done: bool,
}

// === impl Base64Decode ===

impl Base64Decode {
    pub(super) fn new(inner: Body) -> Self {
        Self {
            inner,
            carry: Vec::new(),
        }
    }

    /// Decodes the complete quanta of `carry` + `data`, keeping the rest.
    fn decode(&mut self, data: &[u8]) -> Result<Bytes, BodyError> {
        self.carry
            .extend(data.iter().copied().filter(|b| *b != b'\r' && *b != b'\n'));
        let whole = self.carry.len() / 4 * 4;
        let mut out = Vec::with_capacity(whole / 4 * 3);
        // Each padded quantum ends a part: parts are decoded one by one.
        let mut start = 0;
        for end in (4..=whole).step_by(4) {
            if self.carry[end - 1] == b'=' || end == whole {
                STANDARD
                    .decode_vec(&self.carry[start..end], &mut out)
                    .map_err(|_| BodyError::Malformed("invalid base64 in a grpc-web-text body"))?;
                start = end;
            }
        }
        self.carry.drain(..whole);
        Ok(Bytes::from(out))
    }
}

impl http_body::Body for Base64Decode {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        loop {
            let frame = match ready!(Pin::new(&mut self.inner).poll_frame(cx)) {
                Some(Ok(frame)) => frame,
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None if self.carry.is_empty() => return Poll::Ready(None),
                None => {
                    self.carry.clear();
                    let e = BodyError::Malformed("truncated base64 in a grpc-web-text body");
                    return Poll::Ready(Some(Err(e)));
                }
            };
            match frame.into_data() {
                Ok(data) => {
                    let decoded = self.decode(&data);
                    match decoded {
                        Ok(d) if d.is_empty() => continue,
                        Ok(d) => return Poll::Ready(Some(Ok(Frame::data(d)))),
                        Err(e) => return Poll::Ready(Some(Err(e))),
                    }
                }
                Err(other) => return Poll::Ready(Some(Ok(other))),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.carry.is_empty() && self.inner.is_end_stream()
    }
}

// === impl WebBody ===

impl WebBody {
    pub(super) fn new(inner: Body, text: bool) -> Self {
        Self {
            inner,
            text,
            done: false,
        }
    }

    fn data(&self, data: Bytes) -> Frame<Bytes> {
        if self.text && !data.is_empty() {
            Frame::data(Bytes::from(STANDARD.encode(&data)))
        } else {
            Frame::data(data)
        }
    }
}

impl http_body::Body for WebBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let trailers = match ready!(Pin::new(&mut self.inner).poll_frame(cx)) {
            Some(Err(e)) => return Poll::Ready(Some(Err(e))),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => return Poll::Ready(Some(Ok(self.data(data)))),
                Err(frame) => frame.into_trailers().unwrap_or_default(),
            },
            None => HeaderMap::new(),
        };
        self.done = true;
        Poll::Ready(Some(Ok(self.data(trailer_frame(&trailers)))))
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// The trailers as a gRPC-Web frame: flag `0x80`, the block's length (big endian), then
/// `name: value\r\n` per value as Go's `Header.Write` (names in lower case and sorted,
/// values trimmed, line breaks made spaces).
pub(super) fn trailer_frame(trailers: &HeaderMap) -> Bytes {
    let mut lines: Vec<(&str, &[u8])> = trailers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_bytes()))
        .collect();
    lines.sort_by_key(|(k, _)| *k);
    let mut block = Vec::new();
    for (k, v) in lines {
        block.extend_from_slice(k.as_bytes());
        block.extend_from_slice(b": ");
        let v: Vec<u8> = v
            .iter()
            .map(|b| if matches!(b, b'\r' | b'\n') { b' ' } else { *b })
            .collect();
        block.extend_from_slice(v.trim_ascii());
        block.extend_from_slice(b"\r\n");
    }
    let mut frame = BytesMut::with_capacity(5 + block.len());
    frame.put_u8(0x80);
    frame.put_u32(u32::try_from(block.len()).unwrap_or(u32::MAX));
    frame.extend_from_slice(&block);
    frame.freeze()
}
