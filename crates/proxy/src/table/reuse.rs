//! What a compile takes over from the previous table: the parsed rule of a router whose rule
//! is unchanged, the built load balancer of a service whose definition (and servers
//! transport) is unchanged, and the whole compiled router when nothing it is made of changed,
//! so that a one-router change parses one rule, builds one service and one router instead of
//! all of them (with 10,000 routers, parsing the rules and building the services were ~60 %
//! of a compile).
//!
//! "Unchanged" is decided on the merged definitions: the same shared item (`Arc::ptr_eq`)
//! or an equal one. A reused load balancer keeps its state (round robin position, sticky
//! and passive health state), as the architecture asks of an unchanged item.

use std::collections::HashMap;
use std::sync::Arc;

use waygate_config::dynamic::{HttpConfig, Router, Service as ServiceConfig};
use waygate_rules::Rule;

use super::{CompiledRouter, RuntimeTable};
use crate::service::Service;
use crate::service::health::Checked;

/// The previous table, indexed by name.
#[derive(Default)]
pub(super) struct Reuse<'a> {
    /// The merged HTTP configuration the previous table was compiled from.
    http: Option<&'a HttpConfig>,
    /// Compiled routers by name, with the entry point they served on (empty when on several:
    /// the rule and service are shared by the copies, the rest may differ).
    routers: HashMap<&'a str, (&'a str, &'a Arc<CompiledRouter>)>,
    /// Services that routers served, by name.
    services: HashMap<&'a str, &'a Arc<Service>>,
}

// === impl Reuse ===

impl<'a> Reuse<'a> {
    pub(super) fn new(previous: Option<&'a RuntimeTable>) -> Self {
        let Some(prev) = previous else {
            return Reuse::default();
        };
        let Some(http) = prev.config.http.as_ref() else {
            return Reuse::default();
        };
        let mut reuse = Reuse {
            http: Some(http),
            routers: HashMap::with_capacity(http.routers.len()),
            services: HashMap::with_capacity(http.services.len()),
        };
        for (ep_name, ep) in &prev.entry_points {
            for router in ep.routes.iter().chain(ep.tls_routes.iter()) {
                reuse
                    .routers
                    .entry(router.name.as_str())
                    .and_modify(|(on, _)| *on = "")
                    .or_insert((ep_name.as_str(), router));
            }
        }
        for (name, (_, router)) in &reuse.routers {
            if let Some(cfg) = http.routers.get(*name) {
                reuse.services.insert(cfg.service.as_str(), &router.service);
            }
        }
        reuse
    }

    /// The previous parse of router `name`'s rule when its rule and syntax are unchanged.
    pub(super) fn rule(&self, name: &str, r: &Arc<Router>) -> Option<Arc<Rule>> {
        let old = self.http?.routers.get(name)?;
        let same = Arc::ptr_eq(old, r) || (old.rule == r.rule && old.rule_syntax == r.rule_syntax);
        same.then(|| self.routers.get(name).map(|(_, c)| c.rule.clone()))?
    }

    /// The previous compiled router `name`, to serve again as it is on entry point `ep`: its
    /// definition is unchanged, it served on `ep` alone, it had no middleware (a chain is
    /// rebuilt from its middlewares' current definitions) and served `service`. The caller
    /// makes sure that the new router has no middleware and no per-generation part (metrics).
    pub(super) fn router(
        &self,
        name: &str,
        r: &Arc<Router>,
        ep: &str,
        service: &Arc<Service>,
    ) -> Option<Arc<CompiledRouter>> {
        let (on, old) = self.routers.get(name)?;
        if *on != ep || !old.chain.is_empty() || !Arc::ptr_eq(&old.service, service) {
            return None;
        }
        let cfg = self.http?.routers.get(name)?;
        (Arc::ptr_eq(cfg, r) || cfg == r).then(|| Arc::clone(old))
    }

    /// The previously built service `name` and the servers it registered for health
    /// tracking, when it is a load balancer without active health check whose definition
    /// and servers transport are unchanged in `http`.
    pub(super) fn load_balancer(
        &self,
        name: &str,
        cfg: &Arc<ServiceConfig>,
        http: &HttpConfig,
    ) -> Option<(Arc<Service>, Vec<Checked>)> {
        let lb = cfg.load_balancer.as_ref()?;
        if lb.health_check.is_some() || !cfg.middlewares.is_empty() || cfg.kinds().len() != 1 {
            return None;
        }
        let prev = self.http?;
        let old = prev.services.get(name)?;
        if !(Arc::ptr_eq(old, cfg) || old == cfg) {
            return None;
        }
        let transport = lb.servers_transport.as_str();
        if !transport.is_empty()
            && transport != "default@internal"
            && prev.servers_transports.get(transport) != http.servers_transports.get(transport)
        {
            return None;
        }
        let built = self.services.get(name)?;
        let Service::LoadBalancer(balancer) = built.as_ref() else {
            return None;
        };
        let checked = balancer
            .targets
            .iter()
            .map(|t| Checked {
                service: name.to_string(),
                url: t.url.clone(),
                spec: None,
                up: t.up.clone(),
                probe: None,
            })
            .collect();
        Some(((*built).clone(), checked))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use waygate_config::dynamic::DynamicConfig;
    use waygate_config::static_config::StaticConfig;

    use super::*;
    use crate::table::dry_table_after;

    fn compile(dynamic: serde_json::Value, previous: Option<&RuntimeTable>) -> RuntimeTable {
        let st: StaticConfig =
            serde_json::from_value(json!({"entryPoints": {"web": {"address": ":80"}}}))
                .expect("static");
        let dynamic: DynamicConfig = serde_json::from_value(dynamic).expect("dynamic");
        let (table, issues) = dry_table_after(&st, &dynamic, &[], previous);
        assert!(!issues.iter().any(|i| i.is_error()), "{issues:#?}");
        table
    }

    fn config(rule_b: &str, url_t: &str) -> serde_json::Value {
        let router = |rule: &str, service: &str| json!({"rule": rule, "service": service, "entryPoints": ["web"]});
        let lb = |url: &str| json!({"loadBalancer": {"servers": [{"url": url}]}});
        json!({"http": {
            "routers": {
                "a@file": router("Host(`a.test`)", "s@file"),
                "b@file": router(rule_b, "t@file"),
            },
            "services": {"s@file": lb("http://10.0.0.1:80"), "t@file": lb(url_t)}
        }})
    }

    fn router<'t>(table: &'t RuntimeTable, name: &str) -> &'t Arc<CompiledRouter> {
        let routes = &table.entry_points[0].1.routes;
        routes
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    }

    /// Unchanged rules and load balancers are the previous table's; changed ones are new and
    /// serve their new definition.
    #[test]
    fn a_reload_takes_over_what_did_not_change() {
        let first = compile(config("Host(`b.test`)", "http://10.0.0.2:80"), None);
        let next = compile(
            config("Host(`b2.test`)", "http://10.0.0.3:80"),
            Some(&first),
        );
        let (a0, a1) = (router(&first, "a@file"), router(&next, "a@file"));
        assert!(
            Arc::ptr_eq(a0, a1),
            "the unchanged router is served as it was"
        );
        let (b0, b1) = (router(&first, "b@file"), router(&next, "b@file"));
        assert!(!Arc::ptr_eq(b0, b1));
        assert!(!Arc::ptr_eq(&b0.rule, &b1.rule));
        assert_eq!(b1.rule.host_values(), vec!["b2.test".to_string()]);
        assert!(!Arc::ptr_eq(&b0.service, &b1.service));
        let Service::LoadBalancer(lb) = b1.service.as_ref() else {
            panic!("not a load balancer");
        };
        assert_eq!(lb.targets[0].url, "http://10.0.0.3:80");
    }

    /// Without a previous table (or with one from another configuration) everything is built.
    #[test]
    fn nothing_is_taken_over_from_a_different_definition() {
        let first = compile(config("Host(`b.test`)", "http://10.0.0.2:80"), None);
        let other = json!({"http": {
            "routers": {"a@file": {"rule": "Host(`other.test`)", "service": "s@file",
                                   "entryPoints": ["web"]}},
            "services": {"s@file": {"loadBalancer": {
                "servers": [{"url": "http://10.0.0.1:80"}], "passHostHeader": false}}}
        }});
        let next = compile(other, Some(&first));
        let (a0, a1) = (router(&first, "a@file"), router(&next, "a@file"));
        assert!(!Arc::ptr_eq(&a0.rule, &a1.rule));
        assert!(!Arc::ptr_eq(&a0.service, &a1.service));
    }
}
