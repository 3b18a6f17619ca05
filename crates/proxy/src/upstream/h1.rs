//! The HTTP/1.1 fast path to plain `http://` servers, for requests without a body (most
//! requests): the request's own task writes the head and reads the response on the socket,
//! with no connection task, channel or copy of the request in between. The response body
//! is read from the same socket ([`H1Body`]) and hands the connection back to its pool at
//! its end. Requests with a body, upgrades and TLS servers take hyper's client
//! (`pool.rs`); an idle fast-path connection can become one of hyper's.

mod chunked;
mod head;
#[cfg(test)]
mod props;

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::{BufMut, Bytes, BytesMut};
use http::HeaderMap;
use http_body::{Frame, SizeHint};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use self::chunked::{Chunked, Decoded};
pub(super) use self::head::{Framing, Head};
use super::Pool;
use super::capped::READ_PIECE;
use crate::Request;
use crate::forwarded::Deferred;
use crate::rescue::ProxyError;

/// The largest response head accepted (as on hyper's path).
const MAX_RESPONSE_HEAD: usize = 1 << 20;

/// Below this much free room the read buffer gets a new piece: a buffer serves many small
/// responses before it is replaced.
const MIN_ROOM: usize = 2048;

/// The largest header map (in fields) kept for the next response (see [`H1Conn::recycle`]).
const RECYCLED_MAX: usize = 64;

/// A connection on the fast path, between requests or carrying one.
#[derive(Debug)]
pub(crate) struct H1Conn {
    stream: TcpStream,
    /// Read and not yet consumed; empty between requests.
    buf: BytesMut,
    /// The request head being written (kept for its capacity).
    out: Vec<u8>,
    /// An emptied header map for the next response head: the last request's (see
    /// [`H1Conn::recycle`]), so a response costs no map allocation.
    spare: HeaderMap,
}

/// Why a request failed on a connection.
#[derive(Debug)]
pub(crate) enum SendError {
    /// Nothing of the request was written: it may go out on another connection.
    NotWritten(String),
    /// Written (maybe in part), but the connection closed before any byte of a response:
    /// the server may have closed a reused connection just as it was reused.
    Closed(String),
    /// The server answered badly, or the connection broke mid-response.
    Failed(String),
}

/// A response body read from a fast-path connection.
#[derive(Debug)]
pub struct H1Body {
    /// `None` once the body ended (the connection is back in its pool) or failed.
    conn: Option<Box<H1Conn>>,
    pool: Arc<Pool>,
    kind: Kind,
    keep_alive: bool,
}

#[derive(Debug)]
enum Kind {
    /// What is left of a `Content-Length` body.
    Length(u64),
    Chunked(Chunked),
    Close,
}

impl From<SendError> for ProxyError {
    fn from(e: SendError) -> Self {
        match e {
            SendError::NotWritten(e) | SendError::Closed(e) | SendError::Failed(e) => {
                ProxyError::Upstream(e)
            }
        }
    }
}

// === impl H1Conn ===

impl H1Conn {
    pub(crate) fn new(stream: TcpStream) -> Box<Self> {
        Box::new(Self {
            stream,
            buf: BytesMut::new(),
            out: Vec::new(),
            spare: HeaderMap::new(),
        })
    }

    /// Keeps the header map of a request this connection carried, emptied, for the next
    /// response's fields: the maps go round (response → the client connection's next request
    /// → this connection) instead of one being made and one dropped per request. A map grown
    /// large by one odd request is let go.
    pub(crate) fn recycle(&mut self, mut headers: HeaderMap) {
        if headers.capacity() <= RECYCLED_MAX {
            headers.clear();
            self.spare = headers;
        }
    }

    /// Whether an idle connection can carry a request: the server neither closed it nor
    /// sent anything unasked. Costs no system call unless the socket became readable.
    pub(crate) fn alive(&self) -> bool {
        let mut probe = [0u8; 1];
        matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }

    /// The socket, for hyper's client (only between requests, when nothing is buffered).
    pub(crate) fn into_stream(self) -> TcpStream {
        self.stream
    }

    /// Sends `req` (it has no body) and reads the response head. The future does not
    /// borrow `req` (a request is not `Sync`).
    pub(crate) fn send(
        mut self: Box<Self>,
        req: &Request,
        forwarded: Option<&Deferred>,
    ) -> impl Future<Output = Result<(Head, Box<Self>), SendError>> + Send + use<> {
        head::write_request(&mut self.out, req, forwarded);
        self.exchange(req.method() == http::Method::HEAD)
    }

    /// Writes the request head in `out` and reads the response head. `head_request`: the
    /// request was `HEAD` (its response has no body whatever it says).
    async fn exchange(
        mut self: Box<Self>,
        head_request: bool,
    ) -> Result<(Head, Box<Self>), SendError> {
        let mut written = 0;
        while written < self.out.len() {
            match self.stream.write(&self.out[written..]).await {
                Ok(n) if n > 0 => written += n,
                Ok(_) if written == 0 => return Err(SendError::NotWritten("write: zero".into())),
                Err(e) if written == 0 => return Err(SendError::NotWritten(e.to_string())),
                Ok(_) => return Err(SendError::Closed("connection closed while writing".into())),
                Err(e) => return Err(SendError::Closed(e.to_string())),
            }
        }
        let mut answered = false;
        loop {
            if !self.buf.is_empty() {
                answered = true;
                if let Some(head) =
                    head::parse_response(&mut self.buf, head_request, &mut self.spare)
                        .map_err(SendError::Failed)?
                {
                    return Ok((head, self));
                }
                if self.buf.len() >= MAX_RESPONSE_HEAD {
                    return Err(SendError::Failed("message head is too large".into()));
                }
            }
            let closed = |why: String| {
                if answered {
                    SendError::Failed(why)
                } else {
                    SendError::Closed(why)
                }
            };
            match std::future::poll_fn(|cx| self.poll_fill(cx)).await {
                Ok(0) => return Err(closed("connection closed before message completed".into())),
                Ok(_) => {}
                Err(e) => return Err(closed(e.to_string())),
            }
        }
    }

    /// Reads what the socket has into `buf`, at most [`READ_PIECE`] at a time. `Ok(0)`: the
    /// server closed the connection.
    ///
    /// Through tokio's `poll_read`, which takes a read shorter than its room as proof that
    /// the socket is drained and clears its readiness (the readiness `try_read` keeps): so
    /// [`alive`](Self::alive)'s probe before the next request costs no `recv` that would
    /// only say `EAGAIN`, unless the server sent something or closed in between.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.buf.capacity() - self.buf.len() < MIN_ROOM {
            self.buf.reserve(READ_PIECE);
        }
        let room = &mut (&mut self.buf).limit(READ_PIECE);
        tokio_util::io::poll_read_buf(Pin::new(&mut self.stream), cx, room)
    }
}

// === impl H1Body ===

impl H1Body {
    /// The body that follows `head` on `conn`; `None` when there is none (the connection is
    /// back in `pool` then, if it may be reused).
    pub(super) fn new(head: &Head, conn: Box<H1Conn>, pool: &Arc<Pool>) -> Option<Self> {
        let kind = match head.framing {
            Framing::Empty => {
                if head.keep_alive {
                    pool.checkin_h1(conn);
                }
                return None;
            }
            Framing::Length(n) => Kind::Length(n),
            Framing::Chunked => Kind::Chunked(Chunked::new()),
            Framing::Close => Kind::Close,
        };
        Some(Self {
            conn: Some(conn),
            pool: pool.clone(),
            kind,
            keep_alive: head.keep_alive,
        })
    }

    /// The body ended: its connection goes back to the pool, if it may carry another
    /// request and the server sent nothing beyond the body.
    fn finish(&mut self) {
        if let Some(conn) = self.conn.take()
            && self.keep_alive
            && conn.buf.is_empty()
        {
            self.pool.checkin_h1(conn);
        }
    }

    fn fail(&mut self, why: impl Into<String>) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        self.conn = None;
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::InvalidData,
            why.into(),
        ))))
    }
}

impl http_body::Body for H1Body {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        let this = &mut *self;
        loop {
            let Some(conn) = this.conn.as_mut() else {
                return Poll::Ready(None);
            };
            match &mut this.kind {
                Kind::Length(left) if !conn.buf.is_empty() => {
                    let n = conn
                        .buf
                        .len()
                        .min(usize::try_from(*left).unwrap_or(usize::MAX));
                    let data = conn.buf.split_to(n).freeze();
                    *left -= n as u64;
                    if *left == 0 {
                        this.finish();
                    }
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Kind::Close if !conn.buf.is_empty() => {
                    return Poll::Ready(Some(Ok(Frame::data(conn.buf.split().freeze()))));
                }
                Kind::Chunked(c) => match c.decode(&mut conn.buf) {
                    Ok(Decoded::Data(data)) => return Poll::Ready(Some(Ok(Frame::data(data)))),
                    Ok(Decoded::Trailers(t)) => {
                        this.finish();
                        return Poll::Ready(Some(Ok(Frame::trailers(t))));
                    }
                    Ok(Decoded::End) => {
                        this.finish();
                        return Poll::Ready(None);
                    }
                    Ok(Decoded::NeedMore) => {}
                    Err(e) => return this.fail(e),
                },
                Kind::Length(_) | Kind::Close => {}
            }
            match ready!(conn.poll_fill(cx)) {
                Ok(0) if matches!(this.kind, Kind::Close) => {
                    this.conn = None;
                    return Poll::Ready(None);
                }
                Ok(0) => return this.fail("connection closed before message completed"),
                Ok(_) => {}
                Err(e) => return this.fail(e.to_string()),
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.conn.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.conn, &self.kind) {
            (None, _) => SizeHint::with_exact(0),
            (Some(_), Kind::Length(left)) => SizeHint::with_exact(*left),
            _ => SizeHint::default(),
        }
    }
}
