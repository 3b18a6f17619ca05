//! What a breaker's expression reads, as vulcand/oxy's `memmetrics.RTMetrics` keeps it:
//! requests, network errors (502 and 504 answers) and status codes counted over a rolling
//! window of 10 one-second buckets, latencies in a rolling histogram (only when the
//! expression asks for a quantile), plus the Waygate extensions' `RecentRequests#<window>`
//! counters and the `ConsecutiveErrors()` streak. Time is passed in, so tests need no clock.

use std::time::{Duration, Instant};

use waygate_config::dynamic::middleware::{Predicate, PredicateMetric};

use super::latency::Latency;

/// oxy's counters: 10 buckets of one second.
const BUCKETS: u64 = 10;
const RESOLUTION: Duration = Duration::from_secs(1);

/// A count over a rolling window of [`BUCKETS`] buckets (oxy's `RollingCounter`).
#[derive(Debug, Clone)]
pub(super) struct Rolling {
    /// Nanoseconds per bucket.
    resolution: u64,
    buckets: [u64; BUCKETS as usize],
    last_tick: u64,
}

/// Everything an expression can read.
#[derive(Debug)]
pub(super) struct Metrics {
    origin: Instant,
    total: Rolling,
    net_errors: Rolling,
    codes: Vec<(u16, Rolling)>,
    /// One counter per window named by `RecentRequests#<window>`.
    recent: Vec<(Duration, Rolling)>,
    /// Responses ≥ 500 in a row.
    streak: u64,
    latency: Option<Latency>,
}

// === impl Rolling ===

impl Rolling {
    pub(super) fn new(resolution: Duration) -> Self {
        Self {
            resolution: u64::try_from(resolution.as_nanos())
                .unwrap_or(u64::MAX)
                .max(1),
            buckets: [0; BUCKETS as usize],
            last_tick: 0,
        }
    }

    fn tick(&self, elapsed: Duration) -> u64 {
        // u64 arithmetic (u128 division is slow): 584 years of uptime fit.
        let nanos = elapsed
            .as_secs()
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(elapsed.subsec_nanos()));
        nanos / self.resolution
    }

    /// Clears the buckets that went by since the last update.
    fn advance(&mut self, tick: u64) {
        if tick <= self.last_tick {
            return;
        }
        let gone = (tick - self.last_tick).min(BUCKETS);
        for k in 1..=gone {
            self.buckets[((self.last_tick + k) % BUCKETS) as usize] = 0;
        }
        self.last_tick = tick;
    }

    pub(super) fn inc(&mut self, elapsed: Duration) {
        let tick = self.tick(elapsed);
        self.advance(tick);
        self.buckets[(tick % BUCKETS) as usize] += 1;
    }

    pub(super) fn count(&mut self, elapsed: Duration) -> u64 {
        self.advance(self.tick(elapsed));
        self.buckets.iter().sum()
    }
}

// === impl Metrics ===

impl Metrics {
    /// Metrics for `predicate`: a latency histogram and window counters only if it reads them.
    pub(super) fn new(predicate: &Predicate, origin: Instant) -> Self {
        let mut m = Self {
            origin,
            total: Rolling::new(RESOLUTION),
            net_errors: Rolling::new(RESOLUTION),
            codes: Vec::new(),
            recent: Vec::new(),
            streak: 0,
            latency: None,
        };
        visit(predicate, &mut |metric| match metric {
            PredicateMetric::LatencyAtQuantileMs(_) => {
                m.latency.get_or_insert_with(Latency::default);
            }
            PredicateMetric::RecentRequests(w) if !m.recent.iter().any(|(d, _)| d == w) => {
                // Ten buckets over the window, as oxy's counters over theirs.
                m.recent.push((*w, Rolling::new(*w / BUCKETS as u32)));
            }
            _ => {}
        });
        m
    }

    pub(super) fn times_latency(&self) -> bool {
        self.latency.is_some()
    }

    /// Counts one response (oxy's `RTMetrics.Record`).
    pub(super) fn record(&mut self, now: Instant, status: u16, latency: Duration) {
        let at = now.saturating_duration_since(self.origin);
        self.total.inc(at);
        if status == 502 || status == 504 {
            self.net_errors.inc(at);
        }
        match self.codes.iter_mut().find(|(c, _)| *c == status) {
            Some((_, r)) => r.inc(at),
            None => {
                let mut r = Rolling::new(RESOLUTION);
                r.inc(at);
                self.codes.push((status, r));
            }
        }
        for (_, r) in &mut self.recent {
            r.inc(at);
        }
        self.streak = if status >= 500 { self.streak + 1 } else { 0 };
        if let Some(l) = &mut self.latency {
            l.record(at, latency);
        }
    }

    /// Forgets everything (when the breaker trips, as oxy does).
    pub(super) fn reset(&mut self, now: Instant) {
        let latency = self.latency.is_some();
        self.origin = now;
        self.total = Rolling::new(RESOLUTION);
        self.net_errors = Rolling::new(RESOLUTION);
        self.codes.clear();
        for (w, r) in &mut self.recent {
            *r = Rolling::new(*w / BUCKETS as u32);
        }
        self.streak = 0;
        self.latency = latency.then(Latency::default);
    }

    /// Whether `predicate` holds now.
    pub(super) fn eval(&mut self, predicate: &Predicate, now: Instant) -> bool {
        match predicate {
            Predicate::And(l, r) => self.eval(l, now) && self.eval(r, now),
            Predicate::Or(l, r) => self.eval(l, now) || self.eval(r, now),
            Predicate::Is(_) => false,
            Predicate::Compare { metric, op, value } => {
                let v = self.value(metric, now);
                op.holds(v, value.as_f64())
            }
        }
    }

    fn value(&mut self, metric: &PredicateMetric, now: Instant) -> f64 {
        let at = now.saturating_duration_since(self.origin);
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        match metric {
            PredicateMetric::NetworkErrorRatio => {
                let total = self.total.count(at);
                ratio(self.net_errors.count(at), total)
            }
            PredicateMetric::ResponseCodeRatio {
                from,
                to,
                div_from,
                div_to,
            } => {
                let (mut a, mut b) = (0, 0);
                for (code, r) in &mut self.codes {
                    let (code, n) = (i64::from(*code), r.count(at));
                    if (*from..*to).contains(&code) {
                        a += n;
                    }
                    if (*div_from..*div_to).contains(&code) {
                        b += n;
                    }
                }
                ratio(a, b)
            }
            // Whole milliseconds, as oxy's `int(latency / time.Millisecond)`.
            PredicateMetric::LatencyAtQuantileMs(q) => self
                .latency
                .as_mut()
                .map_or(0.0, |l| (l.at_quantile(at, *q) / 1000) as f64),
            PredicateMetric::RecentRequests(w) => self
                .recent
                .iter_mut()
                .find(|(d, _)| d == w)
                .map_or(0.0, |(_, r)| r.count(at) as f64),
            PredicateMetric::ConsecutiveErrors => self.streak as f64,
            // Functions of `buffering.retryExpression`: not in the breaker's dialect.
            PredicateMetric::Attempts
            | PredicateMetric::ResponseCode
            | PredicateMetric::IsNetworkError => 0.0,
        }
    }
}

/// Calls `f` on every metric of `p`.
fn visit(p: &Predicate, f: &mut impl FnMut(&PredicateMetric)) {
    match p {
        Predicate::And(l, r) | Predicate::Or(l, r) => {
            visit(l, f);
            visit(r, f);
        }
        Predicate::Compare { metric, .. } | Predicate::Is(metric) => f(metric),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waygate_config::dynamic::middleware::{PredicateDialect, parse_predicate};

    fn metrics(expr: &str) -> (Metrics, Predicate, Instant) {
        let p = parse_predicate(expr, PredicateDialect::CircuitBreaker).expect("valid");
        let t0 = Instant::now();
        (Metrics::new(&p, t0), p, t0)
    }

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn network_error_ratio_over_ten_seconds() {
        let (mut m, p, t0) = metrics("NetworkErrorRatio() > 0.5");
        assert!(!m.eval(&p, t0), "no traffic: ratio 0");
        for s in [200, 502, 504] {
            m.record(t0, s, MS);
        }
        assert!(m.eval(&p, t0), "2 of 3");
        m.record(t0 + Duration::from_secs(1), 200, MS);
        assert!(!m.eval(&p, t0 + Duration::from_secs(1)), "2 of 4");
        // Ten seconds later the first second has rolled out: 0 errors of 1.
        assert!(!m.eval(&p, t0 + Duration::from_secs(10)));
        assert_eq!(m.total.count(Duration::from_secs(10)), 1);
        assert_eq!(m.total.count(Duration::from_secs(11)), 0);
    }

    #[test]
    fn response_code_ratio_is_oxys_half_open_ranges() {
        let (mut m, p, t0) = metrics("ResponseCodeRatio(500, 600, 0, 600) > 0.25");
        for s in [200, 200, 500] {
            m.record(t0, s, MS);
        }
        assert!(m.eval(&p, t0), "1/3");
        for s in [200, 404, 600] {
            m.record(t0, s, MS);
        }
        assert!(!m.eval(&p, t0), "1/5: 600 is outside [0, 600)");
    }

    #[test]
    fn extensions_recent_requests_and_consecutive_errors() {
        let (mut m, p, t0) = metrics("NetworkErrorRatio() > 0.5 && RecentRequests#10s > 10");
        for _ in 0..10 {
            m.record(t0, 502, MS);
        }
        assert!(!m.eval(&p, t0), "10 requests: not more than 10");
        m.record(t0, 502, MS);
        assert!(m.eval(&p, t0));
        let (mut m, p, t0) = metrics("ConsecutiveErrors() > 3");
        for s in [500, 502, 503, 200, 500, 500, 500] {
            m.record(t0, s, MS);
        }
        assert!(!m.eval(&p, t0), "the 200 broke the streak");
        m.record(t0 + Duration::from_secs(3600), 504, MS);
        assert!(m.eval(&p, t0), "no window");
        m.reset(t0);
        assert!(!m.eval(&p, t0));
    }

    #[test]
    fn latency_quantile_in_whole_milliseconds() {
        let (mut m, p, t0) = metrics("LatencyAtQuantileMS(50.0) > 100");
        for ms in [10, 20, 150, 160, 170] {
            m.record(t0, 200, ms * MS);
        }
        assert!(m.eval(&p, t0), "median 150 ms");
        let (mut m, p, t0) = metrics("LatencyAtQuantileMS(50.0) > 100");
        for ms in [10, 20, 150] {
            m.record(t0, 200, ms * MS);
        }
        assert!(!m.eval(&p, t0), "median 20 ms");
        assert!(m.recent.is_empty());
    }
}
