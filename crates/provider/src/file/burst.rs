//! When a burst of file events is over and the files can be read: the watcher's debounce,
//! as a state machine without I/O (times are passed in).
//!
//! A writer that rewrites a file in place produces a write event for the truncation, more
//! for each chunk, and a close-after-write at the end; only after the close is the file
//! whole. So a file written to is *open* until its close-write is seen, and:
//!
//! - with no file open, the burst ends [`DEBOUNCE`] after its last event (one save is often
//!   several events), or [`MAX_DELAY`] after its first if events keep coming;
//! - with a file open, the burst ends when it is closed (then as above; right away if
//!   `MAX_DELAY` has passed), or [`CLOSE_WAIT`] after its first write if the writer never
//!   closes (a writer that keeps the file open, or a lost event): it is read anyway, and
//!   the read itself still waits for the file to be quiet (`stable.rs`);
//! - a burst never lasts more than `MAX_DELAY + CLOSE_WAIT`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

/// Quiet time after the last event before re-reading.
const DEBOUNCE: Duration = Duration::from_millis(75);
/// Upper bound on how long a continuous burst can delay a re-read when no file is open.
const MAX_DELAY: Duration = Duration::from_secs(1);
/// How long to wait for a writer's close-write after its first write.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// What a file event means for the debounce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Signal {
    /// Written to or created: a close-write will follow.
    Write(PathBuf),
    /// Closed after writing: this writer is done.
    Closed(PathBuf),
    /// Removed or renamed away or over: no close-write will follow for what was there.
    Gone(PathBuf),
    /// Anything else that changed (metadata).
    Other,
}

/// One burst of events, from its first event until it is time to read.
#[derive(Debug)]
pub(super) struct Burst {
    started: Instant,
    last: Instant,
    /// Files written to and not closed yet, with the time of their first write.
    open: HashMap<PathBuf, Instant>,
}

// === impl Burst ===

impl Burst {
    pub(super) fn new(now: Instant) -> Self {
        Self {
            started: now,
            last: now,
            open: HashMap::new(),
        }
    }

    pub(super) fn note(&mut self, signal: Signal, now: Instant) {
        self.last = now;
        match signal {
            Signal::Write(path) => {
                self.open.entry(path).or_insert(now);
            }
            Signal::Closed(path) | Signal::Gone(path) => {
                self.open.remove(&path);
            }
            Signal::Other => {}
        }
    }

    /// When to read if nothing else happens before.
    pub(super) fn deadline(&self) -> Instant {
        let hard = self.started + MAX_DELAY + CLOSE_WAIT;
        match self.open.values().min() {
            None => (self.last + DEBOUNCE).min(self.started + MAX_DELAY),
            Some(first_write) => (*first_write + CLOSE_WAIT).min(hard),
        }
    }

    /// Files still open for writing (read anyway because the wait is over).
    pub(super) fn unclosed(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn path() -> PathBuf {
        PathBuf::from("/etc/waygate/dynamic.yml")
    }

    #[test]
    fn without_writes_the_burst_ends_a_debounce_after_its_last_event() {
        let t0 = Instant::now();
        let mut b = Burst::new(t0);
        b.note(Signal::Gone(path()), t0);
        assert_eq!(b.deadline(), t0 + DEBOUNCE);
        b.note(Signal::Other, t0 + ms(50));
        assert_eq!(b.deadline(), t0 + ms(50) + DEBOUNCE);
        // Events that keep coming cannot delay the read past MAX_DELAY.
        b.note(Signal::Other, t0 + ms(990));
        assert_eq!(b.deadline(), t0 + MAX_DELAY);
    }

    #[test]
    fn a_write_waits_for_its_close_then_debounces() {
        let t0 = Instant::now();
        let mut b = Burst::new(t0);
        b.note(Signal::Write(path()), t0);
        // Chunks written slower than the debounce do not end the burst.
        b.note(Signal::Write(path()), t0 + ms(200));
        assert_eq!(b.deadline(), t0 + CLOSE_WAIT);
        b.note(Signal::Closed(path()), t0 + ms(300));
        assert_eq!(b.unclosed(), 0);
        assert_eq!(b.deadline(), t0 + ms(300) + DEBOUNCE);
    }

    #[test]
    fn a_writer_that_never_closes_is_read_after_the_close_wait() {
        let t0 = Instant::now();
        let mut b = Burst::new(t0);
        b.note(Signal::Write(path()), t0 + ms(10));
        assert_eq!(b.deadline(), t0 + ms(10) + CLOSE_WAIT);
        assert_eq!(b.unclosed(), 1);
    }

    #[test]
    fn a_close_after_max_delay_reads_at_once_and_the_burst_is_bounded() {
        let t0 = Instant::now();
        let mut b = Burst::new(t0);
        b.note(Signal::Other, t0);
        b.note(Signal::Write(path()), t0 + ms(900));
        assert_eq!(b.deadline(), t0 + ms(900) + CLOSE_WAIT);
        b.note(Signal::Closed(path()), t0 + ms(1200));
        assert_eq!(b.deadline(), t0 + MAX_DELAY, "already due");
        // Writers that keep overlapping are still cut off.
        let other = PathBuf::from("/etc/waygate/other.yml");
        b.note(Signal::Write(other), t0 + ms(1900));
        assert_eq!(b.deadline(), t0 + MAX_DELAY + CLOSE_WAIT);
    }

    #[test]
    fn a_rename_over_the_file_ends_its_wait() {
        let t0 = Instant::now();
        let mut b = Burst::new(t0);
        b.note(Signal::Write(path()), t0);
        b.note(Signal::Gone(path()), t0 + ms(5));
        assert_eq!(b.deadline(), t0 + ms(5) + DEBOUNCE);
    }
}
