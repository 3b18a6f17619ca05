//! The wakers a connection's streams and h2's connection are polled with: while the
//! connection's task is polling them they only note that they were woken (the poll goes
//! round again), otherwise they wake the task.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Wake, Waker};

use futures_util::task::AtomicWaker;

/// Wakers that, while the connection is being polled, only note that they were woken (the
/// poll then goes round again), and otherwise wake the connection's task. One for the
/// streams, one for h2's connection: a response queued by a stream wakes the connection,
/// whose poll comes next in the same round anyway.
pub(super) struct Wakers {
    coalesce: Arc<Coalesce>,
    streams: Arc<Side>,
    conn: Arc<Side>,
    pub(super) streams_waker: Waker,
    pub(super) conn_waker: Waker,
}

#[derive(Debug, Default)]
struct Coalesce {
    polling: AtomicBool,
    task: AtomicWaker,
}

/// One side's waker.
#[derive(Debug)]
struct Side {
    woken: AtomicBool,
    /// The streams' side: a wake by reference while polling is `FuturesUnordered` yielding
    /// after polling each of its futures once (it does so whether or not one is ready);
    /// a stream that is ready wakes it by value (through its `AtomicWaker`).
    ignore_yield: bool,
    coalesce: Arc<Coalesce>,
}

// === impl Wakers ===

impl Wakers {
    pub(super) fn new() -> Self {
        let coalesce = Arc::new(Coalesce::default());
        let side = |ignore_yield| {
            Arc::new(Side {
                woken: AtomicBool::new(false),
                ignore_yield,
                coalesce: coalesce.clone(),
            })
        };
        let (streams, conn) = (side(true), side(false));
        Self {
            streams_waker: Waker::from(streams.clone()),
            conn_waker: Waker::from(conn.clone()),
            streams,
            conn,
            coalesce,
        }
    }

    /// The task to wake when woken outside a poll.
    pub(super) fn register(&self, task: &Waker) {
        self.coalesce.task.register(task);
    }

    /// The connection's task is polling (or has stopped).
    pub(super) fn polling(&self, polling: bool) {
        self.coalesce.polling.store(polling, Ordering::SeqCst);
    }

    /// Forgets the streams' wakes (they are about to be polled).
    pub(super) fn clear_streams(&self) {
        self.streams.woken.store(false, Ordering::SeqCst);
    }

    /// Forgets the connection's wakes (it is about to be polled).
    pub(super) fn clear_conn(&self) {
        self.conn.woken.store(false, Ordering::SeqCst);
    }

    /// Whether either side was woken since it was cleared.
    pub(super) fn woken(&self) -> bool {
        self.streams.woken.load(Ordering::SeqCst) || self.conn.woken.load(Ordering::SeqCst)
    }
}

// === impl Side ===

impl Side {
    fn woken(&self) {
        // Noted first: a poll that ends after this sees it; one that had ended is woken.
        self.woken.store(true, Ordering::SeqCst);
        if !self.coalesce.polling.load(Ordering::SeqCst) {
            self.coalesce.task.wake();
        }
    }
}

impl Wake for Side {
    fn wake(self: Arc<Self>) {
        self.woken();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.ignore_yield && self.coalesce.polling.load(Ordering::SeqCst) {
            return;
        }
        self.woken();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entrypoint::aside::Count;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn wakes_while_polling_are_noted_and_others_wake_the_task() {
        let task = Arc::new(Count(AtomicUsize::new(0)));
        let w = Wakers::new();
        w.register(&Waker::from(task.clone()));
        // While polling: noted, the task is not woken.
        w.polling(true);
        w.conn_waker.wake_by_ref();
        assert!(w.woken());
        assert_eq!(task.0.load(Ordering::SeqCst), 0);
        w.clear_conn();
        assert!(!w.woken());
        // FuturesUnordered's yield (by reference) is not a wake; a stream's (by value) is.
        w.streams_waker.wake_by_ref();
        assert!(!w.woken());
        #[allow(clippy::waker_clone_wake)] // a wake by value, as an AtomicWaker wakes
        w.streams_waker.clone().wake();
        assert!(w.woken());
        w.clear_streams();
        w.polling(false);
        // Outside a poll: the task is woken.
        w.conn_waker.wake_by_ref();
        assert_eq!(task.0.load(Ordering::SeqCst), 1);
        w.register(&Waker::from(task.clone()));
        w.streams_waker.wake_by_ref();
        assert_eq!(task.0.load(Ordering::SeqCst), 2);
    }
}
