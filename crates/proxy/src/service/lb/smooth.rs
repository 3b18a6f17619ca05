//! Smooth weighted round robin (nginx's algorithm: even spread, no bursts), shared by
//! `loadBalancer` (`strategy: wrr`) and `weighted` services.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Smooth weighted round robin; equal weights take a lock-free counter.
#[derive(Debug, Default)]
pub(crate) struct Smooth {
    counter: AtomicUsize,
    current: Mutex<Vec<i64>>,
}

// === impl Smooth ===

impl Smooth {
    /// Index of the next of `n` entries with weight > 0 that is up, or `None`. No allocation.
    pub(crate) fn pick(
        &self,
        n: usize,
        weight: impl Fn(usize) -> i64,
        up: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let eligible = |i: usize| weight(i) > 0 && up(i);
        let first = (0..n).find(|&i| eligible(i))?;
        let w0 = weight(first);
        if (0..n).all(|i| weight(i) == w0) {
            let start = self.counter.fetch_add(1, Ordering::Relaxed);
            return (0..n).map(|k| (start + k) % n).find(|&i| eligible(i));
        }
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        smooth_step(&mut current, n, &weight, eligible)
    }

    /// The index [`Smooth::pick`] would return now, without advancing the state (for
    /// `waygate explain`; allocates).
    pub(crate) fn peek(
        &self,
        n: usize,
        weight: impl Fn(usize) -> i64,
        up: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let eligible = |i: usize| weight(i) > 0 && up(i);
        let first = (0..n).find(|&i| eligible(i))?;
        let w0 = weight(first);
        if (0..n).all(|i| weight(i) == w0) {
            let start = self.counter.load(Ordering::Relaxed);
            return (0..n).map(|k| (start + k) % n).find(|&i| eligible(i));
        }
        let mut copy = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        smooth_step(&mut copy, n, &weight, eligible)
    }
}

/// One step of nginx's smooth weighted round robin over `current`.
fn smooth_step(
    current: &mut Vec<i64>,
    n: usize,
    weight: impl Fn(usize) -> i64,
    eligible: impl Fn(usize) -> bool,
) -> Option<usize> {
    current.resize(n, 0);
    let mut total = 0;
    let mut best: Option<usize> = None;
    for i in (0..n).filter(|&i| eligible(i)) {
        current[i] += weight(i);
        total += weight(i);
        if best.is_none_or(|b| current[i] > current[b]) {
            best = Some(i);
        }
    }
    let b = best?;
    current[b] -= total;
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::Smooth;

    #[test]
    fn smooth_weighted_spread() {
        let s = Smooth::default();
        let pick = |w: &[i64], up: &[bool]| s.pick(w.len(), |i| w[i], |i| up[i]);
        let picks: Vec<usize> = (0..7)
            .map(|_| pick(&[5, 1, 1], &[true; 3]).expect("pick"))
            .collect();
        assert_eq!(picks, [0, 0, 1, 0, 2, 0, 0]);
        let counts = (0..300).fold([0; 3], |mut c, _| {
            c[pick(&[3, 2, 1], &[true; 3]).expect("pick")] += 1;
            c
        });
        assert_eq!(counts, [150, 100, 50]);
    }

    #[test]
    fn peek_tells_the_next_pick_without_taking_it() {
        let s = Smooth::default();
        for w in [[1, 1, 1], [5, 1, 1]] {
            for _ in 0..9 {
                let next = s.peek(3, |i| w[i], |_| true);
                assert_eq!(next, s.peek(3, |i| w[i], |_| true));
                assert_eq!(next, s.pick(3, |i| w[i], |_| true));
            }
        }
        assert_eq!(s.peek(2, |_| 1, |i| i == 1), Some(1));
    }

    #[test]
    fn skips_down_and_zero_weight() {
        let s = Smooth::default();
        let pick = |w: &[i64], up: &[bool]| s.pick(w.len(), |i| w[i], |i| up[i]);
        for _ in 0..10 {
            assert_eq!(pick(&[1, 1, 1], &[false, true, false]), Some(1));
            assert_eq!(pick(&[0, 2, 1], &[true, false, true]), Some(2));
        }
        assert_eq!(pick(&[1, 1], &[false, false]), None);
        assert_eq!(pick(&[], &[]), None);
    }
}
