//! Traefik's retry backoff (cenkalti/backoff's `ExponentialBackOff`): the first wait is
//! `initialInterval`, each next one multiplied by `2^(1/(attempts-1))` so the last is about
//! twice the first, each randomized by ±50%, at most 60 s. No `initialInterval`: no wait.

use std::hash::BuildHasher;
use std::time::Duration;

const RANDOMIZATION: f64 = 0.5;
const MAX_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub(super) struct Backoff {
    current: Duration,
    multiplier: f64,
    /// Per-request randomness (jitter only; no need for a cryptographic source).
    seed: std::hash::RandomState,
    n: u64,
}

// === impl Backoff ===

impl Backoff {
    pub(super) fn new(initial: Duration, attempts: u32) -> Self {
        let multiplier = if attempts < 2 {
            1.0
        } else {
            2f64.powf(1.0 / f64::from(attempts - 1))
        };
        Self {
            current: initial,
            multiplier,
            seed: std::hash::RandomState::new(),
            n: 0,
        }
    }

    /// The wait before the next try, `None` for none.
    pub(super) fn next(&mut self) -> Option<Duration> {
        if self.current.is_zero() {
            return None;
        }
        self.n += 1;
        let r = (self.seed.hash_one(self.n) >> 11) as f64 / (1u64 << 53) as f64;
        let cur = self.current.as_secs_f64();
        let delta = RANDOMIZATION * cur;
        let wait = (cur - delta) + r * (2.0 * delta);
        self.current = if cur * self.multiplier >= MAX_INTERVAL.as_secs_f64() {
            MAX_INTERVAL
        } else {
            self.current.mul_f64(self.multiplier)
        };
        Some(Duration::from_secs_f64(wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_about_twice_the_first_over_the_attempts() {
        assert_eq!(Backoff::new(Duration::ZERO, 4).next(), None);
        let ms = Duration::from_millis;
        let mut b = Backoff::new(ms(100), 5);
        let waits: Vec<Duration> = (0..4).map(|_| b.next().expect("wait")).collect();
        // Centres 100, 119, 141, 168 ms, each ±50%.
        for (w, centre) in waits.iter().zip([100.0, 118.9, 141.4, 168.2]) {
            let w = w.as_secs_f64() * 1000.0;
            assert!(
                w >= centre * 0.5 - 0.1 && w <= centre * 1.5 + 0.1,
                "{w} vs {centre}"
            );
        }
        assert!(
            (b.current.as_secs_f64() - 0.2).abs() < 1e-6,
            "twice after attempts-1 steps"
        );
    }
}
