//! The dynamic ("routing") configuration model: HTTP, TCP and UDP routers, services and
//! middlewares, servers transports and TLS, with Traefik's names and defaults (reference §3, §4).

pub mod middleware;
mod router;
mod service;
pub mod tcp;
pub mod tcp_middleware;
pub(crate) mod tls;
mod transport;
pub mod udp;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use self::middleware::Middleware;
pub use self::router::{Domain, Router, RouterObservability, RouterTls};
pub use self::service::{
    Cookie, Failover, FailoverErrors, HealthCheck, HealthCheckRef, LoadBalancer, Mirror, Mirroring,
    PassiveHealthCheck, ResponseForwarding, Server, Service, Sticky, Weighted, WeightedService,
};
pub use self::tls::{
    CertAndStores, Certificate, ClientAuth, GeneratedCert, TlsConfig, TlsOptions, TlsStore,
};
pub use self::transport::{PeerCertSan, ServersTransport};

/// One provider's dynamic configuration (or the merge of all of them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DynamicConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<tcp::TcpConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp: Option<udp::UdpConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsConfig>,
}

/// Routers, services and middlewares are shared (`Arc`): the provider's snapshot, its
/// qualified copy and the merged configuration hold the same items wherever qualification
/// did not change them, and the runtime table reuses what it compiled from an item that is
/// the same as in the previous merge (10,000 routers and services were ~15 MiB per copy).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpConfig {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub routers: BTreeMap<String, Arc<Router>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Arc<Service>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub middlewares: BTreeMap<String, Arc<Middleware>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub servers_transports: BTreeMap<String, ServersTransport>,
}

// === impl DynamicConfig ===

impl DynamicConfig {
    /// Counts of (routers, services, middlewares) over HTTP, TCP and UDP.
    pub fn counts(&self) -> (usize, usize, usize) {
        let http = self.http.as_ref();
        let tcp = self.tcp.as_ref();
        let udp = self.udp.as_ref();
        let routers = http.map_or(0, |h| h.routers.len())
            + tcp.map_or(0, |t| t.routers.len())
            + udp.map_or(0, |u| u.routers.len());
        let services = http.map_or(0, |h| h.services.len())
            + tcp.map_or(0, |t| t.services.len())
            + udp.map_or(0, |u| u.services.len());
        let middlewares =
            http.map_or(0, |h| h.middlewares.len()) + tcp.map_or(0, |t| t.middlewares.len());
        (routers, services, middlewares)
    }
}
