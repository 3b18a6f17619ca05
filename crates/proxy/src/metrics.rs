//! Prometheus metrics (`metrics.prometheus`, reference §8.1) with Traefik's names, types
//! and labels, served by `prometheus@internal`.
//!
//! Cost model: when a table compiles, every entry point, router (with its service) and
//! load-balancer service gets a pre-resolved [`Handle`](registry::Handle) from the
//! registry; a request carries an [`Observation`] (one allocation) that records into those
//! handles when its response body is done: a packed key (method, protocol, code) finds the
//! series slot without locks, string formatting or label lookups. Label strings exist only
//! at compile time and when `/metrics` is scraped. With `metrics.prometheus` off, tables
//! carry no handles and the request path checks one `Option`.
//!
//! Written by hand rather than with `prometheus-client`: its `Family` takes a lock and
//! hashes the label set on every observation, which the request path may not do, and the
//! text format is ~150 lines here (no dependency, no build cost).

mod expose;
mod labels;
mod observe;
pub(crate) mod otlp;
mod registry;
mod series;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, Weak};

use arc_swap::ArcSwap;
use tracing::warn;
use waygate_config::static_config::StaticConfig;

pub(crate) use self::observe::Observation;
pub(crate) use self::registry::{EntryPointMetrics, RouterMetrics};
use self::registry::{Family, Settings};
use crate::entrypoint::ConnCount;
use crate::table::RuntimeTable;

/// Go client's default buckets, used when `buckets` is an empty list.
const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The Prometheus registry of a gateway.
#[derive(Debug)]
pub struct Prometheus {
    settings: Settings,
    entry_points: Family,
    routers: Family,
    services: Family,
    generation: AtomicU64,
    reloads: AtomicU64,
    /// Unix seconds of the last applied configuration.
    last_reload: AtomicU64,
    /// Health-checked servers: (service, URL, up).
    servers: Mutex<Vec<(String, String, Arc<std::sync::atomic::AtomicBool>)>>,
    tables: Weak<ArcSwap<RuntimeTable>>,
    open: Option<Arc<ConnCount>>,
    /// Access log lines dropped on a full queue (`waygate_accesslog_dropped_lines_total`).
    access_log_dropped: Option<Arc<AtomicU64>>,
}

// === impl Prometheus ===

impl Prometheus {
    /// The registry `metrics.prometheus` asks for, if it does (or `metrics.otlp` alone, with
    /// its own labels and buckets).
    pub(crate) fn from_static(
        st: &StaticConfig,
        tables: Weak<ArcSwap<RuntimeTable>>,
        open: Option<Arc<ConnCount>>,
        access_log_dropped: Option<Arc<AtomicU64>>,
    ) -> Option<Arc<Self>> {
        let metrics = st.metrics.as_ref()?;
        let from_otlp;
        let p = match (&metrics.prometheus, &metrics.otlp) {
            (Some(p), _) => p,
            (None, Some(o)) => {
                from_otlp = waygate_config::static_config::Prometheus {
                    buckets: o.explicit_boundaries.clone(),
                    add_entry_points_labels: o.add_entry_points_labels,
                    add_routers_labels: o.add_routers_labels,
                    add_services_labels: o.add_services_labels,
                    ..Default::default()
                };
                &from_otlp
            }
            (None, None) => return None,
        };
        let mut bounds: Vec<f64> = if p.buckets.is_empty() {
            DEFAULT_BUCKETS.to_vec()
        } else {
            p.buckets
                .iter()
                .copied()
                .filter(|b| b.is_finite())
                .collect()
        };
        bounds.sort_by(f64::total_cmp);
        bounds.dedup();
        let bounds_ns = bounds
            .iter()
            .map(|b| (b * 1e9).clamp(0.0, u64::MAX as f64) as u64)
            .collect();
        let header_labels = p
            .header_labels
            .iter()
            .filter_map(
                |(label, header)| match http::HeaderName::try_from(header.as_str()) {
                    Ok(h) => Some((label.clone(), h)),
                    Err(_) => {
                        warn!(
                            label,
                            header,
                            "metrics.prometheus.headerLabels: invalid header name, label left out"
                        );
                        None
                    }
                },
            )
            .collect();
        Some(Arc::new(Self {
            settings: Settings {
                bounds,
                bounds_ns,
                entry_point_labels: p.add_entry_points_labels,
                router_labels: p.add_routers_labels,
                service_labels: p.add_services_labels,
                add_internals: metrics.add_internals,
                header_labels,
            },
            entry_points: Family::default(),
            routers: Family::default(),
            services: Family::default(),
            generation: AtomicU64::new(0),
            reloads: AtomicU64::new(0),
            last_reload: AtomicU64::new(0),
            servers: Mutex::default(),
            tables,
            open,
            access_log_dropped,
        }))
    }

    /// Whether any request series is kept at all.
    pub(crate) fn records_requests(&self) -> bool {
        let s = &self.settings;
        s.entry_point_labels || s.router_labels || s.service_labels
    }

    /// What `prometheus@internal` answers.
    pub(crate) fn serve(&self) -> crate::Response {
        let mut resp = http::Response::new(crate::Body::full(self.render()));
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(expose::CONTENT_TYPE),
        );
        resp
    }
}

/// Starts observing a request if its entry point records metrics.
#[inline]
pub(crate) fn observe(
    table: &RuntimeTable,
    conn: &crate::handler::ConnCtx,
    req: &http::Request<crate::body::Inbound>,
    started: tokio::time::Instant,
) -> Option<Box<Observation>> {
    let (_, ep) = table.entry_points.get(conn.entry_point)?;
    let m = ep.metrics.as_ref()?;
    Some(Observation::start(m, req, conn.tls.as_ref(), started))
}

#[cfg(test)]
mod tests;
