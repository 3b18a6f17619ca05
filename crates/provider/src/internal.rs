//! The `internal` provider: items Traefik generates from static configuration.
//!
//! For each entry point with `http.redirections.entryPoint` it creates the router
//! `<ep>-to-<to>` (normalized) matching every host on that entry point, with the middleware
//! `redirect-<ep>-to-<to>` (a `redirectScheme` to the target port) and the service
//! `noop@internal` (reference §1.2). `noop` is **not** defined as a service object: like
//! Traefik's other internal services (`api@internal`, `ping@internal`, …) it is a name the
//! data plane implements itself, and validation already accepts references to it.
//!
//! For ACME resolvers with `httpChallenge`, it creates `acme-http` (priority MaxInt64) on
//! their entry points, served by `acme-http@internal`.
//!
//! With `metrics.prometheus` (unless `manualRouting`): `prometheus` (``PathPrefix(`/metrics`)``,
//! MaxInt64) on its `entryPoint` (default `traefik`), to `prometheus@internal`.
//!
//! With `api.insecure` (reference §7), on the entry point `traefik`: `api` (``PathPrefix(`/api`)``,
//! MaxInt64−1) to `api@internal`, `dashboard` (``PathPrefix(`/`)``, MaxInt64−2) to
//! `dashboard@internal` when `api.dashboard`, and `debug` (``PathPrefix(`/debug`)``, MaxInt64−1)
//! to `api@internal` when `api.debug`. Traefik gives `dashboard` two middlewares (a
//! `redirectRegex` from `/` to `/dashboard/` and a `stripPrefix`); `dashboard@internal` does
//! both itself here.

use std::sync::Arc;

use waygate_config::dynamic::middleware::RedirectScheme;
use waygate_config::dynamic::{DynamicConfig, HttpConfig, Middleware, Router};
use waygate_config::static_config::StaticConfig;
use waygate_config::{Issue, IssueKind};

use crate::snapshot::Snapshot;

/// The internal provider's name.
pub const INTERNAL: &str = "internal";

/// The internal provider's complete snapshot for `static_cfg`.
pub fn internal(static_cfg: &StaticConfig) -> Snapshot {
    let mut http = HttpConfig::default();
    let mut issues = Vec::new();
    for (ep, def) in &static_cfg.entry_points {
        let Some(redirect) = def
            .http
            .as_ref()
            .and_then(|h| h.redirections.as_ref())
            .and_then(|r| r.entry_point.as_ref())
        else {
            continue;
        };
        let key = format!("entryPoints.{ep}.http.redirections.entryPoint.to");
        let port = if let Some(port) = redirect.to.strip_prefix(':') {
            port.to_string()
        } else if let Some(target) = static_cfg.entry_points.get(&redirect.to) {
            port_of(&target.address).to_string()
        } else {
            let message = format!(
                "redirection target `{}` is neither an entry point nor `:port`",
                redirect.to
            );
            issues.push(
                Issue::error(IssueKind::MissingReference, key, message)
                    .with_provider(INTERNAL)
                    .with_item("entryPoint", ep.clone()),
            );
            continue;
        };
        let router = normalize(&format!("{ep}-to-{}", redirect.to));
        let middleware = format!("redirect-{router}");
        let mut rule = "HostRegexp(`^.+$`)".to_string();
        if def.allow_acme_bypass {
            rule.push_str(" && !PathPrefix(`/.well-known/acme-challenge/`)");
        }
        http.routers.insert(
            router,
            Arc::new(Router {
                entry_points: vec![ep.clone()],
                middlewares: vec![middleware.clone()],
                service: format!("noop@{INTERNAL}"),
                rule,
                priority: redirect.priority,
                ..Router::default()
            }),
        );
        let redirect_scheme = RedirectScheme {
            scheme: redirect.scheme.clone(),
            port,
            permanent: redirect.permanent,
        };
        http.middlewares.insert(
            middleware,
            Arc::new(Middleware {
                redirect_scheme: Some(Box::new(redirect_scheme)),
                ..Middleware::default()
            }),
        );
    }
    // `ping` (reference §1.9): PathPrefix(`/ping`) on its entry point, unless manualRouting.
    if let Some(ping) = static_cfg.ping.as_ref().filter(|p| !p.manual_routing) {
        http.routers.insert(
            "ping".to_string(),
            Arc::new(Router {
                entry_points: vec![ping.entry_point.clone()],
                service: format!("ping@{INTERNAL}"),
                rule: "PathPrefix(`/ping`)".to_string(),
                priority: i64::MAX - 1,
                ..Router::default()
            }),
        );
    }
    api_routers(static_cfg, &mut http);
    // `metrics.prometheus` (reference §1.11): PathPrefix(`/metrics`) on its entry point,
    // unless manualRouting; priority MaxInt as in Traefik.
    if let Some(prom) = static_cfg
        .metrics
        .as_ref()
        .and_then(|m| m.prometheus.as_ref())
        .filter(|p| !p.manual_routing)
    {
        http.routers.insert(
            "prometheus".to_string(),
            Arc::new(Router {
                entry_points: vec![prom.entry_point.clone()],
                service: format!("prometheus@{INTERNAL}"),
                rule: "PathPrefix(`/metrics`)".to_string(),
                priority: i64::MAX,
                ..Router::default()
            }),
        );
    }
    // ACME HTTP-01 (reference §9): `acme-http` on every `httpChallenge.entryPoint`, above
    // every other router (the redirections included).
    let mut acme_eps: Vec<String> = static_cfg
        .certificates_resolvers
        .values()
        .filter_map(|r| r.acme.as_ref()?.http_challenge.as_ref())
        .map(|h| h.entry_point.clone())
        .filter(|ep| !ep.is_empty())
        .collect();
    acme_eps.sort();
    acme_eps.dedup();
    if !acme_eps.is_empty() {
        http.routers.insert(
            "acme-http".to_string(),
            Arc::new(Router {
                entry_points: acme_eps,
                service: format!("acme-http@{INTERNAL}"),
                rule: "PathPrefix(`/.well-known/acme-challenge/`)".to_string(),
                priority: i64::MAX,
                ..Router::default()
            }),
        );
    }
    let config = DynamicConfig {
        http: Some(http),
        ..DynamicConfig::default()
    };
    Snapshot::new(INTERNAL, config, issues)
}

/// The insecure API's routers on the entry point `traefik`.
fn api_routers(static_cfg: &StaticConfig, http: &mut HttpConfig) {
    let Some(api) = static_cfg.api.as_ref().filter(|a| a.insecure) else {
        return;
    };
    let mut add = |name: &str, rule: &str, service: &str, priority: i64| {
        let router = Router {
            entry_points: vec!["traefik".to_string()],
            service: format!("{service}@{INTERNAL}"),
            rule: rule.to_string(),
            priority,
            ..Router::default()
        };
        http.routers.insert(name.to_string(), Arc::new(router));
    };
    add("api", "PathPrefix(`/api`)", "api", i64::MAX - 1);
    if api.dashboard {
        add("dashboard", "PathPrefix(`/`)", "dashboard", i64::MAX - 2);
    }
    if api.debug {
        add("debug", "PathPrefix(`/debug`)", "api", i64::MAX - 1);
    }
}

/// Traefik's `provider.Normalize`: runs of characters other than letters and digits become
/// one `-` (`web-to-:443` → `web-to-443`).
fn normalize(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The port of an entry point address `[host]:port[/tcp|/udp]`.
fn port_of(address: &str) -> &str {
    let address = address.rsplit_once('/').map_or(address, |(a, _)| a);
    address.rsplit_once(':').map_or(address, |(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::static_yaml;

    #[test]
    fn acme_http_router_on_challenge_entry_points() {
        let st = static_yaml(
            "entryPoints:\n  web:\n    address: ':80'\n  alt:\n    address: ':81'\ncertificatesResolvers:\n  le:\n    acme:\n      httpChallenge:\n        entryPoint: web\n  other:\n    acme:\n      httpChallenge:\n        entryPoint: web\n  tls:\n    acme:\n      tlsChallenge: {}\n",
        );
        let snap = internal(&st);
        let http = snap.config.http.as_ref().expect("http section");
        let r = &http.routers["acme-http"];
        assert_eq!(r.entry_points, ["web"]);
        assert_eq!(r.priority, i64::MAX);
        assert_eq!(r.service, "acme-http@internal");
        assert_eq!(r.rule, "PathPrefix(`/.well-known/acme-challenge/`)");
    }

    #[test]
    fn insecure_api_routers() {
        let st = static_yaml("api:\n  insecure: true\n  debug: true\n");
        let snap = internal(&st);
        let http = snap.config.http.as_ref().expect("http section");
        let r = &http.routers["api"];
        assert_eq!(r.entry_points, ["traefik"]);
        assert_eq!(r.service, "api@internal");
        assert_eq!(r.rule, "PathPrefix(`/api`)");
        assert_eq!(r.priority, i64::MAX - 1);
        let d = &http.routers["dashboard"];
        assert_eq!(
            (d.service.as_str(), d.priority),
            ("dashboard@internal", i64::MAX - 2)
        );
        assert_eq!(http.routers["debug"].rule, "PathPrefix(`/debug`)");

        let st = static_yaml("api:\n  dashboard: false\n");
        let snap = internal(&st);
        assert!(
            snap.config
                .http
                .as_ref()
                .is_some_and(|h| h.routers.is_empty())
        );
    }

    #[test]
    fn prometheus_router_unless_manual_routing() {
        let st = static_yaml("metrics:\n  prometheus:\n    entryPoint: web\n");
        let snap = internal(&st);
        let http = snap.config.http.as_ref().expect("http section");
        let r = &http.routers["prometheus"];
        assert_eq!(r.entry_points, ["web"]);
        assert_eq!(r.service, "prometheus@internal");
        assert_eq!(r.rule, "PathPrefix(`/metrics`)");
        assert_eq!(r.priority, i64::MAX);
        let st = static_yaml("metrics:\n  prometheus:\n    manualRouting: true\n");
        let snap = internal(&st);
        assert!(
            snap.config
                .http
                .as_ref()
                .is_some_and(|h| h.routers.is_empty())
        );
    }

    #[test]
    fn redirect_router_shape() {
        let st = static_yaml(
            "entryPoints:\n  web:\n    address: ':80'\n    http:\n      redirections:\n        entryPoint:\n          to: websecure\n  websecure:\n    address: '[::]:8443/tcp'\n  alt:\n    address: ':81'\n    http:\n      redirections:\n        entryPoint:\n          to: ':9443'\n          scheme: http\n          permanent: false\n          priority: 10\n",
        );
        let snap = internal(&st);
        assert_eq!(snap.provider, "internal");
        assert!(snap.issues.is_empty(), "{:?}", snap.issues);
        let http = snap.config.http.as_ref().expect("http section");
        let r = &http.routers["web-to-websecure"];
        assert_eq!(r.rule, "HostRegexp(`^.+$`)");
        assert_eq!(r.entry_points, ["web"]);
        assert_eq!(r.priority, i64::MAX - 1);
        assert_eq!(r.service, "noop@internal");
        assert_eq!(r.middlewares, ["redirect-web-to-websecure"]);
        let m = &http.middlewares["redirect-web-to-websecure"];
        let rs = m.redirect_scheme.as_ref().expect("redirectScheme");
        assert_eq!(
            (rs.scheme.as_str(), rs.port.as_str(), rs.permanent),
            ("https", "8443", true)
        );

        let r = &http.routers["alt-to-9443"];
        assert_eq!(r.priority, 10);
        let rs = http.middlewares["redirect-alt-to-9443"]
            .redirect_scheme
            .as_ref();
        let rs = rs.expect("redirectScheme");
        assert_eq!(
            (rs.scheme.as_str(), rs.port.as_str(), rs.permanent),
            ("http", "9443", false)
        );
        assert_eq!(http.routers.len(), 2);
    }

    #[test]
    fn unknown_target_is_reported() {
        let st = static_yaml(
            "entryPoints:\n  web:\n    address: ':80'\n    allowACMEBypass: true\n    http:\n      redirections:\n        entryPoint:\n          to: nowhere\n",
        );
        let snap = internal(&st);
        assert_eq!(snap.issues.len(), 1);
        assert!(snap.issues[0].message.contains("nowhere"));
        assert!(
            snap.config
                .http
                .as_ref()
                .is_some_and(|h| h.routers.is_empty())
        );
        assert_eq!(normalize("web-to-:443"), "web-to-443");
        assert_eq!(port_of("127.0.0.1:53/udp"), "53");
    }
}
