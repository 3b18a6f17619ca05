//! TCP and UDP routers and services.

use waygate_rules::TcpRule;

use super::refs;
use crate::dynamic::DynamicConfig;
use crate::dynamic::tcp::{TcpConfig, TcpService};
use crate::dynamic::udp::UdpConfig;
use crate::issue::{Issue, IssueKind};
use crate::validate::{Context, Scope, Validate};

pub(super) fn validate(
    t: &TcpConfig,
    _all: &DynamicConfig,
    ctx: &Context<'_>,
    issues: &mut Vec<Issue>,
) {
    for (name, st) in &t.servers_transports {
        if st.tls.as_ref().is_some_and(|tls| tls.spiffe.is_some()) {
            let path = format!("tcp.serversTransports.{name}");
            let mut s = Scope::item(issues, path, "tcpServersTransport", name);
            s.warning(
                "tls.spiffe",
                IssueKind::Unsupported,
                "spiffe is not implemented by Waygate yet: the peer's SPIFFE identity is not verified",
            );
        }
    }
    for (name, r) in &t.routers {
        let mut s = Scope::item(issues, format!("tcp.routers.{name}"), "tcpRouter", name);
        if r.rule.is_empty() {
            s.error(
                "rule",
                IssueKind::Missing,
                "rule is required, e.g. HostSNI(`*`)",
            );
        } else if let Some(syntax) = super::http::rule_syntax(&r.rule_syntax, ctx, &mut s) {
            match TcpRule::parse(&r.rule, syntax) {
                Err(e) => s.error("rule", IssueKind::InvalidRule, format!("invalid rule `{}`: {e}", r.rule)),
                Ok(rule) if r.tls.is_none() && !matches!(rule.hosts(), waygate_rules::Hosts::Any) => s.error(
                    "rule",
                    IssueKind::InvalidRule,
                    "a TCP router without tls can only match HostSNI(`*`) (there is no SNI without TLS)",
                ),
                Ok(_) => {}
            }
        }
        if r.service.is_empty() {
            s.error("service", IssueKind::Missing, "service is required");
        } else {
            refs::check(
                &r.service,
                &t.services,
                "tcpService",
                "service",
                ctx,
                &mut s,
            );
        }
        for (i, m) in r.middlewares.iter().enumerate() {
            refs::check(
                m,
                &t.middlewares,
                "tcpMiddleware",
                &format!("middlewares[{i}]"),
                ctx,
                &mut s,
            );
        }
        refs::entry_points(&r.entry_points, ctx, &mut s);
    }
    for (name, svc) in &t.services {
        let mut s = Scope::item(issues, format!("tcp.services.{name}"), "tcpService", name);
        service(svc, t, ctx, &mut s);
    }
    for (name, m) in &t.middlewares {
        let mut s = Scope::item(
            issues,
            format!("tcp.middlewares.{name}"),
            "tcpMiddleware",
            name,
        );
        m.validate(&mut s);
    }
}

fn service(svc: &TcpService, t: &TcpConfig, ctx: &Context<'_>, s: &mut Scope<'_>) {
    match (&svc.load_balancer, &svc.weighted) {
        (None, None) => s.error(
            "",
            IssueKind::Missing,
            "service has no type; set loadBalancer or weighted",
        ),
        (Some(_), Some(_)) => s.error(
            "",
            IssueKind::Conflict,
            "a service has exactly one type, found: loadBalancer, weighted",
        ),
        _ => {}
    }
    if let Some(lb) = &svc.load_balancer {
        for (i, srv) in lb.servers.iter().enumerate() {
            host_port(
                &srv.address,
                srv.port.is_empty(),
                &format!("loadBalancer.servers[{i}].address"),
                s,
            );
        }
        if !lb.servers_transport.is_empty() {
            refs::check(
                &lb.servers_transport,
                &t.servers_transports,
                "tcpServersTransport",
                "loadBalancer.serversTransport",
                ctx,
                s,
            );
        }
    }
    if let Some(w) = &svc.weighted {
        for (i, child) in w.services.iter().enumerate() {
            refs::check(
                &child.name,
                &t.services,
                "tcpService",
                &format!("weighted.services[{i}].name"),
                ctx,
                s,
            );
        }
    }
}

fn host_port(address: &str, required: bool, key: &str, s: &mut Scope<'_>) {
    if address.is_empty() {
        if required {
            s.error(key, IssueKind::Missing, "address is required (host:port)");
        }
        return;
    }
    let ok = address
        .rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
    s.check(ok, key, || format!("`{address}` must be host:port"));
}

pub(super) fn validate_udp(u: &UdpConfig, ctx: &Context<'_>, issues: &mut Vec<Issue>) {
    for (name, r) in &u.routers {
        let mut s = Scope::item(issues, format!("udp.routers.{name}"), "udpRouter", name);
        if r.service.is_empty() {
            s.error("service", IssueKind::Missing, "service is required");
        } else {
            refs::check(
                &r.service,
                &u.services,
                "udpService",
                "service",
                ctx,
                &mut s,
            );
        }
        refs::entry_points(&r.entry_points, ctx, &mut s);
    }
    for (name, svc) in &u.services {
        let mut s = Scope::item(issues, format!("udp.services.{name}"), "udpService", name);
        match (&svc.load_balancer, &svc.weighted) {
            (None, None) => s.error(
                "",
                IssueKind::Missing,
                "service has no type; set loadBalancer or weighted",
            ),
            (Some(_), Some(_)) => {
                s.error("", IssueKind::Conflict, "a service has exactly one type")
            }
            _ => {}
        }
        for (i, srv) in svc
            .load_balancer
            .iter()
            .flat_map(|lb| lb.servers.iter())
            .enumerate()
        {
            host_port(
                &srv.address,
                srv.port.is_empty(),
                &format!("loadBalancer.servers[{i}].address"),
                &mut s,
            );
        }
        for (i, child) in svc
            .weighted
            .iter()
            .flat_map(|w| w.services.iter())
            .enumerate()
        {
            refs::check(
                &child.name,
                &u.services,
                "udpService",
                &format!("weighted.services[{i}].name"),
                ctx,
                &mut s,
            );
        }
    }
}
