//! What the API reads: borrowed views of the gateway's state, built per request (cheap: no
//! copies of the configuration).

use std::collections::BTreeMap;
use std::time::SystemTime;

use waygate_config::dynamic::DynamicConfig;
use waygate_config::static_config::StaticConfig;
use waygate_config::status::RuntimeStatus;

use crate::certificates::Certificate;
use crate::explain::ExplainFn;
use crate::stats::RouterStatsView;

/// Everything the API shows.
pub struct ApiState<'a> {
    pub static_cfg: &'a StaticConfig,
    /// The merged configuration, names and references qualified (`name@provider`).
    pub dynamic: &'a DynamicConfig,
    /// What compiling `dynamic` decided for each item.
    pub status: &'a RuntimeStatus,
    /// Health of the servers of each load-balancer service the data plane built.
    pub servers: &'a ServerHealth,
    /// The same for the TCP services whose servers are health checked.
    pub tcp_servers: &'a ServerHealth,
    /// The certificates of the default TLS store (the generated default one excluded).
    pub certificates: &'a [Certificate],
    pub version: &'a Version,
    /// `/debug/vars` (with `api.debug`): the process figures to publish, as JSON members.
    pub debug_vars: Option<&'a dyn Fn() -> serde_json::Map<String, serde_json::Value>>,
    /// `/api/explain` (a Waygate extension): route explain against the serving table.
    pub explain: Option<ExplainFn<'a>>,
    /// `/api/waygate/routers/stats` (a Waygate extension): the data plane's router counters,
    /// read only when that endpoint is asked for.
    pub router_stats: Option<&'a dyn Fn() -> RouterStatsView>,
}

/// Service (qualified) → server URL → up. Only services the data plane built are listed, as in
/// Traefik, which reports `serverStatus` for the load balancers it created.
pub type ServerHealth = BTreeMap<String, BTreeMap<String, bool>>;

/// `/api/version`.
#[derive(Debug, Clone)]
pub struct Version {
    pub version: String,
    pub codename: String,
    pub start_date: SystemTime,
}

// === impl ApiState ===

impl ApiState<'_> {
    /// `api.basePath` (default `/`).
    pub(crate) fn base_path(&self) -> &str {
        self.static_cfg
            .api
            .as_ref()
            .map_or("/", |a| a.base_path.as_str())
    }

    pub(crate) fn dashboard(&self) -> bool {
        self.static_cfg.api.as_ref().is_some_and(|a| a.dashboard)
    }

    pub(crate) fn debug(&self) -> bool {
        self.static_cfg.api.as_ref().is_some_and(|a| a.debug)
    }
}
