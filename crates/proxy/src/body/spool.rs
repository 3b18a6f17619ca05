//! Bodies read ahead by `buffering` and `retry`: kept in memory up to a limit, the rest
//! spilled to a temporary file that is unlinked as soon as it is created (so nothing is left
//! behind, even after a crash; the open handle keeps the data until the last reader is gone).
//! A [`Spool`] can be replayed any number of times ([`Spool::body`]); [`Replay`] is the body
//! that reads it, optionally followed by the unread rest of a stream that went over a limit.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;

use super::{Body, BodyError};

/// Bytes read from a spilled file per frame.
const CHUNK: u64 = 64 * 1024;

/// A body read whole (or up to a limit).
#[derive(Debug, Clone, Default)]
pub struct Spool {
    mem: Bytes,
    file: Option<(Arc<File>, u64)>,
}

/// What [`read`] found.
#[derive(Debug)]
pub enum Read {
    /// The whole body.
    Complete(Spool),
    /// More than `max` bytes: what was read, and the rest of the stream.
    TooLarge(Spool, Body),
}

/// Why a body could not be read ahead.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error("temporary file: {0}")]
    File(#[from] std::io::Error),
}

/// A [`Spool`] played back, then the rest of a stream if any.
#[derive(Debug)]
pub struct Replay {
    mem: Option<Bytes>,
    file: Option<(Arc<File>, u64, u64)>,
    rest: Option<Body>,
}

/// Reads `body` keeping up to `mem` bytes in memory and the rest in a temporary file; stops
/// after more than `max` bytes (`None`: no limit). A body of one frame is kept as it came,
/// without a copy.
pub async fn read(mut body: Body, mem: u64, max: Option<u64>) -> Result<Read, SpoolError> {
    // The first frame, until a second one comes (then `buf` holds both).
    let mut first = Bytes::new();
    let mut buf = BytesMut::new();
    let mut file: Option<(File, u64)> = None;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue; // trailers are not kept
        };
        let len =
            (first.len() + buf.len()) as u64 + file.as_ref().map_or(0, |f| f.1) + data.len() as u64;
        if max.is_some_and(|m| len > m) {
            // Keep what was read so the caller can pass it on before the rest.
            let spool = finish(first, buf, file, data);
            return Ok(Read::TooLarge(spool, body));
        }
        if first.is_empty() && buf.is_empty() && file.is_none() && data.len() as u64 <= mem {
            first = data;
            continue;
        }
        if !first.is_empty() {
            buf.extend_from_slice(&std::mem::take(&mut first));
        }
        if file.is_none() && buf.len() as u64 + data.len() as u64 <= mem {
            buf.extend_from_slice(&data);
            continue;
        }
        let (f, written) = match &mut file {
            Some(f) => f,
            None => {
                tracing::debug!(mem, "body spilled to a temporary file");
                file.insert((temp_file()?, 0))
            }
        };
        write_all_at(f, &data, *written).await?;
        *written += data.len() as u64;
    }
    Ok(Read::Complete(finish(first, buf, file, Bytes::new())))
}

/// `first` is non-empty only while `buf` is empty and nothing was spilled.
fn finish(first: Bytes, buf: BytesMut, file: Option<(File, u64)>, extra: Bytes) -> Spool {
    if !first.is_empty() && extra.is_empty() {
        return Spool {
            mem: first,
            file: None,
        };
    }
    let mut mem = buf;
    mem.extend_from_slice(&first);
    let file = file.map(|(f, n)| (Arc::new(f), n));
    // Bytes read past a limit go after the file's, so keep them in order.
    let (mem, file) = match (file, extra.is_empty()) {
        (None, _) => {
            mem.extend_from_slice(&extra);
            (mem.freeze(), None)
        }
        (Some(f), true) => (mem.freeze(), Some(f)),
        (Some((f, n)), false) => {
            // Rare: over the limit after spilling; append the extra bytes to the file.
            match f.write_all_at(&extra, n) {
                Ok(()) => (mem.freeze(), Some((f, n + extra.len() as u64))),
                Err(_) => (mem.freeze(), Some((f, n))),
            }
        }
    };
    Spool { mem, file }
}

/// A new file in the temporary directory, already unlinked.
fn temp_file() -> std::io::Result<File> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("waygate-spool-{}-{n}", std::process::id()));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)?;
    Ok(f)
}

async fn write_all_at(f: &File, data: &Bytes, at: u64) -> std::io::Result<()> {
    let (f, data) = (f.try_clone()?, data.clone());
    tokio::task::spawn_blocking(move || f.write_all_at(&data, at))
        .await
        .map_err(std::io::Error::other)?
}

// === impl Spool ===

impl Spool {
    pub fn len(&self) -> u64 {
        self.mem.len() as u64 + self.file.as_ref().map_or(0, |f| f.1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether part of it is in a file.
    pub fn spilled(&self) -> bool {
        self.file.is_some()
    }

    /// A body playing it from the start.
    pub fn body(&self) -> Body {
        self.then(None)
    }

    /// A body playing it, then `rest`.
    pub fn then(&self, rest: Option<Body>) -> Body {
        if self.file.is_none() && rest.is_none() {
            return Body::full(self.mem.clone());
        }
        Body::Replay(Box::new(Replay {
            mem: (!self.mem.is_empty()).then(|| self.mem.clone()),
            file: self.file.as_ref().map(|(f, n)| (f.clone(), 0, *n)),
            rest,
        }))
    }
}

// === impl Replay ===

impl Replay {
    /// A body playing `first`, then `rest` (a stream whose first frame was read ahead).
    pub fn prefixed(first: Bytes, rest: Body) -> Body {
        Body::Replay(Box::new(Replay {
            mem: (!first.is_empty()).then_some(first),
            file: None,
            rest: Some(rest),
        }))
    }
}

impl http_body::Body for Replay {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        if let Some(mem) = self.mem.take() {
            return Poll::Ready(Some(Ok(Frame::data(mem))));
        }
        if let Some((f, at, len)) = &mut self.file {
            if *at < *len {
                let n = CHUNK.min(*len - *at);
                let mut chunk = vec![0; n as usize];
                // A positional read of a file just written: served from the page cache.
                return match f.read_exact_at(&mut chunk, *at) {
                    Ok(()) => {
                        *at += n;
                        Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
                    }
                    Err(e) => Poll::Ready(Some(Err(BodyError::Spool(e)))),
                };
            }
            self.file = None;
        }
        match &mut self.rest {
            Some(rest) => Pin::new(rest).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.mem.is_none()
            && self.file.is_none()
            && self
                .rest
                .as_ref()
                .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        let known = self.mem.as_ref().map_or(0, |m| m.len() as u64)
            + self.file.as_ref().map_or(0, |(_, at, len)| len - at);
        match &self.rest {
            None => SizeHint::with_exact(known),
            Some(rest) => {
                let r = rest.size_hint();
                let mut h = SizeHint::new();
                h.set_lower(known + r.lower());
                if let Some(u) = r.upper() {
                    h.set_upper(known + u);
                }
                h
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(b: Body) -> Vec<u8> {
        b.collect().await.expect("body").to_bytes().to_vec()
    }

    #[tokio::test]
    async fn memory_then_file_then_replayed_twice() {
        let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        let Read::Complete(s) = read(Body::full(data.clone()), 1000, None)
            .await
            .expect("read")
        else {
            panic!("complete")
        };
        assert!(s.spilled());
        assert_eq!(s.len(), 200_000);
        assert_eq!(collect(s.body()).await, data);
        assert_eq!(collect(s.body()).await, data, "replayable");
        let Read::Complete(s) = read(Body::full("small"), 1000, None).await.expect("read") else {
            panic!("complete")
        };
        assert!(!s.spilled());
        assert_eq!(collect(s.body()).await, b"small");
    }

    #[tokio::test]
    async fn over_the_limit_keeps_what_was_read_before_the_rest() {
        let r = read(Body::full("0123456789"), 4, Some(5))
            .await
            .expect("read");
        let Read::TooLarge(s, rest) = r else {
            panic!("too large")
        };
        assert_eq!(collect(s.then(Some(rest))).await, b"0123456789");
    }
}
