//! The runtime table: everything a request needs, compiled once from the merged dynamic
//! configuration and swapped in atomically. Never patched in place.

mod compile;
mod explain;
mod middlewares;
mod reuse;
mod routes;
mod services;
mod stats;

use std::sync::Arc;

use waygate_rules::Rule;

use crate::forwarded::ForwardedPolicy;
use crate::middleware::Mw;
use crate::service::Service;

pub use self::compile::{CompileInput, Compiled, compile};
pub use self::explain::{
    Candidate, CertificateSeen, EntryPointExplanation, ExplainRequest, Explanation, Member,
    MiddlewareStep, Nearest, Seen, ServerPick, ServiceExplanation, TlsExplanation, Winner,
};
pub(crate) use self::routes::Routes;
pub use self::stats::{LATENCY_BOUNDS_US, RouterStats, RouterStatsRegistry};

/// The compiled configuration of every entry point.
#[derive(Debug, Default)]
pub struct RuntimeTable {
    /// In the order of [`entry_point_names`]; connections keep their entry point's index.
    pub(crate) entry_points: Vec<(String, EntryPointTable)>,
    pub status: TableStatus,
    /// The merged configuration this table was compiled from (what the API shows).
    pub config: Arc<waygate_config::dynamic::DynamicConfig>,
    pub generation: u64,
    /// Every load-balancer server of the built services with its health flag (the API's
    /// `serverStatus`): (service, server URL, up).
    pub(crate) servers: Vec<Server>,
    /// The same for TCP servers with a health check: (TCP service, address, up).
    pub(crate) tcp_servers: Vec<(String, String, Arc<std::sync::atomic::AtomicBool>)>,
    /// The certificates of the default TLS store, summarized for the API.
    pub certificates: Vec<waygate_api::Certificate>,
    /// What the next compile takes over from this table (`reuse.rs`).
    pub(crate) kept: reuse::Kept,
}

/// One entry point's routers and request policies.
#[derive(Debug, Default)]
pub(crate) struct EntryPointTable {
    /// Routers without TLS: they serve plain-HTTP connections only.
    pub(crate) routes: Routes,
    /// TLS routers (router `tls`, or the entry point's `http.tls`): TLS connections only.
    pub(crate) tls_routes: Routes,
    /// Set when the entry point terminates TLS (it has `http.tls` or a TLS router): the TLS
    /// option per server name.
    pub(crate) tls: Option<crate::tls::SniOptions>,
    pub(crate) forwarded: ForwardedPolicy,
    /// `http.sanitizePath` and `http.encodedCharacters`.
    pub(crate) path: crate::path::PathPolicy,
    /// `http.underscoreHeadersStrategy`.
    pub(crate) underscores: crate::hygiene::Underscores,
    /// `http.encodeQuerySemicolons`.
    pub(crate) encode_query_semicolons: bool,
    /// TCP routers on this entry point.
    pub(crate) tcp: crate::tcp::TcpRoutes,
    /// The UDP router of this (UDP) entry point.
    pub(crate) udp: Option<Arc<crate::udp::UdpRoute>>,
    /// Access log settings for requests no router takes (`None`: not logged).
    pub(crate) log: Option<Arc<crate::accesslog::RouterLog>>,
    /// Set with `metrics.prometheus`: what this entry point's requests record.
    pub(crate) metrics: Option<Arc<crate::metrics::EntryPointMetrics>>,
    /// Tracing of requests no router takes (`None`: not traced).
    pub(crate) trace: Option<Arc<crate::trace::RouterTrace>>,
}

/// A router ready to serve.
#[derive(Debug)]
pub struct CompiledRouter {
    pub name: String,
    pub priority: i64,
    /// Shared by the router's copies on several entry points, and with the next table when
    /// the rule does not change.
    pub(crate) rule: Arc<Rule>,
    pub(crate) chain: Vec<Arc<Mw>>,
    pub(crate) service: Arc<Service>,
    /// Traffic counters: shared by the router's copies on several entry points, kept across
    /// reloads.
    pub(crate) stats: Arc<RouterStats>,
    /// Access log settings (`None`: this router does not log).
    pub(crate) log: Option<Arc<crate::accesslog::RouterLog>>,
    /// Prometheus handles, when metrics are on for this router (reference §8.1).
    pub(crate) metrics: Option<Arc<crate::metrics::RouterMetrics>>,
    /// Tracing settings (`None`: this router does not trace).
    pub(crate) trace: Option<Arc<crate::trace::RouterTrace>>,
}

/// A load-balancer server and its health flag: (service, server URL, up).
pub(crate) type Server = (Arc<str>, Arc<str>, Arc<std::sync::atomic::AtomicBool>);

/// What was enabled, and why the rest was not: every item's status (the API shows it).
pub type TableStatus = waygate_config::status::RuntimeStatus;

// === impl RuntimeTable ===

impl RuntimeTable {
    /// Names of the enabled non-TLS routers of an entry point, in match order.
    pub fn routers(&self, entry_point: &str) -> Vec<&str> {
        self.entry_points
            .iter()
            .find(|(n, _)| n == entry_point)
            .map(|(_, ep)| ep.routes.iter().map(|r| r.name.as_str()).collect())
            .unwrap_or_default()
    }

    /// Names of the enabled TLS routers of an entry point, in match order.
    pub fn tls_routers(&self, entry_point: &str) -> Vec<&str> {
        self.entry_points
            .iter()
            .find(|(n, _)| n == entry_point)
            .map(|(_, ep)| ep.tls_routes.iter().map(|r| r.name.as_str()).collect())
            .unwrap_or_default()
    }

    /// Whether an entry point terminates TLS with this table.
    pub fn serves_tls(&self, entry_point: &str) -> bool {
        self.entry_points
            .iter()
            .any(|(n, ep)| n == entry_point && ep.tls.is_some())
    }
}

/// The entry points of a static configuration (with the implicit ones), in a fixed order.
pub fn entry_point_names(st: &waygate_config::static_config::StaticConfig) -> Vec<String> {
    st.effective_entry_points().into_keys().collect()
}

/// Compiles `dynamic` (merged and qualified) exactly as [`Gateway::apply`](crate::Gateway::apply)
/// would, without binding, serving or health checking anything: what `waygate check` shows,
/// with the routers' `using` and the services' and middlewares' `usedBy` filled.
pub fn dry_run(
    static_cfg: &waygate_config::static_config::StaticConfig,
    dynamic: &waygate_config::dynamic::DynamicConfig,
    issues: &[waygate_config::Issue],
) -> (TableStatus, Vec<waygate_config::Issue>) {
    let (table, issues) = dry_table(static_cfg, dynamic, issues);
    (table.status, issues)
}

/// Like [`dry_run`], keeping the table itself (what `waygate explain` reads): every server
/// counts as healthy and no round robin has advanced yet.
pub fn dry_table(
    static_cfg: &waygate_config::static_config::StaticConfig,
    dynamic: &waygate_config::dynamic::DynamicConfig,
    issues: &[waygate_config::Issue],
) -> (RuntimeTable, Vec<waygate_config::Issue>) {
    dry_table_after(static_cfg, dynamic, issues, None)
}

/// [`dry_table`], taking over what did not change from `previous` as a reload does.
pub(crate) fn dry_table_after(
    static_cfg: &waygate_config::static_config::StaticConfig,
    dynamic: &waygate_config::dynamic::DynamicConfig,
    issues: &[waygate_config::Issue],
    previous: Option<&RuntimeTable>,
) -> (RuntimeTable, Vec<waygate_config::Issue>) {
    let compiled = compile(&CompileInput {
        static_cfg,
        dynamic: &Arc::new(dynamic.clone()),
        issues,
        health: &crate::service::health::HealthRegistry::default(),
        pools: &crate::upstream::Pools::default(),
        terminating: &Arc::default(),
        generation: 0,
        previous,
        tls: &crate::tls::TlsShared::new(),
        acme: &Arc::default(),
        api: &Arc::new(crate::service::ApiSource::detached(Arc::new(
            static_cfg.clone(),
        ))),
        access_log: None,
        metrics: crate::metrics::Prometheus::from_static(
            static_cfg,
            Default::default(),
            None,
            None,
        )
        .as_ref(),
        tracer: None,
    });
    let mut table = compiled.table;
    // What `check` shows and the serving table leaves out.
    table.status.record_usage(dynamic, static_cfg);
    (table, compiled.issues)
}
