//! `providers` (reference §1.3–1.8). Providers Waygate does not implement yet are accepted as
//! opaque sections; validation warns about them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Opaque;
use crate::types::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Providers {
    pub providers_throttle_duration: Duration,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub precedence: Vec<String>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub docker: Option<Docker>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub swarm: Option<Opaque>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub file: Option<FileProvider>,
    #[serde(
        rename = "kubernetesCRD",
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub kubernetes_crd: Option<KubernetesCrd>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub kubernetes_ingress: Option<KubernetesIngress>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub kubernetes_gateway: Option<Opaque>,
    #[serde(
        rename = "kubernetesIngressNGINX",
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub kubernetes_ingress_nginx: Option<Opaque>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub knative: Option<Opaque>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub etcd: Option<Kv>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub redis: Option<Kv>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub consul: Option<Kv>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub zoo_keeper: Option<Kv>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub consul_catalog: Option<Opaque>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub nomad: Option<Opaque>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub ecs: Option<Opaque>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub http: Option<HttpProvider>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub rest: Option<Rest>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub plugin: BTreeMap<String, Opaque>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Docker {
    pub endpoint: String,
    pub exposed_by_default: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub network: String,
    pub default_rule: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub constraints: String,
    pub watch: bool,
    #[serde(rename = "useBindPortIP")]
    pub use_bind_port_ip: bool,
    pub allow_empty_services: bool,
    pub http_client_timeout: Duration,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTls>,
}

/// Client-side TLS towards a provider's API (Docker, etcd, HTTP, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientTls {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ca: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
    pub insecure_skip_verify: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FileProvider {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filename: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub directory: String,
    pub watch: bool,
    pub debug_log_generated_template: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KubernetesCrd {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert_auth_file_path: String,
    pub namespaces: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label_selector: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ingress_class: String,
    pub throttle_duration: Duration,
    pub allow_cross_namespace: bool,
    pub allow_external_name_services: bool,
    pub allow_empty_services: bool,
    #[serde(rename = "nativeLBByDefault")]
    pub native_lb_by_default: bool,
    pub disable_cluster_scope_resources: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cross_provider_namespaces: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KubernetesIngress {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert_auth_file_path: String,
    pub namespaces: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label_selector: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ingress_class: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress_endpoint: Option<Opaque>,
    pub throttle_duration: Duration,
    pub allow_empty_services: bool,
    pub allow_external_name_services: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cross_provider_namespaces: Vec<String>,
    pub disable_ingress_class_lookup: bool,
    pub disable_cluster_scope_resources: bool,
    #[serde(rename = "nativeLBByDefault")]
    pub native_lb_by_default: bool,
    #[serde(rename = "reportNodeInternalIPs")]
    pub report_node_internal_ips: bool,
    pub strict_prefix_matching: bool,
}

/// A key-value store provider (etcd, Redis, Consul, ZooKeeper). `endpoints` defaults per store
/// are applied by the provider when the list is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Kv {
    pub endpoints: Vec<String>,
    pub root_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTls>,
    /// Redis only.
    pub db: i64,
    /// Redis only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentinel: Option<Opaque>,
    /// Consul only.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// Consul only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HttpProvider {
    pub endpoint: String,
    pub poll_interval: Duration,
    pub poll_timeout: Duration,
    pub headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTls>,
    pub max_response_body_size: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Rest {
    pub insecure: bool,
}

// === impl defaults ===

impl Default for Providers {
    fn default() -> Self {
        Self {
            providers_throttle_duration: Duration::from_secs(2),
            precedence: Vec::new(),
            docker: None,
            swarm: None,
            file: None,
            kubernetes_crd: None,
            kubernetes_ingress: None,
            kubernetes_gateway: None,
            kubernetes_ingress_nginx: None,
            knative: None,
            etcd: None,
            redis: None,
            consul: None,
            zoo_keeper: None,
            consul_catalog: None,
            nomad: None,
            ecs: None,
            http: None,
            rest: None,
            plugin: BTreeMap::new(),
        }
    }
}

impl Default for Docker {
    fn default() -> Self {
        Self {
            endpoint: "unix:///var/run/docker.sock".to_string(),
            exposed_by_default: true,
            network: String::new(),
            default_rule: "Host(`{{ normalize .Name }}`)".to_string(),
            constraints: String::new(),
            watch: true,
            use_bind_port_ip: false,
            allow_empty_services: false,
            http_client_timeout: Duration::ZERO,
            username: String::new(),
            password: String::new(),
            tls: None,
        }
    }
}

impl Default for FileProvider {
    fn default() -> Self {
        Self {
            filename: String::new(),
            directory: String::new(),
            watch: true,
            debug_log_generated_template: false,
        }
    }
}

impl Default for Kv {
    fn default() -> Self {
        Self {
            endpoints: Vec::new(),
            root_key: "traefik".to_string(),
            username: String::new(),
            password: String::new(),
            tls: None,
            db: 0,
            sentinel: None,
            token: String::new(),
            namespaces: Vec::new(),
        }
    }
}

impl Default for HttpProvider {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            poll_interval: Duration::from_secs(5),
            poll_timeout: Duration::from_secs(5),
            headers: BTreeMap::new(),
            tls: None,
            max_response_body_size: -1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode;
    use crate::format::parse_yaml;

    #[test]
    fn kubernetes_ingress_scope_options_decode() {
        // Traefik's Ingress provider has both since v3.1 (reference file.yaml lists them).
        let node = parse_yaml(
            "kubernetesIngress:\n  disableClusterScopeResources: true\n  crossProviderNamespaces: [a, b]\n",
        )
        .expect("yaml");
        let d = decode::<Providers>(&node, "providers", "t.yml");
        assert!(d.issues.is_empty(), "{:?}", d.issues);
        let ing = d.value.and_then(|p| p.kubernetes_ingress).expect("section");
        assert!(ing.disable_cluster_scope_resources);
        assert_eq!(ing.cross_provider_namespaces, ["a", "b"]);
    }
}
