//! `api@internal` and `dashboard@internal` (reference §7): Traefik's REST API and dashboard,
//! answered by `waygate_api` from the table that is current when the request is served, so
//! the API always shows the configuration that serves. Building the view is cheap (borrows of
//! the table, one pass over the health flags); none of it runs for other services.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use serde_json::{Map, Value, json};
use waygate_api::{ApiState, Certificate, ExplainQuery, ServerHealth, Version};
use waygate_config::static_config::StaticConfig;

use super::RequestCtx;
use crate::entrypoint::ConnCount;
use crate::table::{RouterStatsRegistry, RuntimeTable};
use crate::{Body, Request, Response};

/// What the API services read: the static configuration and the gateway's current table.
#[derive(Debug)]
pub struct ApiSource {
    static_cfg: Arc<StaticConfig>,
    /// Weak: the tables hold the services that hold this.
    tables: Weak<ArcSwap<RuntimeTable>>,
    version: Version,
    open: Option<Arc<ConnCount>>,
    /// Every serving router's traffic counters (`/api/waygate/routers/stats`).
    stats: RouterStatsRegistry,
}

// === impl ApiSource ===

impl ApiSource {
    pub(crate) fn new(
        static_cfg: Arc<StaticConfig>,
        tables: &Arc<ArcSwap<RuntimeTable>>,
        open: Arc<ConnCount>,
    ) -> Self {
        Self {
            static_cfg,
            tables: Arc::downgrade(tables),
            version: version(),
            open: Some(open),
            stats: RouterStatsRegistry::default(),
        }
    }

    /// For compiling without serving (`waygate check`): the services build, answer nothing.
    pub(crate) fn detached(static_cfg: Arc<StaticConfig>) -> Self {
        Self {
            static_cfg,
            tables: Weak::new(),
            version: version(),
            open: None,
            stats: RouterStatsRegistry::default(),
        }
    }

    /// The registry compilation takes each router's counters from.
    pub(crate) fn router_stats(&self) -> &RouterStatsRegistry {
        &self.stats
    }

    /// Why `api@internal` cannot be built, as Traefik says it.
    pub(crate) fn check_api(&self) -> Result<(), String> {
        match self.static_cfg.api {
            Some(_) => Ok(()),
            None => Err("api is not enabled".to_string()),
        }
    }

    pub(crate) fn check_dashboard(&self) -> Result<(), String> {
        match &self.static_cfg.api {
            Some(api) if api.dashboard => Ok(()),
            _ => Err("dashboard is not enabled".to_string()),
        }
    }

    /// `api@internal`.
    pub(crate) fn serve_api(&self, req: &Request) -> Response {
        let Some(table) = self.tables.upgrade().map(|t| t.load_full()) else {
            return crate::rescue::respond(&crate::rescue::ProxyError::NoRoute);
        };
        let servers = server_health(&table.servers);
        let tcp_servers = server_health(&table.tcp_servers);
        let certificates = certificates_now(&table.certificates);
        let vars = || self.debug_vars();
        let explain = |q: &ExplainQuery| explain(&self.static_cfg, &table, q);
        let stats = || self.stats.view();
        let state = ApiState {
            static_cfg: &self.static_cfg,
            dynamic: &table.config,
            status: &table.status,
            servers: &servers,
            tcp_servers: &tcp_servers,
            certificates: &certificates,
            version: &self.version,
            debug_vars: Some(&vars),
            explain: Some(&explain),
            router_stats: Some(&stats),
        };
        waygate_api::handle(&state, req.method(), req.uri(), req.headers()).map(Body::full)
    }

    /// `dashboard@internal`.
    pub(crate) fn serve_dashboard(&self, req: &Request, ctx: &RequestCtx) -> Response {
        let base = self
            .static_cfg
            .api
            .as_ref()
            .map_or("/", |a| a.base_path.as_str());
        let (method, uri, headers) = (req.method(), req.uri(), req.headers());
        waygate_api::dashboard::internal(method, uri, headers, ctx.tls, base).map(Body::full)
    }

    /// `/debug/vars`: open client connections and resident memory.
    fn debug_vars(&self) -> Map<String, Value> {
        let mut vars = Map::new();
        let connections = self.open.as_ref().map_or(0, |o| o.open());
        let rss = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_string();
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            })
            .map(|kib| kib * 1024);
        vars.insert(
            "waygate".into(),
            json!({"openConnections": connections, "residentBytes": rss}),
        );
        vars
    }
}

/// `/api/explain`: the serving table's answer, as JSON.
fn explain(
    static_cfg: &StaticConfig,
    table: &RuntimeTable,
    q: &ExplainQuery,
) -> Result<Value, String> {
    let request = crate::table::ExplainRequest {
        method: q.method.clone(),
        url: q.url.clone(),
        headers: q.headers.clone(),
        entry_point: q.entry_point.clone(),
        client_ip: q.client_ip,
    };
    let answer = table.explain(static_cfg, &request)?;
    serde_json::to_value(answer).map_err(|e| e.to_string())
}

fn version() -> Version {
    Version {
        version: env!("CARGO_PKG_VERSION").to_string(),
        codename: "waygate".to_string(),
        start_date: SystemTime::now(),
    }
}

/// Service → server URL (or TCP address) → up, from the health flags of the table's load
/// balancers.
fn server_health<S: AsRef<str>>(servers: &[(S, S, Arc<AtomicBool>)]) -> ServerHealth {
    let mut out: ServerHealth = BTreeMap::new();
    for (service, url, up) in servers {
        out.entry(service.as_ref().to_string())
            .or_default()
            .insert(url.as_ref().to_string(), up.load(Ordering::Relaxed));
    }
    out
}

/// The table's certificates with their status as of now.
fn certificates_now(certs: &[Certificate]) -> Vec<Certificate> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    certs
        .iter()
        .map(|c| Certificate {
            status: Certificate::status_at(c.not_after_unix, now).to_string(),
            ..c.clone()
        })
        .collect()
}
