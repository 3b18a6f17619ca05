//! Unit tests of `build` (§6.2), one per rule, with synthetic containers.

mod merge;
mod network;
mod rules;

use std::collections::BTreeMap;

use waygate_config::Issue;
use waygate_config::dynamic::{DynamicConfig, HttpConfig, Service};
use waygate_config::static_config::Docker;

use crate::container::ContainerInfo;

/// A running container on network `bridge` at `ip`, exposing port 80.
fn container(name: &str, ip: &str, labels: &[(&str, &str)]) -> ContainerInfo {
    ContainerInfo {
        id: format!("{name}-id"),
        name: name.to_string(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        state_running: true,
        health: None,
        networks: BTreeMap::from([("bridge".to_string(), ip.to_string())]),
        ports: vec![80],
        network_mode: "bridge".to_string(),
        bindings: Vec::new(),
    }
}

fn build(containers: &[ContainerInfo]) -> (DynamicConfig, Vec<Issue>) {
    crate::build(containers, &Docker::default(), &[])
}

fn build_with(containers: &[ContainerInfo], cfg: &Docker) -> (DynamicConfig, Vec<Issue>) {
    crate::build(containers, cfg, &[])
}

fn http(config: &DynamicConfig) -> HttpConfig {
    config.http.clone().unwrap_or_default()
}

/// The URLs of a load-balancer service.
fn urls(service: &Service) -> Vec<String> {
    service
        .load_balancer
        .as_ref()
        .map(|lb| lb.servers.iter().map(|s| s.url.clone()).collect())
        .unwrap_or_default()
}

fn no_errors(issues: &[Issue]) {
    assert!(!issues.iter().any(Issue::is_error), "{issues:#?}");
}

fn texts(issues: &[Issue]) -> Vec<String> {
    issues.iter().map(ToString::to_string).collect()
}
