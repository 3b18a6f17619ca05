//! Where a handle keeps its series: a small open-addressing table of lock-free slots keyed
//! by a packed `u32` (method, protocol and code, or TLS version and cipher suite). The
//! request path finds its slot with one multiply and a few atomic loads; a slot's cell is
//! allocated once, the first time its key is seen. Keys past the table's capacity (more
//! than [`CAPACITY`] distinct combinations on one handle) go to a mutex-guarded overflow
//! list, so nothing is ever lost.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Slots per table (a power of two).
pub(crate) const CAPACITY: usize = 32;
/// Set in every stored key, so that 0 means "free".
const USED: u32 = 1 << 31;

/// Series of one handle, keyed by a packed `u32` (bit 31 is reserved).
#[derive(Debug)]
pub(crate) struct Slots<T> {
    slots: Box<[Slot<T>]>,
    overflow: Mutex<Vec<(u32, Arc<T>)>>,
}

#[derive(Debug)]
struct Slot<T> {
    key: AtomicU32,
    value: OnceLock<T>,
}

/// One request series: the histogram of durations (whose count is also the request count)
/// and the byte counters.
#[derive(Debug)]
pub(crate) struct Cell {
    pub(crate) count: AtomicU64,
    pub(crate) sum_ns: AtomicU64,
    pub(crate) request_bytes: AtomicU64,
    pub(crate) response_bytes: AtomicU64,
    /// Per bucket (not cumulative): observations ≤ bound `i` and > bound `i - 1`; the
    /// `+Inf` bucket is `count`.
    pub(crate) buckets: Box<[AtomicU64]>,
}

// === impl Slots ===

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Self {
            slots: (0..CAPACITY)
                .map(|_| Slot {
                    key: AtomicU32::new(0),
                    value: OnceLock::new(),
                })
                .collect(),
            overflow: Mutex::new(Vec::new()),
        }
    }
}

impl<T> Slots<T> {
    /// Runs `f` on the value of `key`, made by `init` the first time.
    #[inline]
    pub(crate) fn with<R>(&self, key: u32, init: impl FnOnce() -> T, f: impl FnOnce(&T) -> R) -> R {
        let key = key | USED;
        let mask = CAPACITY - 1;
        let start = (key.wrapping_mul(0x9E37_79B1) >> 27) as usize;
        for i in 0..CAPACITY {
            let slot = &self.slots[(start + i) & mask];
            let mut current = slot.key.load(Ordering::Acquire);
            if current == 0 {
                current =
                    match slot
                        .key
                        .compare_exchange(0, key, Ordering::AcqRel, Ordering::Acquire)
                    {
                        Ok(_) => key,
                        Err(other) => other,
                    };
            }
            if current == key {
                return f(slot.value.get_or_init(init));
            }
        }
        let value = {
            let mut overflow = self.overflow.lock().unwrap_or_else(PoisonError::into_inner);
            match overflow.iter().find(|(k, _)| *k == key) {
                Some((_, v)) => v.clone(),
                None => {
                    let v = Arc::new(init());
                    overflow.push((key, v.clone()));
                    v
                }
            }
        };
        f(&value)
    }

    /// Every (key, value) stored so far (keys without bit 31), in no particular order.
    pub(crate) fn each(&self, mut f: impl FnMut(u32, &T)) {
        for slot in self.slots.iter() {
            if let Some(v) = slot.value.get() {
                f(slot.key.load(Ordering::Acquire) & !USED, v);
            }
        }
        let overflow = self.overflow.lock().unwrap_or_else(PoisonError::into_inner);
        for (k, v) in overflow.iter() {
            f(k & !USED, v);
        }
    }
}

// === impl Cell ===

impl Cell {
    pub(crate) fn new(buckets: usize) -> Self {
        Self {
            count: AtomicU64::new(0),
            sum_ns: AtomicU64::new(0),
            request_bytes: AtomicU64::new(0),
            response_bytes: AtomicU64::new(0),
            buckets: (0..buckets).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Counts one request that took `ns` nanoseconds; `bounds_ns` are the bucket bounds.
    #[inline]
    pub(crate) fn observe(
        &self,
        bounds_ns: &[u64],
        ns: u64,
        request_bytes: u64,
        response_bytes: u64,
    ) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
        if request_bytes > 0 {
            self.request_bytes
                .fetch_add(request_bytes, Ordering::Relaxed);
        }
        if response_bytes > 0 {
            self.response_bytes
                .fetch_add(response_bytes, Ordering::Relaxed);
        }
        if let Some(i) = bounds_ns.iter().position(|&b| ns <= b)
            && let Some(b) = self.buckets.get(i)
        {
            b.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_key_and_overflow_keeps_counting() {
        let slots: Slots<AtomicU64> = Slots::default();
        let n = (CAPACITY * 2) as u32;
        for round in 0..3 {
            for k in 0..n {
                slots.with(
                    k,
                    || AtomicU64::new(0),
                    |c| c.fetch_add(1, Ordering::Relaxed),
                );
            }
            let mut seen = Vec::new();
            slots.each(|k, c| seen.push((k, c.load(Ordering::Relaxed))));
            seen.sort_unstable();
            let want: Vec<_> = (0..n).map(|k| (k, round + 1)).collect();
            assert_eq!(seen, want);
        }
    }

    #[test]
    fn buckets_are_inclusive_upper_bounds() {
        let c = Cell::new(2);
        let bounds = [100, 300];
        for ns in [50, 100, 101, 300, 301] {
            c.observe(&bounds, ns, 1, 2);
        }
        let b: Vec<u64> = c
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        assert_eq!(b, [2, 2]);
        assert_eq!(c.count.load(Ordering::Relaxed), 5);
        assert_eq!(c.sum_ns.load(Ordering::Relaxed), 852);
        assert_eq!(c.request_bytes.load(Ordering::Relaxed), 5);
        assert_eq!(c.response_bytes.load(Ordering::Relaxed), 10);
    }
}
