//! HTTP routers, services, servers transports and middlewares.

use waygate_rules::{Rule, Syntax};

use super::refs;
use crate::dynamic::{DynamicConfig, HttpConfig, LoadBalancer, Router, ServersTransport, Service};
use crate::issue::{Issue, IssueKind};
use crate::validate::values::{check_url, status_range};
use crate::validate::{Context, Scope, Validate};

const STRATEGIES: &[&str] = &["wrr", "p2c", "hrw", "leasttime"];

pub(super) fn validate(
    h: &HttpConfig,
    _all: &DynamicConfig,
    ctx: &Context<'_>,
    issues: &mut Vec<Issue>,
) {
    // `ctx.unchanged` has the same names: walked in step.
    let mut before = ctx.unchanged.map(|u| u.routers.iter());
    for (name, r) in &h.routers {
        let old = before.as_mut().and_then(Iterator::next);
        if ctx.unchanged_router(name, r, old) {
            continue;
        }
        let mut s = Scope::item(issues, format!("http.routers.{name}"), "router", name);
        router(name, r, h, ctx, &mut s);
    }
    let mut before = ctx.unchanged.map(|u| u.services.iter());
    for (name, svc) in &h.services {
        let old = before.as_mut().and_then(Iterator::next);
        if ctx.unchanged_service(name, svc, old) {
            continue;
        }
        let mut s = Scope::item(issues, format!("http.services.{name}"), "service", name);
        service(svc, h, ctx, &mut s);
    }
    for (name, t) in &h.servers_transports {
        let mut s = Scope::item(
            issues,
            format!("http.serversTransports.{name}"),
            "serversTransport",
            name,
        );
        transport(t, ctx, &mut s);
    }
    for (name, m) in &h.middlewares {
        let mut s = Scope::item(
            issues,
            format!("http.middlewares.{name}"),
            "middleware",
            name,
        );
        m.validate(&mut s);
        for (key, target, kind) in m.references() {
            match kind {
                crate::dynamic::middleware::RefKind::Middleware => {
                    if ctx.resolve(target).0 == name.as_str()
                        && ctx.resolve(target).1 == ctx.provider
                    {
                        s.error(
                            &key,
                            IssueKind::InvalidValue,
                            "a chain cannot contain itself",
                        );
                    }
                    refs::check(target, &h.middlewares, "middleware", &key, ctx, &mut s);
                }
                crate::dynamic::middleware::RefKind::Service => {
                    refs::check(target, &h.services, "service", &key, ctx, &mut s);
                }
            }
        }
    }
}

/// Parses a rule with the router's syntax (or the default), reporting parse errors on `rule`.
pub(super) fn rule_syntax(
    rule_syntax: &str,
    ctx: &Context<'_>,
    s: &mut Scope<'_>,
) -> Option<Syntax> {
    if rule_syntax.is_empty() {
        return Some(ctx.default_rule_syntax);
    }
    match rule_syntax.parse::<Syntax>() {
        Ok(syntax) => {
            s.warning(
                "ruleSyntax",
                IssueKind::Unsupported,
                "ruleSyntax is deprecated; write the rule in v3 syntax",
            );
            Some(syntax)
        }
        Err(_) => {
            s.error(
                "ruleSyntax",
                IssueKind::InvalidValue,
                format!("unknown rule syntax `{rule_syntax}`; expected v2 or v3"),
            );
            None
        }
    }
}

/// Whether `name` is named in another router's `parentRefs` (multi-layer routing, 3.6+:
/// a parent router has no service of its own).
pub fn is_parent_router(name: &str, h: &HttpConfig) -> bool {
    let local = |n: &str| n.split('@').next().unwrap_or(n).to_string();
    h.routers
        .values()
        .any(|o| o.parent_refs.iter().any(|p| local(p) == local(name)))
}

fn router(name: &str, r: &Router, h: &HttpConfig, ctx: &Context<'_>, s: &mut Scope<'_>) {
    if r.rule.is_empty() {
        if r.parent_refs.is_empty() {
            s.error(
                "rule",
                IssueKind::Missing,
                "rule is required, e.g. Host(`example.com`)",
            );
        }
    } else if let Some(syntax) = rule_syntax(&r.rule_syntax, ctx, s)
        && let Err(e) = ctx
            .rules
            .parses(&r.rule, syntax, || Rule::parse(&r.rule, syntax).map(drop))
    {
        s.error(
            "rule",
            IssueKind::InvalidRule,
            format!("invalid rule `{}`: {e}", r.rule),
        );
    }
    if r.priority > i64::MAX - 1000 {
        s.error(
            "priority",
            IssueKind::InvalidValue,
            "priorities above MaxInt64-1000 are reserved for internal routers",
        );
    }
    if r.service.is_empty() {
        if r.parent_refs.is_empty() && !is_parent_router(name, h) {
            s.error("service", IssueKind::Missing, "service is required");
        }
    } else {
        refs::check(&r.service, &h.services, "service", "service", ctx, s);
    }
    for (i, m) in r.middlewares.iter().enumerate() {
        refs::check(
            m,
            &h.middlewares,
            "middleware",
            &format!("middlewares[{i}]"),
            ctx,
            s,
        );
    }
    for (i, p) in r.parent_refs.iter().enumerate() {
        refs::check(p, &h.routers, "router", &format!("parentRefs[{i}]"), ctx, s);
    }
    refs::entry_points(&r.entry_points, ctx, s);
    if let Some(tls) = &r.tls
        && !tls.cert_resolver.is_empty()
        && !ctx.resolvers.contains(&tls.cert_resolver)
    {
        let hint = crate::suggest::did_you_mean(
            &tls.cert_resolver,
            ctx.resolvers.iter().map(String::as_str),
        );
        s.error_suggest(
            "tls.certResolver",
            IssueKind::MissingReference,
            format!(
                "certificate resolver `{}` is not defined in the static configuration",
                tls.cert_resolver
            ),
            hint,
        );
    }
}

fn service(svc: &Service, h: &HttpConfig, ctx: &Context<'_>, s: &mut Scope<'_>) {
    let kinds = svc.kinds();
    match kinds.len() {
        0 => s.error("", IssueKind::Missing, "service has no type; set one of loadBalancer, weighted, mirroring, failover, highestRandomWeight"),
        1 => {}
        _ => s.error("", IssueKind::Conflict, format!("a service has exactly one type, found: {}", kinds.join(", "))),
    }
    if let Some(lb) = &svc.load_balancer {
        load_balancer(lb, h, ctx, &mut s.at("loadBalancer"));
    }
    for (key, child) in svc.children() {
        refs::check(child, &h.services, "service", &key, ctx, s);
    }
    if let Some(m) = &svc.mirroring {
        for (i, mirror) in m.mirrors.iter().enumerate() {
            s.check(
                mirror.percent <= 100,
                &format!("mirroring.mirrors[{i}].percent"),
                || "percent must be between 0 and 100".to_string(),
            );
        }
    }
    if let Some(f) = &svc.failover {
        s.check(!f.service.is_empty(), "failover.service", || {
            "service is required".to_string()
        });
        s.check(!f.fallback.is_empty(), "failover.fallback", || {
            "fallback is required".to_string()
        });
        for (i, code) in f.errors.iter().flat_map(|e| e.status.iter()).enumerate() {
            status_range(code, &format!("failover.errors.status[{i}]"), s);
        }
    }
    for (key, w) in [
        ("weighted", &svc.weighted),
        ("highestRandomWeight", &svc.highest_random_weight),
    ] {
        if let Some(w) = w {
            s.check(!w.services.is_empty(), &format!("{key}.services"), || {
                "at least one service is required".to_string()
            });
            for (i, c) in w.services.iter().enumerate() {
                if c.weight.is_some_and(|w| w <= 0) {
                    s.warning(
                        &format!("{key}.services[{i}].weight"),
                        IssueKind::InvalidValue,
                        "a weight of 0 or less removes the service from the rotation",
                    );
                }
            }
        }
    }
    for (i, m) in svc.middlewares.iter().enumerate() {
        refs::check(
            m,
            &h.middlewares,
            "middleware",
            &format!("middlewares[{i}]"),
            ctx,
            s,
        );
    }
}

fn load_balancer(lb: &LoadBalancer, h: &HttpConfig, ctx: &Context<'_>, s: &mut Scope<'_>) {
    if lb.servers.is_empty() {
        s.warning(
            "servers",
            IssueKind::Missing,
            "no servers: every request will get 503",
        );
    }
    for (i, srv) in lb.servers.iter().enumerate() {
        let mut ss = s.at(&format!("servers[{i}]"));
        if srv.url.is_empty() {
            ss.error(
                "url",
                IssueKind::Missing,
                "url is required, e.g. http://10.0.0.1:8080",
            );
        } else if let Err(msg) = check_url(&srv.url, &["http", "https", "h2c"]) {
            ss.error("url", IssueKind::InvalidValue, msg);
        }
        if !srv.port.is_empty() || !srv.scheme.is_empty() {
            ss.error(
                "port",
                IssueKind::InvalidValue,
                "`port` and `scheme` are Docker-label shorthands; write the full `url` here",
            );
        }
        // p2c ignores weights (as Traefik).
        if srv.weight.is_some_and(|w| w <= 0) && !lb.strategy.eq_ignore_ascii_case("p2c") {
            ss.warning(
                "weight",
                IssueKind::InvalidValue,
                "a weight of 0 or less removes the server from the rotation",
            );
        }
    }
    if !STRATEGIES.contains(&lb.strategy.to_ascii_lowercase().as_str()) {
        let hint = crate::suggest::did_you_mean(&lb.strategy, STRATEGIES.iter().copied());
        s.error_suggest(
            "strategy",
            IssueKind::InvalidValue,
            format!(
                "unknown strategy `{}`; expected one of {}",
                lb.strategy,
                STRATEGIES.join(", ")
            ),
            hint,
        );
    }
    if let Some(c) = lb.sticky.as_ref().and_then(|st| st.cookie.as_ref()) {
        let ok = c.same_site.is_empty()
            || ["none", "lax", "strict"].contains(&c.same_site.to_ascii_lowercase().as_str());
        s.check(ok, "sticky.cookie.sameSite", || {
            format!("`{}` must be none, lax or strict", c.same_site)
        });
    }
    if let Some(hc) = &lb.health_check {
        let mut hs = s.at("healthCheck");
        if hc.path.is_empty() {
            hs.error("path", IssueKind::Missing, "path is required, e.g. /health");
        } else if !hc.path.starts_with('/') {
            hs.error("path", IssueKind::InvalidValue, "path must start with `/`");
        }
        let mode_ok = ["http", "grpc"].contains(&hc.mode.to_ascii_lowercase().as_str());
        hs.check(mode_ok, "mode", || {
            format!("`{}` must be http or grpc", hc.mode)
        });
        let scheme_ok = hc.scheme.is_empty()
            || ["http", "https", "h2c"].contains(&hc.scheme.to_ascii_lowercase().as_str());
        hs.check(scheme_ok, "scheme", || {
            format!("`{}` must be http or https", hc.scheme)
        });
        hs.check(
            hc.status == 0 || (100..=599).contains(&hc.status),
            "status",
            || format!("{} is not an HTTP status code", hc.status),
        );
        hs.check(hc.interval.as_nanos() > 0, "interval", || {
            "interval must be greater than 0".to_string()
        });
        hs.check(hc.timeout.as_nanos() > 0, "timeout", || {
            "timeout must be greater than 0".to_string()
        });
        hs.check(
            hc.method.chars().all(|c| c.is_ascii_alphabetic()),
            "method",
            || format!("`{}` is not an HTTP method", hc.method),
        );
    }
    if !lb.servers_transport.is_empty() && lb.servers_transport != "default@internal" {
        refs::check(
            &lb.servers_transport,
            &h.servers_transports,
            "serversTransport",
            "serversTransport",
            ctx,
            s,
        );
    }
}

fn transport(t: &ServersTransport, ctx: &Context<'_>, s: &mut Scope<'_>) {
    super::tls::files(&t.root_cas, "rootCAs", ctx, s);
    for (i, c) in t.certificates.iter().enumerate() {
        super::tls::cert_pair(
            &c.cert_file,
            &c.key_file,
            &format!("certificates[{i}]"),
            ctx,
            s,
        );
    }
    for (key, v) in [
        ("minVersion", &t.min_version),
        ("maxVersion", &t.max_version),
    ] {
        if !v.is_empty() {
            super::tls::version(v, key, s);
        }
    }
    for (i, san) in t.peer_cert_sans.iter().enumerate() {
        let ok = ["DNSName", "URI"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&san.kind));
        s.check(ok, &format!("peerCertSANs[{i}].type"), || {
            format!("`{}` must be DNSName or URI", san.kind)
        });
    }
}
