//! The static ("install") configuration model (reference §1): entry points, providers, API,
//! logs, metrics, tracing, certificate resolvers, transports. Read once at startup from exactly
//! one source: a file, CLI flags or environment variables (§2.1).

mod acme;
mod entrypoint;
mod observe;
mod providers;
mod transport;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use self::acme::{
    Acme, CertificateResolver, DnsChallenge, Eab, HttpChallenge, LETS_ENCRYPT_PRODUCTION,
    LETS_ENCRYPT_STAGING, Propagation, TlsChallenge,
};
pub use self::entrypoint::{
    EncodedCharacters, EntryPoint, EntryPointHttp, EntryPointObservability, EntryPointTls,
    ForwardedHeaders, Http2, Http3, LifeCycle, ProxyProtocol, RedirectEntryPoint, Redirections,
    RespondingTimeouts, Transport, Udp,
};
pub use self::observe::{
    AccessLog, AccessLogFields, AccessLogFilters, FieldHeaders, Log, Metrics, MetricsOtlp,
    OtlpGrpc, OtlpHttp, Prometheus, Tracing, TracingOtlp,
};
pub use self::providers::{
    ClientTls, Docker, FileProvider, HttpProvider, KubernetesCrd, KubernetesIngress, Kv, Providers,
    Rest,
};
pub use self::transport::{
    ForwardingTimeouts, ServersTransportDefaults, TcpServersTransportDefaults,
};

/// Arbitrary settings Waygate accepts but does not interpret (plugins, exporters it lacks).
pub type Opaque = serde_json::Value;

/// The whole static configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StaticConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global: Option<Global>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub servers_transport: Option<ServersTransportDefaults>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_servers_transport: Option<TcpServersTransportDefaults>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub entry_points: BTreeMap<String, EntryPoint>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub providers: Option<Providers>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub api: Option<Api>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub ping: Option<Ping>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub log: Option<Log>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub access_log: Option<AccessLog>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub tracing: Option<Tracing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_resolver: Option<HostResolver>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub certificates_resolvers: BTreeMap<String, CertificateResolver>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experimental: Option<Experimental>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub core: Option<Core>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocsp: Option<Opaque>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spiffe: Option<Opaque>,
    /// Waygate's own options (not Traefik's; see docs/compat.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waygate: Option<WaygateOptions>,
}

/// `waygate:` — options Traefik does not have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WaygateOptions {
    /// Worker threads serving traffic (0 = one per core). `WAYGATE_WORKERS` overrides it.
    pub workers: u32,
    /// A client connection whose pending response bytes make no progress for this long is
    /// closed, even when `writeTimeout` is 0 (Traefik's default, which never closes it).
    /// 0 disables the guard.
    pub write_stall_timeout: crate::types::Duration,
}

impl Default for WaygateOptions {
    fn default() -> Self {
        Self {
            workers: 0,
            write_stall_timeout: crate::types::Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Global {
    pub check_new_version: bool,
    pub send_anonymous_usage: bool,
    #[serde(rename = "notAppendXForwardedFor")]
    pub not_append_x_forwarded_for: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Api {
    pub insecure: bool,
    pub dashboard: bool,
    pub debug: bool,
    pub disable_dashboard_ad: bool,
    pub base_path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dashboard_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Ping {
    pub entry_point: String,
    pub manual_routing: bool,
    pub terminating_status_code: u16,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HostResolver {
    pub cname_flattening: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub resolv_config: String,
    pub resolv_depth: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Experimental {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub plugins: BTreeMap<String, Plugin>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub local_plugins: BTreeMap<String, Plugin>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fast_proxy: Option<Opaque>,
    #[serde(rename = "otlplogs")]
    pub otlp_logs: bool,
    pub knative: bool,
    pub kubernetes_gateway: bool,
    #[serde(rename = "kubernetesIngressNGINX")]
    pub kubernetes_ingress_nginx: bool,
    pub abort_on_plugin_failure: bool,
}

/// `experimental.plugins.<name>` / `experimental.localPlugins.<name>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Plugin {
    pub module_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hash: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<Opaque>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Core {
    pub default_rule_syntax: String,
}

// === impl StaticConfig ===

impl StaticConfig {
    /// The entry points Waygate listens on: the configured ones, plus the implicit ones
    /// (reference §1.1): `http` on `:80` when none is configured, and `traefik` on `:8080`
    /// when the insecure API, ping or Prometheus metrics use it and it is not defined.
    pub fn effective_entry_points(&self) -> BTreeMap<String, EntryPoint> {
        let mut eps = self.entry_points.clone();
        if eps.is_empty() {
            eps.insert(
                "http".to_string(),
                EntryPoint {
                    address: ":80".to_string(),
                    ..EntryPoint::default()
                },
            );
        }
        let on_traefik = |ep: &str, manual: bool| ep == "traefik" && !manual;
        let needs_traefik = self.api.as_ref().is_some_and(|a| a.insecure)
            || self
                .ping
                .as_ref()
                .is_some_and(|p| on_traefik(&p.entry_point, p.manual_routing))
            || self
                .metrics
                .as_ref()
                .and_then(|m| m.prometheus.as_ref())
                .is_some_and(|p| on_traefik(&p.entry_point, p.manual_routing));
        if needs_traefik && !eps.contains_key("traefik") {
            eps.insert(
                "traefik".to_string(),
                EntryPoint {
                    address: ":8080".to_string(),
                    ..EntryPoint::default()
                },
            );
        }
        eps
    }
}

// === impl defaults ===

impl Default for Global {
    fn default() -> Self {
        Self {
            check_new_version: true,
            send_anonymous_usage: false,
            not_append_x_forwarded_for: false,
        }
    }
}

impl Default for Api {
    fn default() -> Self {
        Self {
            insecure: false,
            dashboard: true,
            debug: false,
            disable_dashboard_ad: false,
            base_path: "/".to_string(),
            dashboard_name: String::new(),
        }
    }
}

impl Default for Ping {
    fn default() -> Self {
        Self {
            entry_point: "traefik".to_string(),
            manual_routing: false,
            terminating_status_code: 503,
        }
    }
}

impl Default for Core {
    fn default() -> Self {
        Self {
            default_rule_syntax: "v3".to_string(),
        }
    }
}

/// Names of the top-level sections (for `TRAEFIK_<SECTION>` environment filtering).
pub const TOP_LEVEL: &[&str] = &[
    "global",
    "serversTransport",
    "tcpServersTransport",
    "entryPoints",
    "providers",
    "api",
    "metrics",
    "ping",
    "log",
    "accessLog",
    "tracing",
    "hostResolver",
    "certificatesResolvers",
    "experimental",
    "core",
    "ocsp",
    "spiffe",
    "waygate",
];
