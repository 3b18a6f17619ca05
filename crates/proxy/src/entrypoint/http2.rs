//! The **http** stage's HTTP/2 server (h2c with prior knowledge, and TLS with ALPN `h2`), on
//! the `h2` crate directly rather than through hyper's server. A connection is one future:
//! it drives h2's connection (reading frames, flushing what streams queued) and polls its
//! streams itself ([`stream`]), so a request costs no task of its own, no body pipe task
//! and no second conversion of the connection's I/O. The settings are hyper's defaults,
//! which the entry points served with before (1 MiB windows, 16 KiB frames and header
//! lists, 1,024 locally reset streams), with the entry point's `maxConcurrentStreams` and
//! a 64 KiB send buffer per stream.
//!
//! A connection's streams share its task: they run concurrently but on one thread at a
//! time, as a connection's requests do on HTTP/1.1. What the connection and its streams
//! wake while the task is polling them (a response queued wakes the connection to flush
//! it) is served in the same poll ([`wake`]), not by polling the task again.

mod stream;
mod wake;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use arc_swap::ArcSwap;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::handler::ConnCtx;
use crate::table::RuntimeTable;

use self::wake::Wakers;

/// The start of HTTP/2's connection preface (a client speaking it with prior knowledge).
pub(super) const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n";

/// Per-stream send buffer of HTTP/2 responses (hyper's default is 400 KiB): with up to
/// `maxConcurrentStreams` streams a client that stops reading could otherwise pin that much
/// per stream.
pub(super) const SEND_BUFFER: usize = 64 * 1024;

/// The server's settings for an entry point.
pub(super) fn builder(max_concurrent_streams: u32) -> h2::server::Builder {
    let mut b = h2::server::Builder::new();
    b.initial_window_size(1 << 20)
        .initial_connection_window_size(1 << 20)
        .max_frame_size(16 << 10)
        .max_header_list_size(16 << 10)
        .max_local_error_reset_streams(Some(1024))
        .max_send_buffer_size(SEND_BUFFER)
        .max_concurrent_streams(max_concurrent_streams);
    b
}

/// How many times one poll goes round when woken while polling (a future that always wakes
/// itself, as tokio's resources do once the task's budget is spent, must not hold the
/// thread).
const ROUNDS: usize = 4;

/// One HTTP/2 connection being served.
pub(super) struct Server<IO> {
    state: State<IO>,
    streams: FuturesUnordered<stream::Served>,
    conn: Arc<ConnCtx>,
    tables: Arc<ArcSwap<RuntimeTable>>,
    /// Graceful shutdown was asked (applied once the handshake is done).
    closing: bool,
    /// The wakers the streams and the connection are polled with.
    wakers: Wakers,
}

enum State<IO> {
    Handshaking(h2::server::Handshake<IO, Bytes>),
    Serving(h2::server::Connection<IO, Bytes>),
    Done,
}

// === impl Server ===

impl<IO: AsyncRead + AsyncWrite + Unpin> Server<IO> {
    pub(super) fn new(
        builder: &h2::server::Builder,
        io: IO,
        conn: Arc<ConnCtx>,
        tables: Arc<ArcSwap<RuntimeTable>>,
    ) -> Self {
        Self {
            state: State::Handshaking(builder.handshake(io)),
            streams: FuturesUnordered::new(),
            conn,
            tables,
            closing: false,
            wakers: Wakers::new(),
        }
    }

    /// Sends GOAWAY: the streams open go on, no new one is taken, and the connection ends
    /// when they are done.
    pub(super) fn graceful_shutdown(&mut self) {
        self.closing = true;
        if let State::Serving(c) = &mut self.state {
            c.graceful_shutdown();
        }
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Future for Server<IO> {
    type Output = Result<(), h2::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.wakers.register(cx.waker());
        for _ in 0..ROUNDS {
            this.wakers.polling(true);
            let polled = this.turn();
            this.wakers.polling(false);
            let woken = this.wakers.woken();
            match polled {
                // Woken while polling: go round again rather than be polled again.
                Poll::Pending if woken => {}
                other => return other,
            }
        }
        // Still woken (tokio's budget for this poll is spent, say): polled again later.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<IO: AsyncRead + AsyncWrite + Unpin> Server<IO> {
    /// One turn: the handshake, or the streams and then the connection, until nothing is
    /// ready.
    fn turn(&mut self) -> Poll<Result<(), h2::Error>> {
        let mut streams_cx = Context::from_waker(&self.wakers.streams_waker);
        let mut conn_cx = Context::from_waker(&self.wakers.conn_waker);
        loop {
            self.wakers.clear_streams();
            self.wakers.clear_conn();
            match &mut self.state {
                State::Handshaking(hs) => match Pin::new(hs).poll(&mut conn_cx) {
                    Poll::Ready(Ok(mut c)) => {
                        if self.closing {
                            c.graceful_shutdown();
                        }
                        self.state = State::Serving(c);
                    }
                    Poll::Ready(Err(e)) => {
                        self.state = State::Done;
                        return Poll::Ready(Err(e));
                    }
                    Poll::Pending => return Poll::Pending,
                },
                State::Serving(c) => {
                    // The streams first: what they send is flushed by the connection's poll
                    // below, in this same turn.
                    while let Poll::Ready(Some(())) = self.streams.poll_next_unpin(&mut streams_cx)
                    {
                    }
                    // A response asked for the connection's end (`Connection: close`).
                    if !self.closing && self.conn.goaway.load(Ordering::Relaxed) {
                        self.closing = true;
                        c.graceful_shutdown();
                    }
                    // What the streams woke the connection for, this poll does.
                    self.wakers.clear_conn();
                    match c.poll_accept(&mut conn_cx) {
                        Poll::Ready(Some(Ok((req, respond)))) => {
                            let table = self.tables.load_full();
                            self.streams.push(stream::serve(
                                req,
                                respond,
                                self.conn.clone(),
                                table,
                            ));
                        }
                        Poll::Ready(Some(Err(e))) => {
                            self.state = State::Done;
                            return Poll::Ready(Err(e));
                        }
                        Poll::Ready(None) => {
                            self.state = State::Done;
                            return Poll::Ready(Ok(()));
                        }
                        Poll::Pending => return Poll::Pending,
                    }
                }
                State::Done => return Poll::Ready(Ok(())),
            }
        }
    }
}
