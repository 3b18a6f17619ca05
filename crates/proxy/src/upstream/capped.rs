//! Reads from an HTTP/1.1 upstream in pieces of at most [`READ_PIECE`] bytes. hyper's read
//! buffer grows with the reads it sees (up to the response-head limit); capping each read
//! keeps the body chunks small, so a response held back by a slow client pins a few KiB,
//! while a large response head still fits (hyper keeps reading until the head is complete).

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// One byte under hyper's initial read size: a read that fills its buffer makes hyper double
/// the next one (and so the allocations chunks pin); a read one byte short keeps it at 8 KiB.
pub(crate) const READ_PIECE: usize = 8 * 1024 - 1;

/// An upstream stream whose reads are capped.
#[derive(Debug)]
pub(crate) struct Capped<T> {
    inner: T,
}

// === impl Capped ===

impl<T> Capped<T> {
    pub(crate) fn new(inner: T) -> Self {
        Self { inner }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Capped<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if buf.remaining() <= READ_PIECE {
            return Pin::new(&mut self.inner).poll_read(cx, buf);
        }
        // A view of the first READ_PIECE bytes of `buf`'s unfilled part (uninitialized, so no
        // zeroing: initializing 8 KiB on every read would cost more than the read).
        let mut piece = buf.take(READ_PIECE);
        std::task::ready!(Pin::new(&mut self.inner).poll_read(cx, &mut piece))?;
        let n = piece.filled().len();
        // SAFETY: `piece` views exactly the start of `buf`'s unfilled memory and a `ReadBuf`
        // cannot be pointed elsewhere, so the `n` bytes the read filled in `piece` are the
        // first `n` unfilled bytes of `buf`: they are initialized (tokio's documented use of
        // `ReadBuf::take`).
        #[allow(unsafe_code)]
        unsafe {
            buf.assume_init(n);
        }
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Capped<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::{Capped, READ_PIECE};

    #[tokio::test]
    async fn reads_are_capped_and_complete() {
        let (mut tx, rx) = tokio::io::duplex(1 << 20);
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        tx.write_all(&data).await.expect("write");
        drop(tx);
        let mut capped = Capped::new(rx);
        let mut buf = vec![0u8; 64 * 1024];
        let mut got = Vec::new();
        loop {
            let n = capped.read(&mut buf).await.expect("read");
            if n == 0 {
                break;
            }
            assert!(n <= READ_PIECE, "{n}");
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, data);
    }
}
