//! `strategy: p2c` (Traefik's power of two random choices): two distinct healthy servers
//! drawn at random, the one with fewer requests in flight wins. Weights play no part, as in
//! Traefik.

use std::sync::atomic::{AtomicU64, Ordering};

/// The random source: splitmix64 over an atomic counter (lock-free, no allocation).
#[derive(Debug)]
pub(crate) struct P2c {
    seed: AtomicU64,
}

// === impl P2c ===

impl P2c {
    pub(crate) fn new() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self {
            seed: AtomicU64::new(now),
        }
    }

    fn next(&self) -> u64 {
        const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut z = self
            .seed
            .fetch_add(GAMMA, Ordering::Relaxed)
            .wrapping_add(GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Index of the chosen server among `n`, `None` when none is up.
    pub(crate) fn pick(
        &self,
        n: usize,
        up: impl Fn(usize) -> bool,
        inflight: impl Fn(usize) -> usize,
    ) -> Option<usize> {
        let healthy = (0..n).filter(|&i| up(i)).count();
        let nth = |k: usize| (0..n).filter(|&i| up(i)).nth(k);
        match healthy {
            0 => None,
            1 => nth(0),
            h => {
                let r = self.next();
                let a = (r as u32 as usize) % h;
                let mut b = ((r >> 32) as usize) % h;
                if b == a {
                    b = (b + 1) % h;
                }
                // A server may go down between the count and the choice: take what is left.
                match (nth(a), nth(b)) {
                    (Some(a), Some(b)) => Some(if inflight(b) < inflight(a) { b } else { a }),
                    (a, b) => a.or(b).or_else(|| nth(0)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::P2c;

    #[test]
    fn least_loaded_of_two_and_never_a_down_server() {
        let p = P2c::new();
        let load = [5, 0, 5];
        let mut counts = [0; 3];
        for _ in 0..3000 {
            counts[p.pick(3, |_| true, |i| load[i]).expect("pick")] += 1;
        }
        // Server 1 wins every draw it is part of (2 in 3 draws).
        assert!(counts[1] > 1800 && counts[1] < 2200, "{counts:?}");
        for _ in 0..100 {
            assert_eq!(p.pick(3, |i| i == 2, |_| 0), Some(2));
            assert_ne!(p.pick(3, |i| i != 1, |i| load[i]), Some(1));
        }
        assert_eq!(p.pick(2, |_| false, |_| 0), None);
    }
}
