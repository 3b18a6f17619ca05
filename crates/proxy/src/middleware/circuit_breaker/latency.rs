//! The latency histogram behind `LatencyAtQuantileMS(q)`: oxy keeps an HDR histogram of
//! microseconds (1 µs to 1 h, 2 significant figures) rolled over 6 sub-histograms of 10 s.
//! This one has the same window and precision: log-linear buckets with 64 to 128 steps per
//! power of two (under 1% error), reported as the highest value of the bucket as HDR does.

use std::time::Duration;

/// oxy: 6 sub-histograms, a new one every 10 s.
const SUBS: u64 = 6;
const PERIOD: Duration = Duration::from_secs(10);
/// Values below this are exact.
const LINEAR: u64 = 128;
/// Highest value tracked: one hour in microseconds (oxy's `histMax`).
const MAX_US: u64 = 3_600_000_000;
const SLOTS: usize = index(MAX_US) + 1;

/// A rolling histogram of latencies, in microseconds.
#[derive(Debug)]
pub(super) struct Latency {
    subs: Vec<Box<[u32]>>,
    last_tick: u64,
}

impl Default for Latency {
    fn default() -> Self {
        Self {
            subs: (0..SUBS)
                .map(|_| vec![0; SLOTS].into_boxed_slice())
                .collect(),
            last_tick: 0,
        }
    }
}

// === impl Latency ===

impl Latency {
    /// Clears the sub-histograms that went by; returns the current one's index.
    fn advance(&mut self, at: Duration) -> usize {
        let tick = u64::try_from(at.as_nanos() / PERIOD.as_nanos()).unwrap_or(u64::MAX);
        if tick > self.last_tick {
            for k in 1..=(tick - self.last_tick).min(SUBS) {
                self.subs[((self.last_tick + k) % SUBS) as usize].fill(0);
            }
            self.last_tick = tick;
        }
        (tick % SUBS) as usize
    }

    pub(super) fn record(&mut self, at: Duration, latency: Duration) {
        let us = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .clamp(1, MAX_US);
        let cur = self.advance(at);
        let slot = &mut self.subs[cur][index(us)];
        *slot = slot.saturating_add(1);
    }

    /// The latency at percentile `q` (0–100) in microseconds, 0 without data (HDR's
    /// `ValueAtQuantile`).
    pub(super) fn at_quantile(&mut self, at: Duration, q: f64) -> u64 {
        self.advance(at);
        let count = |i: usize| -> u64 { self.subs.iter().map(|s| u64::from(s[i])).sum() };
        let total: u64 = (0..SLOTS).map(count).sum();
        if total == 0 {
            return 0;
        }
        let q = q.clamp(0.0, 100.0);
        let wanted = (((q / 100.0) * total as f64) + 0.5) as u64;
        let wanted = wanted.max(1);
        let mut seen = 0;
        for i in 0..SLOTS {
            seen += count(i);
            if seen >= wanted {
                return highest(i);
            }
        }
        MAX_US
    }
}

/// The bucket of `v` (µs): exact below [`LINEAR`], then 64 buckets per power of two.
const fn index(v: u64) -> usize {
    if v < LINEAR {
        return v as usize;
    }
    let e = 63 - v.leading_zeros() as u64 - 6;
    (e * 64 + (v >> e)) as usize
}

/// The highest value that falls in bucket `i`.
fn highest(i: usize) -> u64 {
    let i = i as u64;
    if i < LINEAR {
        return i;
    }
    let e = i / 64 - 1;
    let m = i - e * 64;
    ((m + 1) << e) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_within_one_percent() {
        for v in [1, 127, 128, 129, 255, 256, 1000, 12_345, 999_999, MAX_US] {
            let i = index(v);
            assert!(highest(i) >= v, "{v}");
            assert!(i == 0 || highest(i - 1) < v, "{v}");
            assert!((highest(i) - v) as f64 <= v as f64 * 0.016, "{v}");
        }
    }

    #[test]
    fn quantiles_and_rolling_out() {
        let mut l = Latency::default();
        let t = Duration::ZERO;
        assert_eq!(l.at_quantile(t, 50.0), 0);
        for ms in 1..=100u64 {
            l.record(t, Duration::from_millis(ms));
        }
        let p50 = l.at_quantile(t, 50.0);
        assert!((50_000..=50_800).contains(&p50), "{p50}");
        let p99 = l.at_quantile(t, 99.0);
        assert!((99_000..=99_800).contains(&p99), "{p99}");
        // Sixty seconds later the data has rolled out.
        assert_eq!(l.at_quantile(Duration::from_secs(60), 50.0), 0);
    }
}
