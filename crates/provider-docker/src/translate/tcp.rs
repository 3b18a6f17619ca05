//! §6.2 step 4: TCP and UDP routers and services from labels.
//!
//! Built only when the container has `traefik.tcp.*` (or `traefik.udp.*`) routers or
//! services: a default service named like the HTTP one when none is defined, one server
//! `<ip>:<port>` per service, TCP routers without a rule dropped, routers without a service
//! given the only one. A container with only TCP/UDP labels gets no HTTP defaults.

use waygate_config::dynamic::DynamicConfig;
use waygate_config::dynamic::tcp::{TcpLoadBalancer, TcpServer, TcpService};
use waygate_config::dynamic::udp::{UdpLoadBalancer, UdpServer, UdpService};
use waygate_config::{Issue, IssueKind};

use super::address::Resolver;
use super::filter::Keep;

/// Returns `Some(true)` when the container is TCP/UDP only (no HTTP defaults), `None` when
/// it is skipped.
pub(crate) fn build(
    config: &mut DynamicConfig,
    service_name: &str,
    keep: Keep,
    addr: &mut Resolver<'_>,
    issues: &mut Vec<Issue>,
) -> Option<bool> {
    let mut l4 = false;
    if let Some(tcp) = config
        .tcp
        .as_mut()
        .filter(|t| !t.routers.is_empty() || !t.services.is_empty())
    {
        l4 = true;
        if tcp.services.is_empty() {
            let lb = Some(TcpLoadBalancer::default());
            let svc = TcpService {
                load_balancer: lb,
                ..TcpService::default()
            };
            tcp.services.insert(service_name.to_string(), svc);
        }
        for (name, svc) in &mut tcp.services {
            let Some(lb) = svc.load_balancer.as_mut() else {
                issues.push(not_lb(addr, "tcp", name));
                return None;
            };
            if keep == Keep::Empty {
                lb.servers.clear();
                continue;
            }
            if lb.servers.is_empty() {
                lb.servers.push(TcpServer::default());
            }
            let s = &mut lb.servers[0];
            let port = std::mem::take(&mut s.port);
            if s.address.is_empty() {
                s.address = address(addr, "tcp", name, &port, issues)?;
            }
        }
        let names: Vec<String> = tcp.services.keys().cloned().collect();
        let mut routers = std::mem::take(&mut tcp.routers);
        routers.retain(|name, r| {
            if r.rule.is_empty() {
                issues.push(addr.issue(
                    IssueKind::Missing,
                    &format!("tcp.routers.{name}.rule"),
                    format!("TCP router `{name}` has no rule (TCP routers get no default rule); the router is dropped"),
                ));
                return false;
            }
            fill_service(addr, "tcp", name, &mut r.service, &names, issues)
        });
        tcp.routers = routers;
    }
    if let Some(udp) = config
        .udp
        .as_mut()
        .filter(|u| !u.routers.is_empty() || !u.services.is_empty())
    {
        l4 = true;
        if udp.services.is_empty() {
            let svc = UdpService {
                load_balancer: Some(UdpLoadBalancer::default()),
                ..UdpService::default()
            };
            udp.services.insert(service_name.to_string(), svc);
        }
        for (name, svc) in &mut udp.services {
            let Some(lb) = svc.load_balancer.as_mut() else {
                issues.push(not_lb(addr, "udp", name));
                return None;
            };
            if keep == Keep::Empty {
                lb.servers.clear();
                continue;
            }
            if lb.servers.is_empty() {
                lb.servers.push(UdpServer::default());
            }
            let s = &mut lb.servers[0];
            let port = std::mem::take(&mut s.port);
            if s.address.is_empty() {
                s.address = address(addr, "udp", name, &port, issues)?;
            }
        }
        let names: Vec<String> = udp.services.keys().cloned().collect();
        let mut routers = std::mem::take(&mut udp.routers);
        routers.retain(|name, r| fill_service(addr, "udp", name, &mut r.service, &names, issues));
        udp.routers = routers;
    }
    let http_empty = config
        .http
        .as_ref()
        .is_none_or(|h| h.routers.is_empty() && h.services.is_empty() && h.middlewares.is_empty());
    Some(l4 && http_empty)
}

fn address(
    addr: &mut Resolver<'_>,
    proto: &str,
    name: &str,
    port: &str,
    issues: &mut Vec<Issue>,
) -> Option<String> {
    let fix = format!("traefik.{proto}.services.{name}.loadbalancer.server.port");
    match addr.host_port(port, &fix, issues) {
        Ok(a) => Some(a),
        Err(issue) => {
            issues.push(issue);
            None
        }
    }
}

/// Gives a router without a service the only service; `false` (router dropped) when there
/// are several.
fn fill_service(
    addr: &Resolver<'_>,
    proto: &str,
    name: &str,
    service: &mut String,
    services: &[String],
    issues: &mut Vec<Issue>,
) -> bool {
    if !service.is_empty() {
        return true;
    }
    if let [only] = services {
        *service = only.clone();
        return true;
    }
    issues.push(addr.issue(
        IssueKind::Missing,
        &format!("{proto}.routers.{name}.service"),
        format!(
            "{} router `{name}` names no service and the container defines {}; set the label traefik.{proto}.routers.{name}.service; the router is dropped",
            proto.to_uppercase(),
            services.len()
        ),
    ));
    false
}

fn not_lb(addr: &Resolver<'_>, proto: &str, name: &str) -> Issue {
    addr.issue(
        IssueKind::InvalidValue,
        &format!("{proto}.services.{name}"),
        format!("service `{name}` has no loadBalancer: labels can only define loadBalancer services; the container is skipped"),
    )
}
