//! Services made of other services: `weighted`, `highestRandomWeight`, `mirroring`, `failover`.

use serde::{Deserialize, Serialize};

use super::Sticky;

/// `healthCheck: {}` on a composite service: propagate children's health upwards.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HealthCheckRef {}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Weighted {
    pub services: Vec<WeightedService>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sticky: Option<Sticky>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub health_check: Option<HealthCheckRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WeightedService {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Mirroring {
    pub service: String,
    pub mirror_body: bool,
    pub max_body_size: i64,
    pub mirrors: Vec<Mirror>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub health_check: Option<HealthCheckRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Mirror {
    pub name: String,
    pub percent: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Failover {
    pub service: String,
    pub fallback: String,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub health_check: Option<HealthCheckRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<FailoverErrors>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FailoverErrors {
    pub status: Vec<String>,
    pub max_request_body_bytes: i64,
}

impl Default for Mirroring {
    fn default() -> Self {
        Self {
            service: String::new(),
            mirror_body: true,
            max_body_size: -1,
            mirrors: Vec::new(),
            health_check: None,
        }
    }
}

impl Default for FailoverErrors {
    fn default() -> Self {
        Self {
            status: Vec::new(),
            max_request_body_bytes: -1,
        }
    }
}
