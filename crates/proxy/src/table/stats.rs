//! Per-router traffic counters, a Waygate extension the dashboard shows and
//! `/api/waygate/routers/stats` publishes: requests, 5xx answers, and a fixed-bucket histogram
//! of the time from the request head to the response head. Recorded once per routed request
//! with relaxed atomic adds: no lock, no allocation on the request path.
//!
//! The counters live in a [`RouterStatsRegistry`] keyed by router name, handed to every
//! compilation: a router keeps its counters across reloads and shares them between its copies
//! on several entry points; a router that stops serving loses them.
//!
//! The counters themselves are allocated by the router's first request: with 10,000 routers
//! of which few are ever requested, 10,000 sets of 17 counters were ~1.1 MiB of a table's
//! heap. A router without them reports zeros. The request path pays one more load and test
//! (the cell's state) for it.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use waygate_api::{RouterFigures, RouterStatsView};

use super::routes::FnvBuild;

/// Upper bounds of the latency buckets, in microseconds (one more bucket counts the rest).
pub const LATENCY_BOUNDS_US: [u64; 14] = [
    500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    2_500_000, 5_000_000, 10_000_000,
];

/// One router's counters, since it started serving.
#[derive(Debug)]
pub struct RouterStats {
    /// Allocated by the first request.
    counts: OnceLock<Box<Counts>>,
    since: SystemTime,
}

/// What one router counts.
#[derive(Debug, Default)]
struct Counts {
    requests: AtomicU64,
    server_errors: AtomicU64,
    latency: [AtomicU64; LATENCY_BOUNDS_US.len() + 1],
}

/// Every serving router's counters, by qualified name.
#[derive(Debug, Default)]
pub struct RouterStatsRegistry {
    /// Hashed cheaply: every compile looks up each router it builds and keeps the serving ones.
    routers: Mutex<HashMap<String, Arc<RouterStats>, FnvBuild>>,
}

// === impl RouterStats ===

impl RouterStats {
    fn new() -> Self {
        Self {
            counts: OnceLock::new(),
            since: SystemTime::now(),
        }
    }

    /// Counts one answered request.
    pub(crate) fn record(&self, status: http::StatusCode, elapsed: Duration) {
        let c = self.counts.get_or_init(Box::default);
        c.requests.fetch_add(1, Relaxed);
        if status.is_server_error() {
            c.server_errors.fetch_add(1, Relaxed);
        }
        let us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let i = LATENCY_BOUNDS_US
            .iter()
            .position(|&b| us <= b)
            .unwrap_or(LATENCY_BOUNDS_US.len());
        if let Some(bucket) = c.latency.get(i) {
            bucket.fetch_add(1, Relaxed);
        }
    }

    fn figures(&self) -> RouterFigures {
        let (requests, server_errors, latency_counts) = match self.counts.get() {
            Some(c) => (
                c.requests.load(Relaxed),
                c.server_errors.load(Relaxed),
                c.latency.iter().map(|c| c.load(Relaxed)).collect(),
            ),
            None => (0, 0, vec![0; LATENCY_BOUNDS_US.len() + 1]),
        };
        RouterFigures {
            requests,
            server_errors,
            latency_counts,
            since: self.since,
        }
    }
}

// === impl RouterStatsRegistry ===

impl RouterStatsRegistry {
    /// The counters of `router`, created on first use.
    pub(crate) fn get(&self, router: &str) -> Arc<RouterStats> {
        let mut map = self.routers.lock().unwrap_or_else(|e| e.into_inner());
        // Looked up before the name is copied: on a reload every router but the changed
        // ones already has its counters.
        if let Some(stats) = map.get(router) {
            return stats.clone();
        }
        map.entry(router.to_string())
            .or_insert_with(|| Arc::new(RouterStats::new()))
            .clone()
    }

    /// Drops the counters of routers that no longer serve.
    pub(crate) fn retain(&self, serving: impl Fn(&str) -> bool) {
        let mut map = self.routers.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|name, _| serving(name));
    }

    /// What the API publishes.
    pub fn view(&self) -> RouterStatsView {
        let map = self.routers.lock().unwrap_or_else(|e| e.into_inner());
        let routers: BTreeMap<String, RouterFigures> = map
            .iter()
            .map(|(name, s)| (name.clone(), s.figures()))
            .collect();
        RouterStatsView {
            latency_bounds: LATENCY_BOUNDS_US
                .iter()
                .map(|&us| us as f64 / 1e6)
                .collect(),
            routers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_buckets() {
        let reg = RouterStatsRegistry::default();
        let a = reg.get("a@file");
        assert!(Arc::ptr_eq(&a, &reg.get("a@file")), "one set per name");
        a.record(http::StatusCode::OK, Duration::from_micros(200));
        a.record(http::StatusCode::BAD_GATEWAY, Duration::from_millis(3));
        a.record(http::StatusCode::NOT_FOUND, Duration::from_secs(60));
        reg.get("b@file");
        let view = reg.view();
        let b = &view.routers["b@file"];
        assert_eq!(
            (b.requests, b.server_errors),
            (0, 0),
            "no request yet: zeros"
        );
        assert_eq!(b.latency_counts, vec![0; LATENCY_BOUNDS_US.len() + 1]);
        assert_eq!(view.latency_bounds.len(), LATENCY_BOUNDS_US.len());
        let f = &view.routers["a@file"];
        assert_eq!((f.requests, f.server_errors), (3, 1));
        let mut want = vec![0; LATENCY_BOUNDS_US.len() + 1];
        (want[0], want[3], want[LATENCY_BOUNDS_US.len()]) = (1, 1, 1);
        assert_eq!(f.latency_counts, want);
        reg.retain(|n| n == "a@file");
        assert_eq!(reg.view().routers.len(), 1);
    }
}
