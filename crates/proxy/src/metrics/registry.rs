//! The registry: one [`Handle`] per entry point, router (with its service) and service,
//! made when a table compiles and kept across reloads while the object serves. A compile
//! opens a generation; handles not taken again by the next compile are retired, exported by
//! one more scrape and then dropped (Traefik deletes the series of removed routers and
//! services after the scrape that follows the change).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use http::HeaderName;
use waygate_config::dynamic::RouterObservability;
use waygate_config::static_config::EntryPoint;

use super::series::{Cell, Slots};

/// Static settings of `metrics.prometheus`.
#[derive(Debug)]
pub(crate) struct Settings {
    /// `buckets`, in seconds and in nanoseconds.
    pub(crate) bounds: Vec<f64>,
    pub(crate) bounds_ns: Arc<[u64]>,
    pub(crate) entry_point_labels: bool,
    pub(crate) router_labels: bool,
    pub(crate) service_labels: bool,
    /// `metrics.addInternals`.
    pub(crate) add_internals: bool,
    /// `headerLabels`: label name, request header.
    pub(crate) header_labels: Arc<[(String, HeaderName)]>,
}

/// `*_requests_total` by (series key, header label values).
pub(crate) type ByHeader = HashMap<(u32, Box<[String]>), u64>;

/// The series of one entry point, router or service.
#[derive(Debug)]
pub(crate) struct Handle {
    /// Its own labels, rendered once: `entrypoint="web"`, `router="a@file",service="b@file"`.
    pub(crate) labels: String,
    pub(crate) cells: Slots<Cell>,
    pub(crate) tls: Slots<AtomicU64>,
    /// `*_requests_total` with the header labels (only when `headerLabels` is set).
    pub(crate) by_header: Option<Mutex<ByHeader>>,
    bounds_ns: Arc<[u64]>,
}

/// Handles of one kind, by key.
#[derive(Debug, Default)]
pub(crate) struct Family {
    live: Mutex<HashMap<String, (u64, Arc<Handle>)>>,
    retired: Mutex<Vec<(String, Arc<Handle>)>>,
}

/// What an entry point's requests record.
#[derive(Debug)]
pub(crate) struct EntryPointMetrics {
    /// `None` without `addEntryPointsLabels`.
    pub(crate) series: Option<Arc<Handle>>,
    /// The entry point's `observability.metrics`: whether requests no router takes count.
    pub(crate) on: bool,
    pub(crate) header_labels: Arc<[(String, HeaderName)]>,
}

/// What a router's requests record (present only when metrics are on for the router).
#[derive(Debug)]
pub(crate) struct RouterMetrics {
    /// `None` without `addRoutersLabels`.
    pub(crate) router: Option<Arc<Handle>>,
    /// `None` without `addServicesLabels`, or when the service is not a load balancer.
    pub(crate) service: Option<Arc<Handle>>,
}

// === impl Handle ===

impl Handle {
    fn new(labels: String, settings: &Settings) -> Self {
        Self {
            labels,
            cells: Slots::default(),
            tls: Slots::default(),
            by_header: (!settings.header_labels.is_empty()).then(Mutex::default),
            bounds_ns: settings.bounds_ns.clone(),
        }
    }

    /// Counts one request.
    #[inline]
    pub(crate) fn record(&self, r: &super::observe::Recorded<'_>) {
        let bounds = &*self.bounds_ns;
        self.cells.with(
            r.key,
            || Cell::new(bounds.len()),
            |c| c.observe(bounds, r.ns, r.request_bytes, r.response_bytes),
        );
        if let Some(tls) = r.tls {
            self.tls.with(tls, AtomicU64::default, |c| {
                c.fetch_add(1, Ordering::Relaxed)
            });
        }
        if let (Some(map), Some(values)) = (&self.by_header, r.header_values) {
            let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
            match map.get_mut(&(r.key, Box::from(values))) {
                Some(n) => *n += 1,
                None => {
                    map.insert((r.key, values.into()), 1);
                }
            }
        }
    }
}

// === impl Family ===

impl Family {
    /// The handle of `key` for generation `generation`, made (or revived) if needed.
    pub(crate) fn get(
        &self,
        key: &str,
        generation: u64,
        make: impl FnOnce() -> Handle,
    ) -> Arc<Handle> {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((g, h)) = live.get_mut(key) {
            *g = generation;
            return h.clone();
        }
        let mut retired = self.retired.lock().unwrap_or_else(PoisonError::into_inner);
        let handle = match retired.iter().position(|(k, _)| k == key) {
            Some(i) => retired.swap_remove(i).1,
            None => Arc::new(make()),
        };
        live.insert(key.to_string(), (generation, handle.clone()));
        handle
    }

    /// Retires the handles generation `generation` did not take.
    fn retire_all_but(&self, generation: u64) {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        let mut retired = self.retired.lock().unwrap_or_else(PoisonError::into_inner);
        live.retain(|k, (g, h)| {
            let keep = *g == generation;
            if !keep {
                retired.push((k.clone(), h.clone()));
            }
            keep
        });
    }

    /// Every handle to export now (live and retired), and takes the retired ones out:
    /// this scrape is their last.
    pub(crate) fn scrape(&self) -> Vec<Arc<Handle>> {
        let live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        let mut retired = self.retired.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out: Vec<(String, Arc<Handle>)> = live
            .iter()
            .map(|(k, (_, h))| (k.clone(), h.clone()))
            .chain(retired.drain(..))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.into_iter().map(|(_, h)| h).collect()
    }
}

// === impl Prometheus ===

impl super::Prometheus {
    /// Opens a compile generation.
    pub(crate) fn begin(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Closes generation `generation`: what it did not take is retired.
    pub(crate) fn finish(&self, generation: u64) {
        self.entry_points.retire_all_but(generation);
        self.routers.retire_all_but(generation);
        self.services.retire_all_but(generation);
    }

    /// The metrics of entry point `name`.
    pub(crate) fn entry_point(
        &self,
        generation: u64,
        name: &str,
        cfg: Option<&EntryPoint>,
    ) -> Arc<EntryPointMetrics> {
        let s = &self.settings;
        let series = s.entry_point_labels.then(|| {
            self.entry_points.get(name, generation, || {
                Handle::new(format!("entrypoint={}", quote(name)), s)
            })
        });
        Arc::new(EntryPointMetrics {
            series,
            on: ep_default(cfg),
            header_labels: s.header_labels.clone(),
        })
    }

    /// The metrics of router `name` (serving `service`) on an entry point, or `None` when
    /// metrics are off for it: its `observability.metrics` (by default the entry point's),
    /// and internal services only with `metrics.addInternals`.
    pub(crate) fn router(
        &self,
        generation: u64,
        name: &str,
        service: &str,
        load_balancer: bool,
        observability: Option<&RouterObservability>,
        ep: Option<&EntryPoint>,
    ) -> Option<Arc<RouterMetrics>> {
        let s = &self.settings;
        if service.ends_with("@internal") && !s.add_internals {
            return None;
        }
        let on = observability
            .and_then(|o| o.metrics)
            .unwrap_or_else(|| ep_default(ep));
        if !on {
            return None;
        }
        let router = s.router_labels.then(|| {
            self.routers
                .get(&format!("{name}\0{service}"), generation, || {
                    Handle::new(
                        format!("router={},service={}", quote(name), quote(service)),
                        s,
                    )
                })
        });
        let service = (s.service_labels && load_balancer).then(|| {
            self.services.get(service, generation, || {
                Handle::new(format!("service={}", quote(service)), s)
            })
        });
        Some(Arc::new(RouterMetrics { router, service }))
    }

    /// A configuration was applied: counts it, and keeps the health-checked servers for
    /// `traefik_service_server_up`.
    pub(crate) fn applied(&self, checked: &[crate::service::health::Checked]) {
        self.reloads.fetch_add(1, Ordering::Relaxed);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.last_reload.store(now, Ordering::Relaxed);
        let servers = checked
            .iter()
            .filter(|c| c.spec.is_some())
            .map(|c| (c.service.to_string(), c.url.to_string(), c.up.clone()))
            .collect();
        *self.servers.lock().unwrap_or_else(PoisonError::into_inner) = servers;
    }
}

/// An entry point's `observability.metrics` (true by default).
fn ep_default(ep: Option<&EntryPoint>) -> bool {
    ep.and_then(|e| e.observability.as_ref())
        .is_none_or(|o| o.metrics)
}

/// A label value in the text format's quotes, escaped.
pub(crate) fn quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
