//! `strategy: leasttime` (Traefik's least time): the server with the lowest
//! `average time to first byte × (1 + requests in flight) / weight` wins; ties go to weighted
//! round robin by earliest deadline, as Traefik. The average is over the last 100 responses.

use std::sync::Mutex;
use std::time::Duration;

const SAMPLES: usize = 100;

#[derive(Debug)]
pub(crate) struct LeastTime {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    rings: Vec<Ring>,
    /// Earliest-deadline-first tie-break per server, and the latest deadline handed out.
    deadlines: Vec<f64>,
    current: f64,
}

#[derive(Debug)]
struct Ring {
    samples: [f64; SAMPLES],
    next: usize,
    sum: f64,
    count: usize,
}

// === impl LeastTime ===

impl LeastTime {
    /// State for servers of the given weights (weight ≤ 0 servers are never picked).
    pub(crate) fn new(weights: impl Iterator<Item = i64>) -> Self {
        let mut current = 0.0;
        let mut deadlines = Vec::new();
        for w in weights {
            if w > 0 {
                current += 1.0 / w as f64;
            }
            deadlines.push(current);
        }
        let rings = deadlines.iter().map(|_| Ring::default()).collect();
        Self {
            state: Mutex::new(State {
                rings,
                deadlines,
                current,
            }),
        }
    }

    pub(crate) fn pick(
        &self,
        n: usize,
        weight: impl Fn(usize) -> i64,
        up: impl Fn(usize) -> bool,
        inflight: impl Fn(usize) -> usize,
    ) -> Option<usize> {
        let eligible = |i: usize| weight(i) > 0 && up(i);
        let mut healthy = (0..n).filter(|&i| eligible(i));
        let first = healthy.next()?;
        if healthy.next().is_none() {
            return Some(first);
        }
        let mut st = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let score = |st: &State, i: usize| {
            st.rings[i].average() * (1.0 + inflight(i) as f64) / weight(i) as f64
        };
        // One pass, each score read once: in-flight counts move under concurrent requests, so
        // a second pass comparing with an earlier minimum could find no server at all.
        let mut min = f64::MAX;
        let mut best: Option<usize> = None;
        let mut ties = 0;
        for i in (0..n).filter(|&i| eligible(i)) {
            let s = score(&st, i);
            if s < min {
                (min, best, ties) = (s, Some(i), 1);
            } else if s == min {
                ties += 1;
                if best.is_none_or(|b| st.deadlines[i] < st.deadlines[b]) {
                    best = Some(i);
                }
            }
        }
        let b = best?;
        if ties > 1 {
            let d = st.deadlines[b] + 1.0 / weight(b) as f64;
            st.deadlines[b] = d;
            st.current = st.current.max(d);
        }
        Some(b)
    }

    /// Records server `i`'s time to first byte.
    pub(crate) fn record(&self, i: usize, ttfb: Duration) {
        let mut st = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(r) = st.rings.get_mut(i) {
            r.push(ttfb.as_millis() as f64);
        }
    }
}

// === impl Ring ===

impl Default for Ring {
    fn default() -> Self {
        Self {
            samples: [0.0; SAMPLES],
            next: 0,
            sum: 0.0,
            count: 0,
        }
    }
}

impl Ring {
    fn push(&mut self, ms: f64) {
        if self.count < SAMPLES {
            self.count += 1;
        } else {
            self.sum -= self.samples[self.next];
        }
        self.samples[self.next] = ms;
        self.sum += ms;
        self.next = (self.next + 1) % SAMPLES;
    }

    fn average(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faster_server_wins_and_ties_rotate() {
        let lt = LeastTime::new([1, 1].into_iter());
        // Cold start: equal scores, round robin.
        let picks: Vec<_> = (0..4)
            .map(|_| lt.pick(2, |_| 1, |_| true, |_| 0).expect("pick"))
            .collect();
        assert_eq!(picks, [0, 0, 1, 0]);
        lt.record(0, Duration::from_millis(50));
        lt.record(1, Duration::from_millis(5));
        for _ in 0..5 {
            assert_eq!(lt.pick(2, |_| 1, |_| true, |_| 0), Some(1));
        }
        // Enough requests in flight on the fast one make the slow one better.
        assert_eq!(lt.pick(2, |_| 1, |_| true, |i| [0, 20][i]), Some(0));
        assert_eq!(lt.pick(2, |_| 1, |i| i == 0, |_| 0), Some(0));
    }

    #[test]
    fn in_flight_counts_moving_during_the_pick_still_give_a_server() {
        // Each read of an in-flight count sees one more request (concurrent traffic): the
        // pick once compared scores with a minimum taken earlier and found no server (a 503).
        let lt = LeastTime::new([1, 1].into_iter());
        lt.record(0, Duration::from_millis(5));
        lt.record(1, Duration::from_millis(5));
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let moving = |_| reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        assert!(lt.pick(2, |_| 1, |_| true, moving).is_some());
    }
}
