//! TCP routers, services and transports (reference §3.4).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::tcp_middleware::TcpMiddleware;
use super::{Certificate, Domain, HealthCheckRef, PeerCertSan, WeightedService};
use crate::types::Duration;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpConfig {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub routers: BTreeMap<String, TcpRouter>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, TcpService>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub middlewares: BTreeMap<String, TcpMiddleware>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub servers_transports: BTreeMap<String, TcpServersTransport>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpRouter {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry_points: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub middlewares: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service: String,
    pub rule: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rule_syntax: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub priority: i64,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls: Option<TcpRouterTls>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpRouterTls {
    pub passthrough: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub options: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert_resolver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpService {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub load_balancer: Option<TcpLoadBalancer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weighted: Option<TcpWeighted>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpLoadBalancer {
    pub servers: Vec<TcpServer>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub servers_transport: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_protocol: Option<ProxyProtocolVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination_delay: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<TcpHealthCheck>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpServer {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub address: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tls: bool,
    /// Docker labels only.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub port: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyProtocolVersion {
    pub version: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpHealthCheck {
    pub port: u16,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub send: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub expect: String,
    pub interval: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unhealthy_interval: Option<Duration>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpWeighted {
    pub services: Vec<WeightedService>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub health_check: Option<HealthCheckRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpServersTransport {
    pub dial_timeout: Duration,
    pub dial_keep_alive: Duration,
    pub termination_delay: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_protocol: Option<ProxyProtocolVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TcpTransportTls>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpTransportTls {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub server_name: String,
    pub insecure_skip_verify: bool,
    #[serde(rename = "rootCAs", skip_serializing_if = "Vec::is_empty")]
    pub root_cas: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
    #[serde(rename = "peerCertURI", skip_serializing_if = "String::is_empty")]
    pub peer_cert_uri: String,
    #[serde(rename = "peerCertSANs", skip_serializing_if = "Vec::is_empty")]
    pub peer_cert_sans: Vec<PeerCertSan>,
    /// SPIFFE identities to verify (decoded; reported as not implemented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spiffe: Option<crate::static_config::Opaque>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl Default for ProxyProtocolVersion {
    fn default() -> Self {
        Self { version: 2 }
    }
}

impl Default for TcpHealthCheck {
    fn default() -> Self {
        Self {
            port: 0,
            send: String::new(),
            expect: String::new(),
            interval: Duration::from_secs(30),
            unhealthy_interval: None,
            timeout: Duration::from_secs(5),
        }
    }
}

impl Default for TcpServersTransport {
    fn default() -> Self {
        Self {
            dial_timeout: Duration::from_secs(30),
            dial_keep_alive: Duration::from_secs(15),
            termination_delay: Duration::from_millis(100),
            proxy_protocol: None,
            tls: None,
        }
    }
}
