//! `certificatesResolvers.<name>` with its `acme` section (reference §1.13).

use serde::{Deserialize, Serialize};

use super::Opaque;
use crate::types::Duration;

/// The Let's Encrypt production directory, Traefik's default `caServer`.
pub const LETS_ENCRYPT_PRODUCTION: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// The Let's Encrypt staging directory.
pub const LETS_ENCRYPT_STAGING: &str = "https://acme-staging-v02.api.letsencrypt.org/directory";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CertificateResolver {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub acme: Option<Acme>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tailscale: Option<Opaque>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Acme {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    pub ca_server: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub preferred_chain: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub profile: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email_addresses: Vec<String>,
    pub storage: String,
    pub key_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eab: Option<Eab>,
    /// Hours; only drives renewal timing.
    pub certificates_duration: i64,
    pub client_timeout: Duration,
    pub client_response_header_timeout: Duration,
    pub certificate_timeout: Duration,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ca_certificates: Vec<String>,
    pub ca_system_cert_pool: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ca_server_name: String,
    pub disable_common_name: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_challenge: Option<DnsChallenge>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_challenge: Option<HttpChallenge>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls_challenge: Option<TlsChallenge>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Eab {
    pub kid: String,
    pub hmac_encoded: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DnsChallenge {
    pub provider: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resolvers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagation: Option<Propagation>,
    /// Deprecated alias of `propagation.delayBeforeChecks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_before_check: Option<Duration>,
    /// Deprecated alias of `propagation.disableChecks`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disable_propagation_check: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Propagation {
    pub delay_before_checks: Duration,
    pub disable_checks: bool,
    #[serde(rename = "disableANSChecks")]
    pub disable_ans_checks: bool,
    #[serde(rename = "requireAllRNS")]
    pub require_all_rns: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpChallenge {
    pub entry_point: String,
    pub delay: Duration,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsChallenge {
    pub delay: Duration,
}

impl Default for Acme {
    fn default() -> Self {
        Self {
            email: String::new(),
            ca_server: LETS_ENCRYPT_PRODUCTION.to_string(),
            preferred_chain: String::new(),
            profile: String::new(),
            email_addresses: Vec::new(),
            storage: "acme.json".to_string(),
            key_type: "RSA4096".to_string(),
            eab: None,
            certificates_duration: 2160,
            client_timeout: Duration::from_secs(120),
            client_response_header_timeout: Duration::from_secs(30),
            certificate_timeout: Duration::from_secs(30),
            ca_certificates: Vec::new(),
            ca_system_cert_pool: false,
            ca_server_name: String::new(),
            disable_common_name: false,
            dns_challenge: None,
            http_challenge: None,
            tls_challenge: None,
        }
    }
}
