//! Per entry point: which TLS option a handshake uses, from its SNI. Built from the `Host()`
//! values of the entry point's TLS routers (Traefik's "HTTPS routers & TLS options"): an
//! exact host first, then a `*.example.com` host for a one-label subdomain, else `default`.
//! The same host claimed by routers with different options is a conflict: that host gets
//! `default`, as in Traefik.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rustls::ServerConfig;

/// The option `ServerConfig` per server name of one entry point.
#[derive(Debug)]
pub(crate) struct SniOptions {
    exact: HashMap<String, Selected>,
    /// `"example.com"` for a `*.example.com` host.
    wildcard: HashMap<String, Selected>,
    default: Selected,
}

/// A TLS option: its name (what `waygate explain` shows) and its configuration.
#[derive(Debug, Clone)]
pub(crate) struct Selected {
    pub(crate) option: String,
    pub(crate) config: Arc<ServerConfig>,
}

/// Collects (host, option) pairs from TLS routers, then builds [`SniOptions`].
#[derive(Debug)]
pub(crate) struct SniOptionsBuilder {
    hosts: BTreeMap<String, Claim>,
    default: Arc<ServerConfig>,
}

#[derive(Debug)]
struct Claim {
    option: String,
    config: Arc<ServerConfig>,
    routers: Vec<String>,
    conflict: bool,
}

// === impl SniOptions ===

impl SniOptions {
    /// The `ServerConfig` for a (normalized) server name; `None` = no SNI.
    pub(crate) fn select(&self, server_name: Option<&str>) -> &Arc<ServerConfig> {
        &self.select_named(server_name).config
    }

    /// Whether an HTTPS router's `Host()` names this (normalized) server name, exactly or by
    /// a `*.parent` host: such a connection goes to HTTPS before any TCP TLS router
    /// (connection dispatch).
    pub(crate) fn claims(&self, server_name: &str) -> bool {
        self.exact.contains_key(server_name)
            || server_name
                .split_once('.')
                .is_some_and(|(_, parent)| self.wildcard.contains_key(parent))
    }

    /// The option (name and configuration) for a (normalized) server name.
    pub(crate) fn select_named(&self, server_name: Option<&str>) -> &Selected {
        let Some(name) = server_name else {
            return &self.default;
        };
        self.exact
            .get(name)
            .or_else(|| {
                let (_, parent) = name.split_once('.')?;
                self.wildcard.get(parent)
            })
            .unwrap_or(&self.default)
    }
}

// === impl SniOptionsBuilder ===

impl SniOptionsBuilder {
    pub(crate) fn new(default: Arc<ServerConfig>) -> Self {
        Self {
            hosts: BTreeMap::new(),
            default,
        }
    }

    /// Records that `router` serves `host` (lowercase; `*.suffix` for wildcards) with
    /// `option`.
    pub(crate) fn add(
        &mut self,
        host: &str,
        option: &str,
        config: &Arc<ServerConfig>,
        router: &str,
    ) {
        let claim = self.hosts.entry(host.to_string()).or_insert_with(|| Claim {
            option: option.to_string(),
            config: config.clone(),
            routers: Vec::new(),
            conflict: false,
        });
        claim.conflict |= claim.option != option;
        claim.routers.push(router.to_string());
    }

    /// Builds the map; also returns each conflicting host with the routers that claim it.
    pub(crate) fn build(self) -> (SniOptions, Vec<(String, Vec<String>)>) {
        let mut out = SniOptions {
            exact: HashMap::new(),
            wildcard: HashMap::new(),
            default: Selected {
                option: "default".to_string(),
                config: self.default,
            },
        };
        let mut conflicts = Vec::new();
        for (host, claim) in self.hosts {
            let config = if claim.conflict {
                conflicts.push((host.clone(), claim.routers));
                out.default.clone()
            } else {
                Selected {
                    option: claim.option,
                    config: claim.config,
                }
            };
            match host.strip_prefix("*.") {
                Some(suffix) => out.wildcard.insert(suffix.to_string(), config),
                None => out.exact.insert(host, config),
            };
        }
        (out, conflicts)
    }
}
