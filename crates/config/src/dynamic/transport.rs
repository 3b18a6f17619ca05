//! `http.serversTransports.<name>` (reference §3.3).

use serde::{Deserialize, Serialize};

use super::tls::Certificate;
use crate::static_config::{ForwardingTimeouts, Opaque};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServersTransport {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub server_name: String,
    pub insecure_skip_verify: bool,
    #[serde(rename = "rootCAs", skip_serializing_if = "Vec::is_empty")]
    pub root_cas: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cipher_suites: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub min_version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub max_version: String,
    pub max_idle_conns_per_host: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarding_timeouts: Option<ForwardingTimeouts>,
    #[serde(rename = "disableHTTP2")]
    pub disable_http2: bool,
    #[serde(rename = "peerCertURI", skip_serializing_if = "String::is_empty")]
    pub peer_cert_uri: String,
    #[serde(rename = "peerCertSANs", skip_serializing_if = "Vec::is_empty")]
    pub peer_cert_sans: Vec<PeerCertSan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spiffe: Option<Opaque>,
}

/// An expected SAN of the backend's certificate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PeerCertSan {
    /// `DNSName` or `URI`.
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}
