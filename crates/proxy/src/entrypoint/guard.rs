//! What bounds one client connection in time and memory, shared by its IO wrapper
//! ([`GuardedIo`]), its requests and their response bodies ([`ServedBody`]):
//!
//! - **idle** (`idleTimeout`): no request in flight and no byte of a new one for that long →
//!   graceful close (HTTP/2 GOAWAY). Measured from the end of the last response, as Go does.
//! - **head** (`readTimeout`): from the first byte of a request (from the accept for the first
//!   one) to the end of its head; the body's share is enforced by the request body itself.
//! - **write** (`writeTimeout`, HTTP/1.x): writes of a response fail once this long has passed
//!   since its request's head was read (Go's `WriteTimeout`); HTTP/2 responses get it per
//!   stream in [`ServedBody`].
//! - **stall** (`waygate.writeStallTimeout`, 60 s by default): pending response bytes that
//!   make no progress for that long close the connection, even when `writeTimeout` is 0.
//! - **backpressure** (HTTP/1.x): a response body is not read from the upstream while more
//!   than [`WRITE_AHEAD`] (4 KiB) bytes of it wait in the server's buffers for a slow client, so a
//!   client that never reads pins a bounded amount of memory. Until the first of its bytes
//!   is written the allowance is [`FIRST_AHEAD`] (16 KiB), so a response of that size leaves
//!   in one write with its head instead of two.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::Body;
use crate::body::BodyError;
use crate::middleware::Held;

/// Response bytes allowed to wait in the server's buffers before the upstream body is no
/// longer read (HTTP/1.x).
pub(crate) const WRITE_AHEAD: u64 = 4 * 1024;

/// The allowance before any byte of the response was written: the fast path gathers this
/// much behind the head (its `COPY_MAX`), so a 16 KiB body leaves in one write. Two writes
/// cost the 16 KiB benchmark ~30 % more system time a request (a second, small segment).
const FIRST_AHEAD: u64 = 16 * 1024;

/// The entry point's connection timeouts (`None` = unbounded).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Timeouts {
    pub(crate) read: Option<Duration>,
    pub(crate) idle: Option<Duration>,
    pub(crate) write: Option<Duration>,
    pub(crate) stall: Option<Duration>,
}

/// Per-connection state shared by the IO, the requests and the response bodies.
#[derive(Debug)]
pub(crate) struct ConnGuard {
    accepted: Instant,
    pub(crate) timeouts: Timeouts,
    /// Bytes the socket (or TLS layer) accepted.
    written: AtomicU64,
    /// Requests in flight, and requests started so far.
    active: AtomicUsize,
    started: AtomicU64,
    /// Milliseconds after `accepted` when the connection last went idle.
    idle_since_ms: AtomicU64,
    /// Bytes of a request head arrived and its head is not complete yet.
    head_in_progress: AtomicBool,
    /// Milliseconds after `accepted` when writes of the current HTTP/1 response must fail
    /// (0 = none).
    write_deadline_ms: AtomicU64,
    /// The connection speaks HTTP/2 (learnt from its first request).
    h2: AtomicBool,
    /// The connection was upgraded (WebSocket, …): HTTP's head and write timers no longer
    /// apply; the stall guard does.
    upgraded: AtomicBool,
    /// A response body waiting for the client to read (backpressure).
    gate_waiting: AtomicBool,
    gate_waker: Mutex<Option<Waker>>,
    /// `inFlightReq` slots of the request that upgraded the connection: released when the
    /// connection (the tunnel) closes and this guard is dropped with it.
    tunnel_slots: Mutex<Held>,
}

/// One request in flight; its drop ends the request (connection idle accounting) and
/// releases the `inFlightReq` slots it holds.
#[derive(Debug)]
pub(crate) struct RequestToken {
    guard: Arc<ConnGuard>,
    held: Held,
}

// === impl ConnGuard ===

impl ConnGuard {
    pub(crate) fn new(timeouts: Timeouts) -> Self {
        Self {
            accepted: Instant::now(),
            timeouts,
            written: AtomicU64::new(0),
            active: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            idle_since_ms: AtomicU64::new(0),
            // The first request's head is due within readTimeout of the accept.
            head_in_progress: AtomicBool::new(true),
            write_deadline_ms: AtomicU64::new(0),
            h2: AtomicBool::new(false),
            upgraded: AtomicBool::new(false),
            gate_waiting: AtomicBool::new(false),
            gate_waker: Mutex::new(None),
            tunnel_slots: Mutex::default(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn at(&self, ms: u64) -> Instant {
        self.accepted + Duration::from_millis(ms)
    }

    /// A request's head has been read.
    pub(crate) fn request_started(self: &Arc<Self>, h2: bool) -> RequestToken {
        self.started.fetch_add(1, Ordering::Relaxed);
        self.active.fetch_add(1, Ordering::AcqRel);
        self.head_in_progress.store(false, Ordering::Relaxed);
        if h2 {
            self.h2.store(true, Ordering::Relaxed);
        } else if let Some(w) = self.timeouts.write {
            let ms = u64::try_from(w.as_millis()).unwrap_or(u64::MAX);
            self.write_deadline_ms
                .store(self.now_ms().saturating_add(ms.max(1)), Ordering::Relaxed);
        }
        RequestToken {
            guard: self.clone(),
            held: Held::default(),
        }
    }

    fn request_finished(&self) {
        if self.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.idle_since_ms.store(self.now_ms(), Ordering::Relaxed);
        }
    }

    /// The response switched protocols: the connection is a tunnel from now on, holding
    /// `held` until it closes.
    pub(crate) fn upgraded(&self, held: Held) {
        if !held.is_empty() {
            *self
                .tunnel_slots
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = held;
        }
        self.upgraded.store(true, Ordering::Relaxed);
        self.write_deadline_ms.store(0, Ordering::Relaxed);
    }

    pub(crate) fn is_h2(&self) -> bool {
        self.h2.load(Ordering::Relaxed)
    }

    /// Completes when the connection has been idle for `idleTimeout` (never without one).
    pub(crate) async fn idle_expired(&self) {
        let Some(idle) = self.timeouts.idle else {
            return std::future::pending().await;
        };
        loop {
            let quiet = self.active.load(Ordering::Acquire) == 0
                && !self.head_in_progress.load(Ordering::Relaxed);
            let deadline = if quiet {
                self.at(self.idle_since_ms.load(Ordering::Relaxed)) + idle
            } else {
                Instant::now() + idle
            };
            if quiet && deadline <= Instant::now() {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }

    /// Completes once no request has been in flight for `quiet` (checked every 50 ms; used
    /// while shutting down, so an idle client cannot hold the shutdown).
    pub(crate) async fn quiet_for(&self, quiet: Duration) {
        let step = Duration::from_millis(50);
        let mut calm = Duration::ZERO;
        while calm < quiet {
            tokio::time::sleep(step).await;
            calm = if self.active.load(Ordering::Acquire) == 0 {
                calm + step
            } else {
                Duration::ZERO
            };
        }
    }

    fn wrote(&self, n: usize) {
        self.written.fetch_add(n as u64, Ordering::Relaxed);
        if self.gate_waiting.load(Ordering::Acquire) {
            self.gate_waiting.store(false, Ordering::Release);
            let waker = self
                .gate_waker
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

impl RequestToken {
    /// The token, also holding `held` until the request ends.
    pub(crate) fn holding(mut self, held: Held) -> Self {
        self.held = held;
        self
    }
}

impl Drop for RequestToken {
    fn drop(&mut self) {
        self.guard.request_finished();
    }
}

/// The connection's IO with the head, write and stall timers, and write accounting.
#[derive(Debug)]
pub(crate) struct GuardedIo<T> {
    inner: T,
    guard: Arc<ConnGuard>,
    /// The head timer, kept for the connection's life and reset for each head: a new
    /// timer per request would wake the runtime's driver each time (its deadline comes
    /// before the idle timer's), a reset to a later deadline does not.
    head: Option<Pin<Box<Sleep>>>,
    /// The request count when the head timer was armed; `None`: disarmed.
    head_armed_at: Option<u64>,
    /// The stall timer (kept and reset rather than reallocated); armed while a write waits.
    stall: Option<Pin<Box<Sleep>>>,
    stall_armed: bool,
}

// === impl GuardedIo ===

impl<T> GuardedIo<T> {
    pub(crate) fn new(inner: T, guard: Arc<ConnGuard>) -> Self {
        let head = guard
            .timeouts
            .read
            .map(|t| Box::pin(tokio::time::sleep_until(guard.accepted + t)));
        Self {
            inner,
            guard,
            head_armed_at: head.as_ref().map(|_| 0),
            head,
            stall: None,
            stall_armed: false,
        }
    }

    /// Bytes arrived: a new request's head starts if the connection was idle (HTTP/1).
    fn on_read(&mut self) {
        let g = &self.guard;
        if self
            .head_armed_at
            .is_some_and(|at| at != g.started.load(Ordering::Relaxed))
        {
            self.head_armed_at = None;
        }
        if self.head_armed_at.is_some()
            || g.is_h2()
            || g.upgraded.load(Ordering::Relaxed)
            || g.active.load(Ordering::Acquire) != 0
        {
            return;
        }
        g.head_in_progress.store(true, Ordering::Relaxed);
        if let Some(t) = g.timeouts.read {
            let deadline = Instant::now() + t;
            match &mut self.head {
                Some(sleep) => sleep.as_mut().reset(deadline),
                None => self.head = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
            self.head_armed_at = Some(g.started.load(Ordering::Relaxed));
        }
    }

    /// The head timer: `Err` once it elapsed while the head is still incomplete.
    fn poll_head(&mut self, cx: &mut Context<'_>) -> std::io::Result<()> {
        let (Some(armed_at), Some(sleep)) = (self.head_armed_at, &mut self.head) else {
            return Ok(());
        };
        if self.guard.started.load(Ordering::Relaxed) != armed_at
            || self.guard.upgraded.load(Ordering::Relaxed)
        {
            self.head_armed_at = None;
            return Ok(());
        }
        if sleep.as_mut().poll(cx).is_ready() {
            return Err(timed_out("request head not received within readTimeout"));
        }
        Ok(())
    }

    fn check_write_deadline(&self) -> std::io::Result<()> {
        let ms = self.guard.write_deadline_ms.load(Ordering::Relaxed);
        if ms != 0 && self.guard.now_ms() >= ms {
            return Err(timed_out("response not written within writeTimeout"));
        }
        Ok(())
    }

    /// A write's outcome: progress disarms the stall timer, waiting runs it.
    fn account(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<std::io::Result<usize>>,
    ) -> Poll<std::io::Result<usize>> {
        match written {
            Poll::Ready(Ok(n)) => {
                self.stall_armed = false;
                self.guard.wrote(n);
            }
            Poll::Pending => self.poll_stall(cx)?,
            Poll::Ready(Err(_)) => {}
        }
        written
    }

    /// A write is waiting: the stall timer (and the write deadline) run.
    fn poll_stall(&mut self, cx: &mut Context<'_>) -> std::io::Result<()> {
        let g = &self.guard;
        let deadline_ms = g.write_deadline_ms.load(Ordering::Relaxed);
        let stall = g.timeouts.stall.map(|s| Instant::now() + s);
        let write = (deadline_ms != 0).then(|| g.at(deadline_ms));
        let due = match (stall, write) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return Ok(()),
        };
        if !self.stall_armed {
            self.stall_armed = true;
            match &mut self.stall {
                Some(s) => s.as_mut().reset(due),
                None => self.stall = Some(Box::pin(tokio::time::sleep_until(due))),
            }
        }
        if let Some(s) = &mut self.stall
            && s.as_mut().poll(cx).is_ready()
        {
            return Err(timed_out("client made no write progress"));
        }
        Ok(())
    }
}

fn timed_out(what: &'static str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, what)
}

impl<T: AsyncRead + Unpin> AsyncRead for GuardedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.on_read();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                self.poll_head(cx)?;
                Poll::Pending
            }
            other => other,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for GuardedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.check_write_deadline()?;
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.account(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        self.check_write_deadline()?;
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.account(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => {
                self.poll_stall(cx)?;
                Poll::Pending
            }
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A response body on its way to the client: ends its request when done, applies HTTP/1
/// backpressure, and the HTTP/2 per-stream `writeTimeout`.
#[derive(Debug)]
pub(crate) struct ServedBody {
    inner: Body,
    token: Option<RequestToken>,
    /// HTTP/1: `written` when the body was first polled, and body bytes yielded since.
    gate: Option<(Option<u64>, u64)>,
    /// HTTP/2 `writeTimeout`.
    deadline: Option<Pin<Box<Sleep>>>,
    /// Prometheus metrics of the request: counts the bytes, records when dropped.
    observed: Option<Box<crate::metrics::Observation>>,
}

// === impl ServedBody ===

impl ServedBody {
    pub(crate) fn new(inner: Body, token: RequestToken, h2: bool, started: Instant) -> Self {
        let done = http_body::Body::is_end_stream(&inner);
        let write = token.guard.timeouts.write;
        let deadline = write
            .filter(|_| h2 && !done)
            .map(|w| Box::pin(tokio::time::sleep_until(started + w)));
        Self {
            inner,
            // A body that is already complete ends its request now.
            token: (!done).then_some(token),
            gate: (!h2).then_some((None, 0)),
            deadline,
            observed: None,
        }
    }

    /// Carries the request's metrics observation until the body is done.
    pub(crate) fn observed(mut self, obs: Option<Box<crate::metrics::Observation>>) -> Self {
        self.observed = obs;
        self
    }

    /// HTTP/1 backpressure: `Pending` (with the waker registered) while too much of this
    /// body waits unwritten.
    fn poll_gate(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let (Some(token), Some((base, yielded))) = (&self.token, &mut self.gate) else {
            return Poll::Ready(());
        };
        let g = &token.guard;
        let written = g.written.load(Ordering::Relaxed);
        let base = *base.get_or_insert(written);
        if *yielded <= allowance(written.saturating_sub(base)) {
            return Poll::Ready(());
        }
        *g.gate_waker.lock().unwrap_or_else(PoisonError::into_inner) = Some(cx.waker().clone());
        g.gate_waiting.store(true, Ordering::Release);
        // A write may have landed between the check and the registration.
        let written = g.written.load(Ordering::Relaxed);
        if *yielded <= allowance(written.saturating_sub(base)) {
            g.gate_waiting.store(false, Ordering::Release);
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// How many body bytes may have been yielded when `sent` bytes of the response (its head
/// with them) were written: the first write may carry [`FIRST_AHEAD`], then [`WRITE_AHEAD`]
/// may wait.
fn allowance(sent: u64) -> u64 {
    if sent == 0 {
        FIRST_AHEAD
    } else {
        sent + WRITE_AHEAD
    }
}

impl http_body::Body for ServedBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        if self.deadline.as_ref().is_some_and(|d| d.is_elapsed()) {
            self.token = None;
            self.deadline = None;
            return Poll::Ready(Some(Err(BodyError::WriteTimeout)));
        }
        std::task::ready!(self.poll_gate(cx));
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(o) = &mut self.observed {
                    o.frame(frame);
                }
                if let (Some(d), Some((_, yielded))) = (frame.data_ref(), &mut self.gate) {
                    *yielded += d.len() as u64;
                }
                if http_body::Body::is_end_stream(&self.inner) {
                    self.token = None;
                }
            }
            Poll::Ready(_) => self.token = None,
            Poll::Pending => {
                if let Some(d) = &mut self.deadline
                    && d.as_mut().poll(cx).is_ready()
                {
                    self.token = None;
                    self.deadline = None;
                    return Poll::Ready(Some(Err(BodyError::WriteTimeout)));
                }
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}

#[cfg(test)]
mod tests;
