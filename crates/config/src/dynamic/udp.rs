//! UDP routers and services (reference §3.5).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::WeightedService;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UdpConfig {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub routers: BTreeMap<String, UdpRouter>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, UdpService>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UdpRouter {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entry_points: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UdpService {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub load_balancer: Option<UdpLoadBalancer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weighted: Option<UdpWeighted>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UdpLoadBalancer {
    pub servers: Vec<UdpServer>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UdpServer {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// Docker labels only.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub port: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UdpWeighted {
    pub services: Vec<WeightedService>,
}
