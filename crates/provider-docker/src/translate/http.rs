//! §6.2 steps 5–6: HTTP services (default service, server URL) and routers (default router,
//! default rule, the only service).

use std::sync::Arc;

use waygate_config::dynamic::{HttpConfig, LoadBalancer, Server, Service};
use waygate_config::{Issue, IssueKind};

use super::address::Resolver;
use super::filter::Keep;
use super::{Ctx, container_issue};
use crate::container::ContainerInfo;
use crate::template::Data;

/// Step 5. `Err` skips the container (the issue is already pushed).
pub(crate) fn services(
    http: &mut HttpConfig,
    service_name: &str,
    keep: Keep,
    addr: &mut Resolver<'_>,
    issues: &mut Vec<Issue>,
) -> Option<()> {
    if http.services.is_empty() {
        let service = Service {
            load_balancer: Some(LoadBalancer::default()),
            ..Service::default()
        };
        http.services
            .insert(service_name.to_string(), Arc::new(service));
    }
    for (name, service) in &mut http.services {
        // Freshly decoded: unique, so `make_mut` copies nothing.
        let Some(lb) = Arc::make_mut(service).load_balancer.as_mut() else {
            issues.push(addr.issue(
                IssueKind::InvalidValue,
                &format!("http.services.{name}"),
                format!("service `{name}` has no loadBalancer: labels can only define loadBalancer services"),
            ));
            return None;
        };
        if keep == Keep::Empty {
            lb.servers.clear();
            continue;
        }
        if lb.servers.is_empty() {
            lb.servers.push(Server::default());
        }
        let server = &mut lb.servers[0];
        if !server.url.is_empty() {
            if !server.scheme.is_empty() || !server.port.is_empty() {
                issues.push(addr.issue(
                    IssueKind::Conflict,
                    &format!("http.services.{name}.loadbalancer.server.url"),
                    format!("service `{name}`: server.url cannot be combined with server.port or server.scheme; the container is skipped"),
                ));
                return None;
            }
            continue;
        }
        let port = std::mem::take(&mut server.port);
        let scheme = match std::mem::take(&mut server.scheme) {
            s if s.is_empty() => "http".to_string(),
            s => s,
        };
        let fix = format!("traefik.http.services.{name}.loadbalancer.server.port");
        match addr.host_port(&port, &fix, issues) {
            Ok(host_port) => server.url = format!("{scheme}://{host_port}"),
            Err(issue) => {
                issues.push(issue);
                return None;
            }
        }
    }
    Some(())
}

/// Step 6: the default router, default rules and the only service.
pub(crate) fn routers(
    ctx: &Ctx<'_>,
    c: &ContainerInfo,
    http: &mut HttpConfig,
    service_name: &str,
    issues: &mut Vec<Issue>,
) {
    if http.routers.is_empty() {
        if http.services.len() == 1 {
            http.routers
                .insert(service_name.to_string(), Arc::default());
        } else {
            issues.push(container_issue(
                c,
                false,
                IssueKind::Missing,
                "http.routers",
                format!(
                    "container `{}` defines {} services and no router, so no default router is created",
                    c.name,
                    http.services.len()
                ),
            ));
        }
    }
    let only = (http.services.len() == 1)
        .then(|| http.services.keys().next().cloned())
        .flatten();
    let data = Data {
        name: service_name,
        container_name: &c.name,
        labels: &c.labels,
    };
    let mut dropped = Vec::new();
    for (name, router) in &mut http.routers {
        // Freshly decoded: unique, so `make_mut` copies nothing.
        let router = Arc::make_mut(router);
        let path = format!("http.routers.{name}");
        if router.rule.is_empty() {
            let rendered = match &ctx.default_rule {
                None => Err("providers.docker.defaultRule is invalid".to_string()),
                Some(t) => t.render(&data).map_err(|e| e.0),
            };
            match rendered {
                Ok(rule) if !rule.trim().is_empty() => router.rule = rule,
                Ok(_) => {
                    let msg = format!(
                        "router `{name}` of container `{}` has no rule and defaultRule renders empty; the router is dropped",
                        c.name
                    );
                    issues.push(container_issue(c, true, IssueKind::Missing, &path, msg));
                    dropped.push(name.clone());
                    continue;
                }
                Err(e) => {
                    let msg = format!(
                        "router `{name}` of container `{}` has no rule and defaultRule cannot be rendered: {e}; the router is dropped",
                        c.name
                    );
                    issues.push(container_issue(
                        c,
                        true,
                        IssueKind::InvalidValue,
                        &path,
                        msg,
                    ));
                    dropped.push(name.clone());
                    continue;
                }
            }
        }
        if router.service.is_empty() {
            match &only {
                Some(s) => router.service = s.clone(),
                None => {
                    let msg = format!(
                        "router `{name}` of container `{}` names no service and the container defines {}; set the label traefik.http.routers.{name}.service; the router is dropped",
                        c.name,
                        http.services.len()
                    );
                    issues.push(container_issue(c, true, IssueKind::Missing, &path, msg));
                    dropped.push(name.clone());
                }
            }
        }
    }
    for name in dropped {
        http.routers.remove(&name);
    }
}
