//! The response body on the fast path, framed as hyper frames it: exactly `Content-Length`
//! bytes (more are cut, fewer end the connection), or chunks ending with `0\r\n\r\n`
//! (trailers are not sent: requests with `TE: trailers` go to hyper). The head and small
//! bodies leave in one write; bytes wait in `out` only while the body has more ready, so a
//! slow upstream never holds back what is already here.

use std::future::poll_fn;
use std::io::IoSlice;
use std::pin::Pin;
use std::task::Poll;

use http_body::Body as _;
use http_body_util::BodyExt as _;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::encode::Framing;
use crate::entrypoint::ServedBody;

/// Data up to this size is copied behind the head; larger pieces are written from where
/// they are.
const COPY_MAX: usize = 16 * 1024;

/// Why a response could not be completed: the connection closes.
#[derive(Debug)]
pub(super) enum Broken {
    /// The socket failed or a write timer ran out.
    Io,
    /// The body failed, or ended before its `Content-Length`.
    Body,
}

/// Writes the head already in `out`, then the body as `framing` says.
pub(super) async fn respond<IO>(
    io: &mut IO,
    out: &mut Vec<u8>,
    body: ServedBody,
    framing: Framing,
) -> Result<(), Broken>
where
    IO: AsyncWrite + Unpin,
{
    let mut remaining = match framing {
        Framing::Length(0) => {
            drop(body);
            return flush(io, out).await;
        }
        Framing::Length(n) => Some(n),
        Framing::Chunked => None,
    };
    // Dropped before the last flush: its metrics and access-log line are recorded by the
    // time the client has the whole response (as Go's handler returns before its flush).
    let mut body = body;
    loop {
        // A frame that is ready joins what waits; otherwise what waits leaves first.
        let frame = match poll_fn(|cx| Poll::Ready(Pin::new(&mut body).poll_frame(cx))).await {
            Poll::Ready(frame) => frame,
            Poll::Pending => {
                write_out(io, out).await?;
                body.frame().await
            }
        };
        let data = match frame {
            None => break,
            Some(Err(_)) => return Err(Broken::Body),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) if !data.is_empty() => data,
                // Empty data and trailers write nothing.
                Ok(_) | Err(_) => continue,
            },
        };
        match &mut remaining {
            Some(left) => {
                let n = usize::try_from(*left).unwrap_or(usize::MAX).min(data.len());
                if n as u64 == *left {
                    // Everything owed is here: the rest of the body is not read.
                    drop(body);
                    put(io, out, &data[..n], b"").await?;
                    return flush(io, out).await;
                }
                put(io, out, &data[..n], b"").await?;
                *left -= n as u64;
            }
            None => {
                out.extend_from_slice(format_hex(data.len()).as_bytes());
                out.extend_from_slice(b"\r\n");
                put(io, out, &data, b"\r\n").await?;
            }
        }
        if body.is_end_stream() {
            break;
        }
    }
    drop(body);
    match remaining {
        Some(left) if left > 0 => Err(Broken::Body),
        Some(_) => flush(io, out).await,
        None => {
            out.extend_from_slice(b"0\r\n\r\n");
            flush(io, out).await
        }
    }
}

/// Adds `data` then `tail` behind `out`: copied when small, else written with it.
async fn put<IO>(io: &mut IO, out: &mut Vec<u8>, data: &[u8], tail: &[u8]) -> Result<(), Broken>
where
    IO: AsyncWrite + Unpin,
{
    if out.len() + data.len() <= COPY_MAX {
        out.extend_from_slice(data);
        out.extend_from_slice(tail);
        return Ok(());
    }
    let mut parts = [&out[..], data];
    write_all_vectored(io, &mut parts).await?;
    out.clear();
    out.extend_from_slice(tail);
    Ok(())
}

/// Writes `parts` in order, as few writes as the socket allows.
async fn write_all_vectored<IO>(io: &mut IO, parts: &mut [&[u8]; 2]) -> Result<(), Broken>
where
    IO: AsyncWrite + Unpin,
{
    while parts.iter().any(|p| !p.is_empty()) {
        let slices = [IoSlice::new(parts[0]), IoSlice::new(parts[1])];
        let n = io.write_vectored(&slices).await.map_err(|_| Broken::Io)?;
        if n == 0 {
            return Err(Broken::Io);
        }
        let first = n.min(parts[0].len());
        parts[0] = &parts[0][first..];
        parts[1] = &parts[1][n - first..];
    }
    Ok(())
}

/// Writes what waits in `out`.
async fn write_out<IO>(io: &mut IO, out: &mut Vec<u8>) -> Result<(), Broken>
where
    IO: AsyncWrite + Unpin,
{
    if !out.is_empty() {
        io.write_all(out).await.map_err(|_| Broken::Io)?;
        out.clear();
    }
    Ok(())
}

/// Writes what waits and flushes the stream (a TLS stream writes its records).
pub(super) async fn flush<IO>(io: &mut IO, out: &mut Vec<u8>) -> Result<(), Broken>
where
    IO: AsyncWrite + Unpin,
{
    write_out(io, out).await?;
    io.flush().await.map_err(|_| Broken::Io)
}

/// A chunk size in upper-case hex, as hyper writes it.
fn format_hex(n: usize) -> HexLen {
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    let mut v = n;
    loop {
        i -= 1;
        buf[i] = b"0123456789ABCDEF"[v & 0xf];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    HexLen { buf, start: i }
}

struct HexLen {
    buf: [u8; 16],
    start: usize,
}

impl HexLen {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunk_sizes_are_upper_case_hex() {
        for (n, s) in [
            (0, "0"),
            (1, "1"),
            (255, "FF"),
            (4096, "1000"),
            (usize::MAX, "FFFFFFFFFFFFFFFF"),
        ] {
            assert_eq!(super::format_hex(n).as_bytes(), s.as_bytes());
        }
    }
}
