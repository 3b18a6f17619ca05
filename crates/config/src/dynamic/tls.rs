//! `tls`: certificates, options and stores (reference §3.6).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Domain;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertAndStores>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, TlsOptions>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub stores: BTreeMap<String, TlsStore>,
}

/// A certificate: file paths or inline PEM.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Certificate {
    pub cert_file: String,
    pub key_file: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CertAndStores {
    pub cert_file: String,
    pub key_file: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stores: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsOptions {
    pub min_version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub max_version: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cipher_suites: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub curve_preferences: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_auth: Option<ClientAuth>,
    pub sni_strict: bool,
    pub alpn_protocols: Vec<String>,
    pub disable_session_tickets: bool,
    /// Deprecated no-op.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub prefer_server_cipher_suites: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientAuth {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ca_files: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_auth_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsStore {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_certificate: Option<Certificate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_generated_cert: Option<GeneratedCert>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GeneratedCert {
    pub resolver: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<Domain>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self {
            min_version: "VersionTLS12".to_string(),
            max_version: String::new(),
            cipher_suites: Vec::new(),
            curve_preferences: Vec::new(),
            client_auth: None,
            sni_strict: false,
            alpn_protocols: vec![
                "h2".to_string(),
                "http/1.1".to_string(),
                "acme-tls/1".to_string(),
            ],
            disable_session_tickets: false,
            prefer_server_cipher_suites: false,
        }
    }
}

/// The five `clientAuthType` values.
pub(crate) const CLIENT_AUTH_TYPES: &[&str] = &[
    "NoClientCert",
    "RequestClientCert",
    "RequireAnyClientCert",
    "VerifyClientCertIfGiven",
    "RequireAndVerifyClientCert",
];

/// TLS versions Traefik accepts in `minVersion`/`maxVersion`.
pub(crate) const TLS_VERSIONS: &[&str] = &[
    "VersionTLS10",
    "VersionTLS11",
    "VersionTLS12",
    "VersionTLS13",
];
