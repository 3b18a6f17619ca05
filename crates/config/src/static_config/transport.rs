//! Static transport defaults: `serversTransport` and `tcpServersTransport` (reference §1.14).

use serde::{Deserialize, Serialize};

use super::Opaque;
use crate::types::Duration;

/// `serversTransport`: the defaults behind `default@internal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServersTransportDefaults {
    pub insecure_skip_verify: bool,
    #[serde(rename = "rootCAs")]
    pub root_cas: Vec<String>,
    pub max_idle_conns_per_host: i64,
    pub forwarding_timeouts: ForwardingTimeouts,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spiffe: Option<Opaque>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ForwardingTimeouts {
    pub dial_timeout: Duration,
    pub response_header_timeout: Duration,
    pub idle_conn_timeout: Duration,
    pub read_idle_timeout: Duration,
    pub ping_timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpServersTransportDefaults {
    pub dial_timeout: Duration,
    pub dial_keep_alive: Duration,
    pub termination_delay: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Opaque>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spiffe: Option<Opaque>,
}

// === impl defaults ===

impl Default for ServersTransportDefaults {
    fn default() -> Self {
        Self {
            insecure_skip_verify: false,
            root_cas: Vec::new(),
            max_idle_conns_per_host: 200,
            forwarding_timeouts: ForwardingTimeouts::default(),
            spiffe: None,
        }
    }
}

impl Default for ForwardingTimeouts {
    fn default() -> Self {
        Self {
            dial_timeout: Duration::from_secs(30),
            response_header_timeout: Duration::ZERO,
            idle_conn_timeout: Duration::from_secs(90),
            read_idle_timeout: Duration::ZERO,
            ping_timeout: Duration::from_secs(15),
        }
    }
}

impl Default for TcpServersTransportDefaults {
    fn default() -> Self {
        Self {
            dial_timeout: Duration::from_secs(30),
            dial_keep_alive: Duration::from_secs(15),
            termination_delay: Duration::ZERO,
            tls: None,
            spiffe: None,
        }
    }
}
