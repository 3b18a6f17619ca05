//! What a connection's task waits on beside the connection itself (the gateway draining,
//! the idle timer, the quiet timer at shutdown: [`Sides`]): polled only when one of them
//! woke the task ([`Aside`]), not on every wake of the connection. A request wakes a
//! connection's task twice or more (the client's bytes, the upstream's answer); polling a
//! watch channel and a timer each time cost about 500 instructions a request.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;

/// The side futures' waker, and whether it fired since they were last polled.
pub(super) struct Aside {
    flag: Arc<Flag>,
    waker: Waker,
}

struct Flag {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.task.wake();
    }
}

// === impl Aside ===

impl Aside {
    /// Polls the side futures at their first chance.
    pub(super) fn new() -> Self {
        let flag = Arc::new(Flag {
            woken: AtomicBool::new(true),
            task: AtomicWaker::new(),
        });
        Self {
            waker: Waker::from(flag.clone()),
            flag,
        }
    }

    /// Runs `poll` (which polls the side futures with the context it is given) if they
    /// woke the task since the last time, or were [`Aside::renew`]ed; else `Pending`. The
    /// task of `cx` is the one their wakes wake.
    pub(super) fn poll<R>(
        &self,
        cx: &Context<'_>,
        poll: impl FnOnce(&mut Context<'_>) -> Poll<R>,
    ) -> Poll<R> {
        self.flag.task.register(cx.waker());
        if !self.flag.woken.swap(false, Ordering::SeqCst) {
            return Poll::Pending;
        }
        poll(&mut Context::from_waker(&self.waker))
    }

    /// The side futures changed (one finished, another started): poll them next time.
    pub(super) fn renew(&self) {
        self.flag.woken.store(true, Ordering::SeqCst);
    }
}

/// What a connection's task waits on beside the connection: the gateway draining, the
/// idle timer and (once the HTTP server serves) the quiet timer at shutdown, polled through
/// [`Aside`] only when they woke the task.
pub(super) struct Sides<'a, D, I, Q> {
    pub(super) aside: Aside,
    pub(super) drained: Pin<&'a mut D>,
    pub(super) idle: Pin<&'a mut I>,
    pub(super) quiet: Option<Pin<&'a mut Q>>,
}

impl<D: Future, I: Future<Output = ()>, Q: Future<Output = ()>> Sides<'_, D, I, Q> {
    /// The connection `conn` ending, or a side future that has not fired yet (`draining`
    /// and `closing` say which have: a finished future is not polled again).
    pub(super) async fn next<T>(
        &mut self,
        mut conn: Pin<&mut impl Future<Output = T>>,
        draining: bool,
        closing: bool,
    ) -> Woke<T> {
        let Self {
            aside,
            drained,
            idle,
            quiet,
        } = self;
        let woke = std::future::poll_fn(|cx| {
            if let Poll::Ready(ended) = conn.as_mut().poll(cx) {
                return Poll::Ready(Woke::Conn(ended));
            }
            aside.poll(cx, |side| {
                if !draining && drained.as_mut().poll(side).is_ready() {
                    return Poll::Ready(Woke::Drain);
                }
                if !closing && idle.as_mut().poll(side).is_ready() {
                    return Poll::Ready(Woke::Idle);
                }
                if draining
                    && let Some(quiet) = quiet
                    && quiet.as_mut().poll(side).is_ready()
                {
                    return Poll::Ready(Woke::Quiet);
                }
                Poll::Pending
            })
        })
        .await;
        aside.renew();
        woke
    }
}

/// What woke a connection's task: the connection (with its outcome), or one of the side
/// futures ([`Sides`]).
pub(super) enum Woke<T> {
    Conn(T),
    Drain,
    Idle,
    Quiet,
}

/// A waker that counts its wakes, for the tests of this module and of `http2::wake`.
#[cfg(test)]
pub(super) struct Count(pub(super) std::sync::atomic::AtomicUsize);

#[cfg(test)]
impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// One poll of `aside`; returns the side waker when the side futures were polled.
    fn poll(aside: &Aside, cx: &Context<'_>) -> Option<Waker> {
        let mut seen = None;
        let _ = aside.poll(cx, |acx| {
            seen = Some(acx.waker().clone());
            Poll::<()>::Pending
        });
        seen
    }

    #[test]
    fn side_futures_are_polled_first_then_only_when_they_woke() {
        let task = Arc::new(Count(AtomicUsize::new(0)));
        let task_waker = Waker::from(task.clone());
        let cx = Context::from_waker(&task_waker);
        let aside = Aside::new();
        let side = poll(&aside, &cx).expect("polled at first");
        assert!(poll(&aside, &cx).is_none(), "polled again without a wake");
        // The side future's waker wakes the task and lets the next poll through.
        side.wake();
        assert_eq!(task.0.load(Ordering::SeqCst), 1);
        assert!(poll(&aside, &cx).is_some());
        assert!(poll(&aside, &cx).is_none());
        aside.renew();
        assert!(poll(&aside, &cx).is_some());
    }
}
