//! `http.routers.<name>` (reference §3.1).

use serde::{Deserialize, Serialize};

/// The rarely set sections are boxed: a configuration holds two copies of most routers (the
/// provider's and the qualified one), and in place they made each router 256 bytes instead
/// of 168 (10,000 routers: ~1.8 MiB).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Router {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry_points: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub middlewares: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service: String,
    pub rule: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rule_syntax: String,
    /// 0 means "the length of the rule".
    #[serde(skip_serializing_if = "is_zero")]
    pub priority: i64,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls: Option<Box<RouterTls>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observability: Option<Box<RouterObservability>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parent_refs: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RouterTls {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub options: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert_resolver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
}

/// A certificate domain: `main` and optional SANs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Domain {
    pub main: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sans: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RouterObservability {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_logs: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_verbosity: Option<String>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

// === impl Router ===

impl Router {
    /// The effective priority: the explicit one, else the rule's length in bytes.
    pub fn effective_priority(&self) -> i64 {
        if self.priority != 0 {
            self.priority
        } else {
            i64::try_from(self.rule.len()).unwrap_or(i64::MAX)
        }
    }
}
