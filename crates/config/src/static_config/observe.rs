//! `log`, `accessLog`, `metrics`, `tracing` (reference §1.10–1.12).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ClientTls, Opaque};
use crate::types::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Log {
    pub level: String,
    pub format: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file_path: String,
    pub no_color: bool,
    pub max_size: i64,
    pub max_age: i64,
    pub max_backups: i64,
    pub compress: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otlp: Option<Opaque>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessLog {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file_path: String,
    pub format: String,
    pub buffering_size: i64,
    pub add_internals: bool,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub filters: Option<AccessLogFilters>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<AccessLogFields>,
    pub dual_output: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otlp: Option<Opaque>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessLogFilters {
    /// Codes or ranges: `"200"`, `"300-302"`.
    pub status_codes: Vec<String>,
    pub retry_attempts: bool,
    pub min_duration: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AccessLogFields {
    pub default_mode: String,
    pub names: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<FieldHeaders>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_parameters: Option<FieldHeaders>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldHeaders {
    pub default_mode: String,
    pub names: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Metrics {
    pub add_internals: bool,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub prometheus: Option<Prometheus>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub otlp: Option<MetricsOtlp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datadog: Option<Opaque>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statsd: Option<Opaque>,
    #[serde(rename = "influxDB2", skip_serializing_if = "Option::is_none")]
    pub influx_db2: Option<Opaque>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Prometheus {
    pub buckets: Vec<f64>,
    pub add_entry_points_labels: bool,
    pub add_routers_labels: bool,
    pub add_services_labels: bool,
    pub entry_point: String,
    pub manual_routing: bool,
    pub header_labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Tracing {
    pub service_name: String,
    pub sample_rate: f64,
    pub resource_attributes: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub global_attributes: BTreeMap<String, String>,
    pub captured_request_headers: Vec<String>,
    pub captured_response_headers: Vec<String>,
    pub safe_query_params: Vec<String>,
    pub add_internals: bool,
    /// Absent means OTLP over HTTP with its defaults (Traefik's `SetDefaults`).
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub otlp: Option<TracingOtlp>,
}

/// `metrics.otlp`: the same series as Prometheus's, pushed every `pushInterval` over gRPC
/// when `grpc` is set, else HTTP.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricsOtlp {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub grpc: Option<OtlpGrpc>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub http: Option<OtlpHttp>,
    pub add_entry_points_labels: bool,
    pub add_routers_labels: bool,
    pub add_services_labels: bool,
    pub explicit_boundaries: Vec<f64>,
    pub push_interval: Duration,
    pub service_name: String,
    pub resource_attributes: BTreeMap<String, String>,
}

/// `tracing.otlp`: gRPC when `grpc` is set, else HTTP.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TracingOtlp {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub grpc: Option<OtlpGrpc>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub http: Option<OtlpHttp>,
}

/// An OTLP/gRPC collector: `host:port`, TLS unless `insecure`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OtlpGrpc {
    pub endpoint: String,
    pub insecure: bool,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls: Option<ClientTls>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

/// An OTLP/HTTP collector: `scheme://host:port/path` (path `/v1/traces` when empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OtlpHttp {
    pub endpoint: String,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls: Option<ClientTls>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

// === impl defaults ===

impl Default for Log {
    fn default() -> Self {
        Self {
            level: "ERROR".to_string(),
            format: "common".to_string(),
            file_path: String::new(),
            no_color: false,
            max_size: 0,
            max_age: 0,
            max_backups: 0,
            compress: false,
            otlp: None,
        }
    }
}

impl Default for AccessLog {
    fn default() -> Self {
        Self {
            file_path: String::new(),
            format: "common".to_string(),
            buffering_size: 0,
            add_internals: false,
            filters: None,
            fields: None,
            dual_output: false,
            otlp: None,
        }
    }
}

impl Default for AccessLogFields {
    fn default() -> Self {
        Self {
            default_mode: "keep".to_string(),
            names: BTreeMap::new(),
            headers: None,
            query_parameters: None,
        }
    }
}

impl Default for FieldHeaders {
    fn default() -> Self {
        Self {
            default_mode: "drop".to_string(),
            names: BTreeMap::new(),
        }
    }
}

impl Default for Prometheus {
    fn default() -> Self {
        Self {
            buckets: vec![0.1, 0.3, 1.2, 5.0],
            add_entry_points_labels: true,
            add_routers_labels: false,
            add_services_labels: true,
            entry_point: "traefik".to_string(),
            manual_routing: false,
            header_labels: BTreeMap::new(),
        }
    }
}

impl Default for Tracing {
    fn default() -> Self {
        Self {
            service_name: "traefik".to_string(),
            sample_rate: 1.0,
            resource_attributes: BTreeMap::new(),
            global_attributes: BTreeMap::new(),
            captured_request_headers: Vec::new(),
            captured_response_headers: Vec::new(),
            safe_query_params: Vec::new(),
            add_internals: false,
            otlp: None,
        }
    }
}

impl Default for OtlpGrpc {
    fn default() -> Self {
        Self {
            endpoint: "localhost:4317".to_string(),
            insecure: false,
            tls: None,
            headers: BTreeMap::new(),
        }
    }
}

impl Default for OtlpHttp {
    fn default() -> Self {
        Self {
            endpoint: "https://localhost:4318".to_string(),
            tls: None,
            headers: BTreeMap::new(),
        }
    }
}

impl Default for MetricsOtlp {
    fn default() -> Self {
        Self {
            grpc: None,
            http: None,
            add_entry_points_labels: true,
            add_routers_labels: false,
            add_services_labels: true,
            explicit_boundaries: vec![
                0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
            ],
            push_interval: Duration::from_secs(10),
            service_name: "traefik".to_string(),
            resource_attributes: BTreeMap::new(),
        }
    }
}
