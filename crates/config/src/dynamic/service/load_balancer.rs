//! `loadBalancer` services: servers, strategy, sticky sessions, health checks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::types::Duration;

/// Optional sections boxed, as in [`super::Service`]: most load balancers have none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LoadBalancer {
    pub servers: Vec<Server>,
    pub strategy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sticky: Option<Box<Sticky>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_check: Option<Box<HealthCheck>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub passive_health_check: Option<Box<PassiveHealthCheck>>,
    pub pass_host_header: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_forwarding: Option<Box<ResponseForwarding>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub servers_transport: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Server {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preserve_path: bool,
    /// Docker labels only: the container port the URL is built from.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub port: String,
    /// Docker labels only: the scheme the URL is built with.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scheme: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sticky {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub cookie: Option<Cookie>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Cookie {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub secure: bool,
    pub http_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub same_site: String,
    pub max_age: i64,
    pub path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HealthCheck {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scheme: String,
    pub mode: String,
    pub path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub method: String,
    pub status: u16,
    pub port: u16,
    pub interval: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unhealthy_interval: Option<Duration>,
    pub timeout: Duration,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    pub follow_redirects: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PassiveHealthCheck {
    pub failure_window: Duration,
    pub max_failed_attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseForwarding {
    pub flush_interval: Duration,
}

// === impl defaults ===

impl Default for LoadBalancer {
    fn default() -> Self {
        Self {
            servers: Vec::new(),
            strategy: "wrr".to_string(),
            sticky: None,
            health_check: None,
            passive_health_check: None,
            pass_host_header: true,
            response_forwarding: None,
            servers_transport: String::new(),
        }
    }
}

impl Default for Cookie {
    fn default() -> Self {
        Self {
            name: String::new(),
            secure: false,
            http_only: false,
            same_site: String::new(),
            max_age: 0,
            path: "/".to_string(),
            domain: String::new(),
        }
    }
}

impl Default for HealthCheck {
    fn default() -> Self {
        Self {
            scheme: String::new(),
            mode: "http".to_string(),
            path: String::new(),
            method: String::new(),
            status: 0,
            port: 0,
            interval: Duration::from_secs(30),
            unhealthy_interval: None,
            timeout: Duration::from_secs(5),
            hostname: String::new(),
            follow_redirects: true,
            headers: BTreeMap::new(),
        }
    }
}

impl Default for PassiveHealthCheck {
    fn default() -> Self {
        Self {
            failure_window: Duration::from_secs(10),
            max_failed_attempts: 1,
        }
    }
}

impl Default for ResponseForwarding {
    fn default() -> Self {
        Self {
            flush_interval: Duration::from_millis(100),
        }
    }
}
