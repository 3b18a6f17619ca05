//! `entryPoints.<name>` (reference §1.2).

use serde::{Deserialize, Serialize};

use crate::types::Duration;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EntryPoint {
    /// `[host]:port[/tcp|/udp]`.
    pub address: String,
    pub as_default: bool,
    pub reuse_port: bool,
    #[serde(rename = "allowACMEBypass")]
    pub allow_acme_bypass: bool,
    pub transport: Transport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy_protocol: Option<ProxyProtocol>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarded_headers: Option<ForwardedHeaders>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<EntryPointHttp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http2: Option<Http2>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub http3: Option<Http3>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub udp: Option<Udp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observability: Option<EntryPointObservability>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Transport {
    #[serde(rename = "lifeCycle")]
    pub life_cycle: LifeCycle,
    pub responding_timeouts: RespondingTimeouts,
    pub keep_alive_max_requests: i64,
    pub keep_alive_max_time: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LifeCycle {
    pub request_accept_grace_timeout: Duration,
    #[serde(rename = "graceTimeOut")]
    pub grace_time_out: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RespondingTimeouts {
    pub read_timeout: Duration,
    pub write_timeout: Duration,
    pub idle_timeout: Duration,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxyProtocol {
    pub insecure: bool,
    #[serde(rename = "trustedIPs")]
    pub trusted_ips: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ForwardedHeaders {
    pub insecure: bool,
    #[serde(rename = "trustedIPs")]
    pub trusted_ips: Vec<String>,
    pub connection: Vec<String>,
    #[serde(rename = "notAppendXForwardedFor")]
    pub not_append_x_forwarded_for: bool,
    pub add_x_forwarded_scheme_headers: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EntryPointHttp {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirections: Option<Redirections>,
    pub middlewares: Vec<String>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls: Option<EntryPointTls>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoded_characters: Option<EncodedCharacters>,
    pub encode_query_semicolons: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sanitize_path: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_header_bytes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub underscore_headers_strategy: Option<String>,
}

/// `http.encodedCharacters`: which percent-encoded characters paths may contain (all allowed by
/// default on entry points).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EncodedCharacters {
    pub allow_encoded_slash: bool,
    pub allow_encoded_back_slash: bool,
    pub allow_encoded_null_character: bool,
    pub allow_encoded_semicolon: bool,
    pub allow_encoded_percent: bool,
    pub allow_encoded_question_mark: bool,
    pub allow_encoded_hash: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Redirections {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<RedirectEntryPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RedirectEntryPoint {
    /// Target entry point name, or `:port`.
    pub to: String,
    pub scheme: String,
    pub permanent: bool,
    pub priority: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EntryPointTls {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub options: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert_resolver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<crate::dynamic::Domain>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Http2 {
    pub max_concurrent_streams: u32,
    pub max_decoder_header_table_size: u32,
    pub max_encoder_header_table_size: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Http3 {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advertised_port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Udp {
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EntryPointObservability {
    pub access_logs: bool,
    pub metrics: bool,
    pub tracing: bool,
    pub trace_verbosity: String,
}

// === impl defaults ===

impl Default for LifeCycle {
    fn default() -> Self {
        Self {
            request_accept_grace_timeout: Duration::ZERO,
            grace_time_out: Duration::from_secs(10),
        }
    }
}

impl Default for RespondingTimeouts {
    fn default() -> Self {
        Self {
            read_timeout: Duration::from_secs(60),
            write_timeout: Duration::ZERO,
            idle_timeout: Duration::from_secs(180),
        }
    }
}

impl Default for EncodedCharacters {
    fn default() -> Self {
        Self {
            allow_encoded_slash: true,
            allow_encoded_back_slash: true,
            allow_encoded_null_character: true,
            allow_encoded_semicolon: true,
            allow_encoded_percent: true,
            allow_encoded_question_mark: true,
            allow_encoded_hash: true,
        }
    }
}

impl Default for RedirectEntryPoint {
    fn default() -> Self {
        Self {
            to: String::new(),
            scheme: "https".to_string(),
            permanent: true,
            priority: i64::MAX - 1,
        }
    }
}

impl Default for Http2 {
    fn default() -> Self {
        Self {
            max_concurrent_streams: 250,
            max_decoder_header_table_size: 4096,
            max_encoder_header_table_size: 4096,
        }
    }
}

impl Default for Udp {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
        }
    }
}

impl Default for EntryPointObservability {
    fn default() -> Self {
        Self {
            access_logs: true,
            metrics: true,
            tracing: true,
            trace_verbosity: "minimal".to_string(),
        }
    }
}
