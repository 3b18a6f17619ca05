//! `/api/waygate/routers/stats`, a Waygate extension (Traefik has no such endpoint; see
//! `docs/compat.md`): the data plane's per-router counters — requests, 5xx answers and a
//! histogram of the time to the response head — with each router's lifetime error ratio and
//! p95. The figures are cumulative since `since`; a client wanting rates diffs two polls, as
//! the dashboard does.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::Serialize;

use crate::reply::{self, Response};
use crate::state::ApiState;

/// What the data plane reports.
#[derive(Debug, Clone, Default)]
pub struct RouterStatsView {
    /// Upper bounds of the latency buckets, in seconds; one more count (above the last bound)
    /// ends every router's `latency_counts`.
    pub latency_bounds: Vec<f64>,
    /// Serving routers by qualified name.
    pub routers: BTreeMap<String, RouterFigures>,
}

/// One router's counters.
#[derive(Debug, Clone)]
pub struct RouterFigures {
    pub requests: u64,
    /// Answers with a 5xx status (from the service, a middleware, or the gateway itself).
    pub server_errors: u64,
    pub latency_counts: Vec<u64>,
    /// When the counters started (the router first served under this name).
    pub since: SystemTime,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Doc<'a> {
    latency_bounds: &'a [f64],
    routers: BTreeMap<&'a str, RouterDoc<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RouterDoc<'a> {
    requests: u64,
    server_errors: u64,
    error_ratio: Option<f64>,
    latency_p95: Option<f64>,
    latency_counts: &'a [u64],
    since: String,
}

pub(crate) fn respond(state: &ApiState<'_>) -> Response {
    let view = state.router_stats.map(|f| f()).unwrap_or_default();
    let routers = view
        .routers
        .iter()
        .map(|(name, r)| {
            let doc = RouterDoc {
                requests: r.requests,
                server_errors: r.server_errors,
                error_ratio: (r.requests > 0).then(|| r.server_errors as f64 / r.requests as f64),
                latency_p95: quantile(&view.latency_bounds, &r.latency_counts, 0.95),
                latency_counts: &r.latency_counts,
                since: crate::rfc3339(unix_seconds(r.since)),
            };
            (name.as_str(), doc)
        })
        .collect();
    reply::json(&Doc {
        latency_bounds: &view.latency_bounds,
        routers,
    })
}

fn unix_seconds(t: SystemTime) -> i64 {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// The `q` quantile of a histogram (`counts[i]` at most `bounds[i]`, the last count above every
/// bound), interpolated linearly inside its bucket as Prometheus' `histogram_quantile`; the
/// last bound when it falls above it; `None` without observations.
pub fn quantile(bounds: &[f64], counts: &[u64], q: f64) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    let last = *bounds.last()?;
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let mut seen = 0u64;
    for (i, &c) in counts.iter().enumerate() {
        let before = seen;
        seen += c;
        if c > 0 && seen as f64 >= rank {
            let Some(&hi) = bounds.get(i) else {
                return Some(last);
            };
            let lo = if i == 0 { 0.0 } else { bounds[i - 1] };
            return Some(lo + (hi - lo) * (rank - before as f64) / c as f64);
        }
    }
    Some(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles() {
        let bounds = [0.001, 0.01, 0.1];
        assert_eq!(quantile(&bounds, &[0, 0, 0, 0], 0.95), None);
        assert_eq!(quantile(&[], &[3], 0.95), None);
        // 100 requests under 1 ms: p95 at 95 % of the first bucket.
        let p = quantile(&bounds, &[100, 0, 0, 0], 0.95).unwrap_or_default();
        assert!((p - 0.00095).abs() < 1e-9, "{p}");
        // 90 fast, 10 between 10 and 100 ms: p95 halfway through the third bucket.
        let p = quantile(&bounds, &[90, 0, 10, 0], 0.95).unwrap_or_default();
        assert!((p - 0.055).abs() < 1e-9, "{p}");
        // Above every bound: the last bound.
        assert_eq!(quantile(&bounds, &[1, 0, 0, 99], 0.95), Some(0.1));
    }

    #[test]
    fn endpoint() {
        let st = waygate_config::static_config::StaticConfig::default();
        let dynamic = waygate_config::dynamic::DynamicConfig::default();
        let status = waygate_config::status::RuntimeStatus::default();
        let version = crate::Version {
            version: "0".into(),
            codename: "x".into(),
            start_date: SystemTime::UNIX_EPOCH,
        };
        let figures = || RouterStatsView {
            latency_bounds: vec![0.001, 0.01],
            routers: BTreeMap::from([(
                "web@file".to_string(),
                RouterFigures {
                    requests: 4,
                    server_errors: 1,
                    latency_counts: vec![4, 0, 0],
                    since: SystemTime::UNIX_EPOCH,
                },
            )]),
        };
        let mut state = ApiState {
            static_cfg: &st,
            dynamic: &dynamic,
            status: &status,
            servers: &BTreeMap::new(),
            tcp_servers: &BTreeMap::new(),
            certificates: &[],
            version: &version,
            debug_vars: None,
            explain: None,
            router_stats: Some(&figures),
        };
        let get = |state: &ApiState<'_>| {
            let uri = "/api/waygate/routers/stats".parse().unwrap_or_default();
            let resp = crate::handle(state, &http::Method::GET, &uri, &http::HeaderMap::new());
            assert_eq!(resp.status(), 200);
            serde_json::from_slice::<serde_json::Value>(resp.body()).unwrap_or_default()
        };
        let mut doc = get(&state);
        let p95 = doc["routers"]["web@file"]["latencyP95"].take();
        assert!(
            (p95.as_f64().unwrap_or_default() - 0.00095).abs() < 1e-12,
            "{p95}"
        );
        assert_eq!(
            doc,
            serde_json::json!({"latencyBounds": [0.001, 0.01], "routers": {"web@file": {
                "requests": 4, "serverErrors": 1, "errorRatio": 0.25, "latencyP95": null,
                "latencyCounts": [4, 0, 0], "since": "1970-01-01T00:00:00Z"}}})
        );
        state.router_stats = None;
        assert_eq!(
            get(&state),
            serde_json::json!({"latencyBounds": [], "routers": {}})
        );
    }
}
