//! Reuse across reloads: what did not change is the previous table's, and a change to an
//! item or to anything it refers to (service, middleware, servers transport, TLS option,
//! health check, entry point) is compiled again.

use serde_json::json;
use waygate_config::dynamic::DynamicConfig;
use waygate_config::static_config::StaticConfig;

use super::*;
use crate::table::dry_table_after;

fn compile(dynamic: serde_json::Value, previous: Option<&RuntimeTable>) -> RuntimeTable {
    let st: StaticConfig = serde_json::from_value(json!({"entryPoints": {
            "web": {"address": ":80"}, "other": {"address": ":81"}}}))
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

/// Router `name` on entry point `web` (plain or TLS).
fn router<'t>(table: &'t RuntimeTable, name: &str) -> &'t Arc<CompiledRouter> {
    on(table, "web", name).unwrap_or_else(|| panic!("{name}"))
}

fn on<'t>(table: &'t RuntimeTable, ep: &str, name: &str) -> Option<&'t Arc<CompiledRouter>> {
    let (_, ep) = table.entry_points.iter().find(|(n, _)| n == ep)?;
    let mut routes = ep.routes.iter().chain(ep.tls_routes.iter());
    routes.find(|r| r.name == name)
}

/// The one server URL of a load balancer.
fn server(service: &Service) -> &str {
    let Service::LoadBalancer(lb) = service else {
        panic!("not a load balancer: {service:?}");
    };
    &lb.targets[0].url
}

/// `config(..)` with `edit` applied to its `http` section.
fn edited(
    rule_b: &str,
    url_t: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> serde_json::Value {
    let mut c = config(rule_b, url_t);
    edit(&mut c["http"]);
    c
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
    assert_eq!(&*lb.targets[0].url, "http://10.0.0.3:80");
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

/// Only the service changed: the router on it is compiled again with the new service (its
/// parsed rule kept), the others are served as they were.
#[test]
fn a_changed_service_recompiles_its_router() {
    let first = compile(config("Host(`b.test`)", "http://10.0.0.2:80"), None);
    let next = compile(config("Host(`b.test`)", "http://10.0.0.3:80"), Some(&first));
    assert!(Arc::ptr_eq(
        router(&first, "a@file"),
        router(&next, "a@file")
    ));
    let (b0, b1) = (router(&first, "b@file"), router(&next, "b@file"));
    assert!(!Arc::ptr_eq(b0, b1));
    assert!(Arc::ptr_eq(&b0.rule, &b1.rule), "the rule did not change");
    assert_eq!(server(&b1.service), "http://10.0.0.3:80");
}

/// A changed servers transport rebuilds the services using it, and their routers.
#[test]
fn a_changed_servers_transport_rebuilds_its_services() {
    let with = |timeout: &str| {
        edited("Host(`b.test`)", "http://10.0.0.2:80", |h| {
            h["services"]["t@file"]["loadBalancer"]["serversTransport"] = json!("tr@file");
            h["serversTransports"] = json!({"tr@file": {
                "forwardingTimeouts": {"responseHeaderTimeout": timeout}}});
        })
    };
    let first = compile(with("1s"), None);
    let same = compile(with("1s"), Some(&first));
    assert!(Arc::ptr_eq(
        router(&first, "b@file"),
        router(&same, "b@file")
    ));
    let next = compile(with("2s"), Some(&same));
    let b1 = router(&next, "b@file");
    assert!(!Arc::ptr_eq(router(&same, "b@file"), b1));
    let Service::LoadBalancer(lb) = b1.service.as_ref() else {
        panic!("not a load balancer");
    };
    assert_eq!(
        lb.targets[0].response_header_timeout,
        Some(std::time::Duration::from_secs(2))
    );
}

/// A router's middleware changed: its chain is built from the new definition.
#[test]
fn a_changed_middleware_rebuilds_the_chain() {
    let with = |value: &str| {
        edited("Host(`b.test`)", "http://10.0.0.2:80", |h| {
            h["routers"]["b@file"]["middlewares"] = json!(["m@file"]);
            h["middlewares"] = json!({"m@file": {"headers": {
                "customRequestHeaders": {"X-Test": value}}}});
        })
    };
    let first = compile(with("one"), None);
    let next = compile(with("two"), Some(&first));
    let (b0, b1) = (router(&first, "b@file"), router(&next, "b@file"));
    assert!(!Arc::ptr_eq(b0, b1));
    assert_eq!(b1.chain.len(), 1);
    assert!(!Arc::ptr_eq(&b0.chain[0], &b1.chain[0]));
    let shown = format!("{:?}", b1.chain[0]);
    assert!(
        shown.contains("\"two\"") && !shown.contains("\"one\""),
        "{shown}"
    );
}

/// A changed TLS option applies to the (unchanged) router's host.
#[test]
fn a_changed_tls_option_applies_to_its_routers() {
    let with = |alpn: &str| {
        let mut c = edited("Host(`b.test`)", "http://10.0.0.2:80", |h| {
            h["routers"]["b@file"]["tls"] = json!({"options": "o@file"});
        });
        c["tls"] = json!({"options": {"o@file": {"alpnProtocols": [alpn]}}});
        c
    };
    let alpn = |table: &RuntimeTable| {
        let (_, web) = table
            .entry_points
            .iter()
            .find(|(n, _)| n == "web")
            .expect("web");
        let tls = web.tls.as_ref().expect("TLS on web");
        tls.select(Some("b.test")).alpn_protocols.clone()
    };
    let first = compile(with("h2"), None);
    assert_eq!(alpn(&first), vec![b"h2".to_vec()]);
    let next = compile(with("http/1.1"), Some(&first));
    assert_eq!(alpn(&next), vec![b"http/1.1".to_vec()]);
}

/// A health check added to an unchanged load balancer: it is built again, checked.
#[test]
fn a_new_health_check_rebuilds_the_load_balancer() {
    let first = compile(config("Host(`b.test`)", "http://10.0.0.2:80"), None);
    let checked = edited("Host(`b.test`)", "http://10.0.0.2:80", |h| {
        h["services"]["t@file"]["loadBalancer"]["healthCheck"] =
            json!({"path": "/health", "interval": "10s"});
    });
    let next = compile(checked, Some(&first));
    let (b0, b1) = (router(&first, "b@file"), router(&next, "b@file"));
    assert!(!Arc::ptr_eq(&b0.service, &b1.service));
    let Service::LoadBalancer(lb) = b1.service.as_ref() else {
        panic!("not a load balancer");
    };
    assert!(lb.checked);
}

/// A composite service whose child changed is built again over the new child.
#[test]
fn a_changed_child_rebuilds_the_composite_service() {
    let with = |url: &str| {
        edited("Host(`b.test`)", url, |h| {
            h["routers"]["b@file"]["service"] = json!("w@file");
            h["services"]["w@file"] = json!({"weighted": {"services": [{"name": "t@file"}]}});
        })
    };
    let first = compile(with("http://10.0.0.2:80"), None);
    let next = compile(with("http://10.0.0.3:80"), Some(&first));
    let b1 = router(&next, "b@file");
    assert!(!Arc::ptr_eq(router(&first, "b@file"), b1));
    let Service::Weighted(w) = b1.service.as_ref() else {
        panic!("not weighted");
    };
    assert_eq!(server(&w.children[0].0), "http://10.0.0.3:80");
}

/// A router moved to another entry point serves there, and only there.
#[test]
fn a_router_moved_to_another_entry_point_serves_there() {
    let first = compile(config("Host(`b.test`)", "http://10.0.0.2:80"), None);
    let moved = edited("Host(`b.test`)", "http://10.0.0.2:80", |h| {
        h["routers"]["a@file"]["entryPoints"] = json!(["other"]);
    });
    let next = compile(moved, Some(&first));
    assert!(on(&next, "web", "a@file").is_none());
    let a1 = on(&next, "other", "a@file").expect("a@file on other");
    assert!(Arc::ptr_eq(&router(&first, "a@file").rule, &a1.rule));
    assert!(Arc::ptr_eq(
        router(&first, "b@file"),
        router(&next, "b@file")
    ));
}

/// Usage (`usedBy`) is recorded for direct and composite services, in router name order.
#[test]
fn services_list_their_routers() {
    let c = edited("Host(`b.test`)", "http://10.0.0.2:80", |h| {
        h["routers"]["c@file"] = json!({"rule": "Host(`c.test`)", "service": "w@file",
                                         "entryPoints": ["web"]});
        h["services"]["w@file"] = json!({"weighted": {"services": [
            {"name": "s@file"}, {"name": "t@file"}]}});
    });
    let table = compile(c, None);
    let used = |s: &str| table.status.items["service"][s].used_by.clone();
    assert_eq!(used("s@file"), vec!["a@file", "c@file"]);
    assert_eq!(used("t@file"), vec!["b@file", "c@file"]);
    assert_eq!(used("w@file"), vec!["c@file"]);
}

/// A router now naming another service with the same definition gets that service, not
/// its previous one under another name.
#[test]
fn a_router_renaming_its_service_gets_the_new_one() {
    let first = compile(config("Host(`b.test`)", "http://10.0.0.1:80"), None);
    let renamed = edited("Host(`b.test`)", "http://10.0.0.1:80", |h| {
        h["routers"]["b@file"]["service"] = json!("s@file");
    });
    let next = compile(renamed, Some(&first));
    let b1 = router(&next, "b@file");
    let Service::LoadBalancer(lb) = b1.service.as_ref() else {
        panic!("not a load balancer");
    };
    assert_eq!(&*lb.name, "s@file");
    assert!(Arc::ptr_eq(&b1.service, &router(&next, "a@file").service));
}
