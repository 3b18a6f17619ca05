//! §6.2 step 5: which IP and port a container's server gets.
//!
//! IP: the network named by `traefik.docker.network`, else `providers.docker.network`
//! (warning and fall back when the container is not on it); `network_mode: host` ⇒
//! `127.0.0.1`; `network_mode: container:<id>` ⇒ that container's IP; otherwise the first
//! network — except that, beyond Traefik, when the container is on several networks and the
//! gateway's own container shares one of them, that one is picked (the others are most
//! likely unreachable from the gateway) and a warning says so. With `useBindPortIP` the
//! published `HostIP:HostPort` of the port is used when it names a specific host IP.

use waygate_config::{Issue, IssueKind};

use super::{Ctx, container_issue};
use crate::container::ContainerInfo;

/// Resolves (once) and caches the container's IP; issues are reported on first use.
pub(crate) struct Resolver<'a> {
    ctx: &'a Ctx<'a>,
    c: &'a ContainerInfo,
    ip: Option<Option<String>>,
}

// === impl Resolver ===

impl<'a> Resolver<'a> {
    pub(crate) fn new(ctx: &'a Ctx<'a>, c: &'a ContainerInfo) -> Self {
        Self { ctx, c, ip: None }
    }

    /// An error issue about this container.
    pub(crate) fn issue(&self, kind: IssueKind, key_path: &str, message: String) -> Issue {
        container_issue(self.c, true, kind, key_path, message)
    }

    /// `host:port` (IPv6 in brackets) for a server of `service` whose port label is
    /// `port_label` (empty when not set). `fix` is the label to suggest when no port exists.
    pub(crate) fn host_port(
        &mut self,
        port_label: &str,
        fix: &str,
        issues: &mut Vec<Issue>,
    ) -> Result<String, Issue> {
        let c = self.c;
        let port = if port_label.is_empty() {
            c.lowest_port().ok_or_else(|| {
                container_issue(
                    c,
                    true,
                    IssueKind::Missing,
                    fix,
                    format!(
                        "container `{}` exposes no port, so its server address is unknown; add a label {fix}=<port>; the container is skipped",
                        c.name
                    ),
                )
            })?
        } else {
            port_label.trim().parse::<u16>().map_err(|_| {
                container_issue(
                    c,
                    true,
                    IssueKind::InvalidValue,
                    fix,
                    format!(
                        "`{port_label}` is not a port number; the container `{}` is skipped",
                        c.name
                    ),
                )
            })?
        };
        if self.ctx.cfg.use_bind_port_ip {
            match c.bindings.iter().find(|(p, _, _)| *p == port) {
                Some((_, ip, host_port)) if !ip.is_empty() && ip != "0.0.0.0" && ip != "::" => {
                    return Ok(join(ip, *host_port));
                }
                Some((_, ip, _)) => tracing::info!(
                    container = %c.name, port, host_ip = %ip,
                    "useBindPortIP: the binding has no specific host IP; using the container IP and port"
                ),
                None => tracing::info!(
                    container = %c.name, port,
                    "useBindPortIP: port not published; using the container IP and port"
                ),
            }
        }
        let ip = self.ip(issues).ok_or_else(|| {
            container_issue(
                c,
                true,
                IssueKind::Missing,
                "",
                format!(
                    "container `{}` has no IP address on any network; the container is skipped",
                    c.name
                ),
            )
        })?;
        Ok(join(&ip, port))
    }

    fn ip(&mut self, issues: &mut Vec<Issue>) -> Option<String> {
        if self.ip.is_none() {
            let wanted = self
                .c
                .label("docker.network")
                .or(Some(self.ctx.cfg.network.as_str()))
                .filter(|n| !n.is_empty());
            self.ip = Some(pick(self.ctx, self.c, wanted, 0, issues));
        }
        self.ip.clone().flatten()
    }
}

fn pick(
    ctx: &Ctx<'_>,
    c: &ContainerInfo,
    wanted: Option<&str>,
    depth: usize,
    issues: &mut Vec<Issue>,
) -> Option<String> {
    let warn = |msg: String| container_issue(c, false, IssueKind::InvalidValue, "", msg);
    let mut not_found = false;
    if let Some(net) = wanted {
        if let Some(ip) = c.networks.get(net) {
            return Some(ip.clone());
        }
        not_found = true;
        issues.push(warn(format!(
            "container `{}` is not on network `{net}` (it is on: {}); with compose, the network name may need the project prefix (`<project>_{net}`)",
            c.name,
            list(c.networks.keys())
        )));
    }
    if c.network_mode == "host" {
        return Some("127.0.0.1".to_string());
    }
    if let Some(other) = c.network_mode.strip_prefix("container:") {
        let target = ctx
            .all
            .iter()
            .find(|o| o.id.starts_with(other) || o.name == other.trim_start_matches('/'));
        return match target {
            // One hop only: a chain of `container:` modes is not followed further.
            Some(t) if depth == 0 => {
                let wanted = t.label("docker.network").or(wanted);
                pick(ctx, t, wanted, depth + 1, issues)
            }
            _ => {
                issues.push(warn(format!(
                    "container `{}` shares the network of container `{other}`, which was not found",
                    c.name
                )));
                None
            }
        };
    }
    if c.networks.len() > 1
        && let Some((net, ip)) = c
            .networks
            .iter()
            .find(|(n, _)| ctx.own_networks.iter().any(|o| o == *n))
    {
        issues.push(warn(format!(
            "container `{}` is on several networks ({}); using `{net}` because the gateway's own container is also on it; set the label traefik.docker.network to choose another",
            c.name,
            list(c.networks.keys())
        )));
        return Some(ip.clone());
    }
    let (net, ip) = c.networks.iter().next()?;
    if not_found {
        issues.push(warn(format!(
            "container `{}`: using the first network `{net}` instead",
            c.name
        )));
    }
    Some(ip.clone())
}

fn list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// `ip:port`, with brackets around an IPv6 address (Go's `net.JoinHostPort`).
fn join(ip: &str, port: u16) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}
