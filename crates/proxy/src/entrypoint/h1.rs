//! The HTTP/1.1 server fast path: keep-alive requests without a body, served on the
//! connection's own task with no channel, no dispatcher and no second buffer — the common
//! case of an edge router (GET, HEAD, DELETE, OPTIONS… with no payload).
//!
//! hyper stays the server for everything else. The first request this path does not serve
//! (a body, an upgrade, `Expect`, HTTP/1.0, HTTP/2's preface, a malformed head: see
//! [`parse`]) and every byte after it go to hyper, which then serves the connection to its
//! end ([`Ended::Handover`]). So framing, smuggling rejections and error answers are
//! hyper's, and what is served here is written as hyper writes it ([`encode`]).
//!
//! The connection's [`GuardedIo`](super::guard::GuardedIo) is the IO here too, so the
//! head, write and stall timers and the response backpressure are the same on both paths.
//! As in hyper, a client that closes its side while its request is served cancels it.

mod encode;
mod parse;
mod write;

use std::future::poll_fn;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use arc_swap::ArcSwap;
use bytes::{Bytes, BytesMut};
use http::{Method, StatusCode};
use http_body::Body as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tracing::debug;

use self::encode::{BodyLen, Refused};
use self::parse::{Head, Scratch};
use crate::handler::{ConnCtx, handle};
use crate::table::RuntimeTable;

/// The read buffer's first size, and the least room a read is given (hyper's 8 KiB).
const READ_SIZE: usize = 8 * 1024;

/// How the fast path left the connection.
#[derive(Debug)]
pub(super) enum Ended {
    /// Closed (or to be closed): nothing more to serve.
    Closed,
    /// hyper serves the rest; these bytes were read and come first.
    Handover(Bytes),
}

/// What the connection's supervisor (idle timer, shutdown) needs to know and say.
#[derive(Debug, Default)]
pub(super) struct Phase {
    /// Waiting for (the rest of) a request head, no request in flight.
    reading: AtomicBool,
    /// The connection closes after the response in flight.
    closing: AtomicBool,
}

impl Phase {
    pub(super) fn reading(&self) -> bool {
        self.reading.load(Ordering::Relaxed)
    }

    pub(super) fn close_after_response(&self) {
        self.closing.store(true, Ordering::Relaxed);
    }
}

/// Serves requests until the connection ends or a request is for hyper.
pub(super) async fn serve<IO>(
    io: &mut IO,
    conn: &Arc<ConnCtx>,
    tables: &ArcSwap<RuntimeTable>,
    max_head: usize,
    phase: &Phase,
) -> Ended
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = BytesMut::with_capacity(READ_SIZE);
    let mut out = Vec::with_capacity(1024);
    let mut scratch = Scratch::default();
    loop {
        phase.reading.store(true, Ordering::Relaxed);
        let parsed = loop {
            if !buf.is_empty() {
                match parse::parse(&mut buf, &mut scratch) {
                    Head::Request(p) => break p,
                    Head::Decline(head) => return handover(head, buf),
                    Head::Partial if buf.len() >= max_head => {
                        return handover(Bytes::new(), buf);
                    }
                    Head::Partial => {}
                }
            }
            if buf.capacity() - buf.len() < READ_SIZE / 2 {
                buf.reserve(READ_SIZE);
            }
            match io.read_buf(&mut buf).await {
                Ok(0) => return Ended::Closed,
                Ok(_) => {}
                Err(e) => {
                    debug!(error = %e, "closing while reading a request head");
                    return Ended::Closed;
                }
            }
        };
        phase.reading.store(false, Ordering::Relaxed);
        let head_req = parsed.req.method() == Method::HEAD;
        let table = tables.load_full();
        let served = {
            let mut handling = pin!(handle(parsed.req, conn, table));
            // hyper's `mid_message_detect_eof`: with nothing buffered, a read that ends
            // the stream cancels the request; bytes that come (pipelined) wait.
            let mut watch = buf.is_empty();
            poll_fn(|cx| {
                if let Poll::Ready(resp) = handling.as_mut().poll(cx) {
                    return Poll::Ready(Some(resp));
                }
                if watch {
                    if buf.capacity() == buf.len() {
                        buf.reserve(READ_SIZE);
                    }
                    match tokio_util::io::poll_read_buf(std::pin::Pin::new(&mut *io), cx, &mut buf)
                    {
                        Poll::Ready(Ok(0) | Err(_)) => return Poll::Ready(None),
                        Poll::Ready(Ok(_)) => watch = false,
                        Poll::Pending => {}
                    }
                }
                Poll::Pending
            })
            .await
        };
        let Some(resp) = served else {
            debug!("the client closed the connection while its request was served");
            return Ended::Closed;
        };
        let keep_alive = parsed.keep_alive && !phase.closing.load(Ordering::Relaxed);
        let (parts, body) = resp.into_parts();
        let mut headers = parts.headers;
        let len = if body.is_end_stream() {
            BodyLen::None
        } else {
            body.size_hint()
                .exact()
                .map_or(BodyLen::Unknown, BodyLen::Known)
        };
        let encoded = encode::encode(
            parts.status,
            &mut headers,
            head_req,
            len,
            keep_alive,
            &mut out,
        );
        // The emptied map holds the next request's fields (as hyper reuses it).
        headers.clear();
        scratch.headers = headers;
        let (framing, last) = match encoded {
            Ok(x) => x,
            Err(refused) => {
                drop(body);
                return refuse(io, &mut out, refused, head_req).await;
            }
        };
        if write::respond(io, &mut out, body, framing).await.is_err() {
            return Ended::Closed;
        }
        // Shutdown or the idle timer may have asked while the response was written.
        if last || phase.closing.load(Ordering::Relaxed) {
            let _ = io.shutdown().await;
            return Ended::Closed;
        }
    }
}

/// hyper's answer to a final response it cannot write: a 1xx becomes a 500; a length it
/// cannot frame ends the connection with nothing written.
async fn refuse<IO>(io: &mut IO, out: &mut Vec<u8>, refused: Refused, head_req: bool) -> Ended
where
    IO: AsyncWrite + Unpin,
{
    debug!(?refused, "the response head cannot be written");
    if refused == Refused::Informational {
        // Not kept alive: the head says `Connection: close`.
        let status = StatusCode::INTERNAL_SERVER_ERROR;
        let mut headers = http::HeaderMap::new();
        if encode::encode(status, &mut headers, head_req, BodyLen::None, false, out).is_ok() {
            let _ = write::flush(io, out).await;
            let _ = io.shutdown().await;
        }
    }
    Ended::Closed
}

fn handover(head: Bytes, rest: BytesMut) -> Ended {
    if head.is_empty() {
        return Ended::Handover(rest.freeze());
    }
    if rest.is_empty() {
        return Ended::Handover(head);
    }
    let mut all = BytesMut::with_capacity(head.len() + rest.len());
    all.extend_from_slice(&head);
    all.extend_from_slice(&rest);
    Ended::Handover(all.freeze())
}
