//! Compiling `tcp.routers`, `tcp.services`, `tcp.middlewares` and `tcp.serversTransports`
//! into each entry point's [`TcpRoutes`], recording every TCP item's status. An item with an
//! error is disabled alone (and the routers that need it), as for HTTP.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64};

use waygate_config::dynamic::tcp::{TcpConfig, TcpServersTransport};
use waygate_config::static_config::StaticConfig;
use waygate_config::status::RuntimeStatus;
use waygate_config::{Issue, IssueKind};
use waygate_rules::{Syntax, TcpRule};

use super::health::{Settings, TcpChecked};
use super::middleware::TcpMw;
use super::service::{Server, TcpService};
use super::transport::{TcpTransport, TlsClient, client_config};
use super::{RouteTls, TcpRoute, TcpRoutes};
use crate::service::lb::Smooth;
use crate::tls::TlsCompiler;
use crate::upstream::TlsSettings;

/// What TCP compilation reads.
pub(crate) struct TcpInput<'a> {
    pub(crate) static_cfg: &'a StaticConfig,
    pub(crate) tcp: &'a TcpConfig,
    /// Items disabled by upstream errors: (kind, name).
    pub(crate) disabled: &'a HashSet<(String, String)>,
    pub(crate) tls: Option<&'a TlsCompiler>,
    pub(crate) default_syntax: Syntax,
    /// Health flags kept across reloads (`loadBalancer.healthCheck`).
    pub(crate) health: &'a crate::service::health::HealthRegistry,
}

const UPSTREAM_ERROR: &str = "disabled by a configuration error (see the issues above)";

/// The TCP routes of every entry point that has some, and the servers to health check;
/// statuses go to `status`, each disabled router's error to `router_issues` (its status
/// already says why).
pub(crate) fn compile(
    input: &TcpInput<'_>,
    status: &mut RuntimeStatus,
    router_issues: &mut Vec<Issue>,
) -> (HashMap<String, TcpRoutes>, Vec<TcpChecked>) {
    let eps = input.static_cfg.effective_entry_points();
    let mut builder = Builder {
        input,
        services: HashMap::new(),
        transports: HashMap::new(),
        building: HashSet::new(),
        checked: Vec::new(),
    };
    let mut out: HashMap<String, TcpRoutes> = HashMap::new();
    for (name, r) in &input.tcp.routers {
        let result = (|| -> Result<(Arc<TcpRoute>, Vec<String>), String> {
            if input
                .disabled
                .contains(&("tcpRouter".to_string(), name.clone()))
            {
                return Err(UPSTREAM_ERROR.to_string());
            }
            let syntax = if r.rule_syntax.is_empty() {
                input.default_syntax
            } else {
                r.rule_syntax
                    .parse()
                    .map_err(|_| "invalid ruleSyntax".to_string())?
            };
            let rule = TcpRule::parse(&r.rule, syntax).map_err(|e| format!("invalid rule: {e}"))?;
            let catch_all = rule.is_catch_all();
            let tls = match &r.tls {
                None => RouteTls::None,
                Some(t) if t.passthrough => RouteTls::Passthrough,
                Some(t) => {
                    let tls = input
                        .tls
                        .ok_or("TLS is unavailable (see the issues above)")?;
                    RouteTls::Terminate(tls.option(&t.options, name)?.1)
                }
            };
            let mut chain = Vec::new();
            for m in &r.middlewares {
                chain.push(Arc::new(builder.middleware(m, status)?));
            }
            let service = builder.service(&r.service)?;
            let using: Vec<String> = r
                .entry_points
                .iter()
                .filter(|e| eps.get(*e).is_some_and(|ep| !ep.address.ends_with("/udp")))
                .cloned()
                .collect();
            if using.is_empty() {
                return Err("none of the router's entry points exists".to_string());
            }
            let priority = match r.priority {
                0 if catch_all => -1,
                0 => waygate_rules::default_priority(&r.rule),
                p => p,
            };
            let route = TcpRoute {
                name: name.clone(),
                priority,
                rule,
                catch_all,
                tls,
                chain,
                service,
            };
            Ok((Arc::new(route), using))
        })();
        match result {
            Ok((route, using)) => {
                let item = status.item("tcpRouter", name);
                for ep in using {
                    item.using.push(ep.clone());
                    let routes = out.entry(ep).or_default();
                    match route.tls {
                        RouteTls::None => routes.plain.push(route.clone()),
                        _ => routes.tls.push(route.clone()),
                    }
                }
            }
            Err(e) => {
                if e != UPSTREAM_ERROR {
                    status.item("tcpRouter", name).disable(e.clone());
                }
                // A feature Waygate lacks is `Unsupported` (check exits 3), as for HTTP routers.
                let kind = if e.contains("not implemented by Waygate") {
                    IssueKind::Unsupported
                } else {
                    IssueKind::InvalidValue
                };
                router_issues.push(
                    Issue::error(
                        kind,
                        format!("tcp.routers.{name}"),
                        format!("router disabled: {e}"),
                    )
                    .with_item("tcpRouter", name.clone()),
                );
            }
        }
    }
    for (name, result) in &builder.services {
        if let Err(e) = result {
            status.item("tcpService", name).disable(e.clone());
        }
    }
    for (name, result) in &builder.transports {
        if let Err(e) = result {
            status.item("tcpServersTransport", name).disable(e.clone());
        }
    }
    let by_priority = |a: &Arc<TcpRoute>, b: &Arc<TcpRoute>| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.name.cmp(&b.name))
    };
    for routes in out.values_mut() {
        routes.plain.sort_by(by_priority);
        routes.tls.sort_by(by_priority);
    }
    (out, builder.checked)
}

struct Builder<'a> {
    input: &'a TcpInput<'a>,
    services: HashMap<String, Result<Arc<TcpService>, String>>,
    transports: HashMap<String, Result<Arc<TcpTransport>, String>>,
    /// Services being built (cycle detection through `weighted`).
    building: HashSet<String>,
    /// Servers of the built services that have a health check.
    checked: Vec<TcpChecked>,
}

impl Builder<'_> {
    fn middleware(&mut self, name: &str, status: &mut RuntimeStatus) -> Result<TcpMw, String> {
        if self.is_disabled("tcpMiddleware", name) {
            return Err(format!(
                "middleware `{name}` is disabled by a configuration error"
            ));
        }
        let cfg = self
            .input
            .tcp
            .middlewares
            .get(name)
            .ok_or_else(|| format!("middleware `{name}` does not exist"))?;
        TcpMw::build(cfg).map_err(|e| {
            status.item("tcpMiddleware", name).disable(e.clone());
            format!("middleware `{name}`: {e}")
        })
    }

    fn is_disabled(&self, kind: &str, name: &str) -> bool {
        self.input
            .disabled
            .contains(&(kind.to_string(), name.to_string()))
    }

    fn service(&mut self, name: &str) -> Result<Arc<TcpService>, String> {
        if let Some(done) = self.services.get(name) {
            return done.clone();
        }
        if !self.building.insert(name.to_string()) {
            return Err(format!("service `{name}` is part of a cycle"));
        }
        let result = self.build_service(name);
        self.building.remove(name);
        self.services.insert(name.to_string(), result.clone());
        result
    }

    fn build_service(&mut self, name: &str) -> Result<Arc<TcpService>, String> {
        if self.is_disabled("tcpService", name) {
            return Err(format!(
                "service `{name}` is disabled by a configuration error"
            ));
        }
        let cfg = self
            .input
            .tcp
            .services
            .get(name)
            .ok_or_else(|| format!("the service `{name}` does not exist"))?;
        if let Some(w) = &cfg.weighted {
            let mut members = Vec::new();
            for m in &w.services {
                let weight = m.weight.unwrap_or(1);
                let child = self.service(&m.name)?;
                if weight > 0 {
                    members.push((child, weight));
                }
            }
            return Ok(Arc::new(TcpService::Weighted {
                members,
                state: Smooth::default(),
                health_check: w.health_check.is_some(),
            }));
        }
        let lb = cfg
            .load_balancer
            .as_ref()
            .ok_or_else(|| format!("service `{name}` has no type"))?;
        let mut transport = (*self.transport(&lb.servers_transport)?).clone();
        // Deprecated service-level options override the transport's.
        if let Some(pp) = &lb.proxy_protocol {
            transport.proxy_protocol = Some(pp.version);
        }
        if let Some(ms) = lb.termination_delay {
            transport.termination_delay =
                u64::try_from(ms).ok().map(std::time::Duration::from_millis);
        }
        let transport = Arc::new(transport);
        let transport_key = match lb.servers_transport.as_str() {
            "" | "default@internal" => ("default@internal".to_string(), None),
            t => (
                t.to_string(),
                self.input.tcp.servers_transports.get(t).cloned(),
            ),
        };
        let mut servers = Vec::new();
        for s in &lb.servers {
            let up = match &lb.health_check {
                Some(spec) => {
                    let settings = Settings {
                        spec: spec.clone(),
                        tls: s.tls,
                        transport: transport_key.clone(),
                    };
                    let up = self.input.health.tcp.flag(name, &s.address, &settings);
                    self.checked.push(TcpChecked {
                        service: name.to_string(),
                        address: s.address.clone(),
                        settings,
                        transport: transport.clone(),
                        up: up.clone(),
                    });
                    up
                }
                None => Arc::new(AtomicBool::new(true)),
            };
            servers.push(Server {
                address: s.address.clone(),
                tls: s.tls,
                transport: transport.clone(),
                up,
            });
        }
        Ok(Arc::new(TcpService::Servers {
            servers,
            next: AtomicU64::new(0),
        }))
    }

    fn transport(&mut self, name: &str) -> Result<Arc<TcpTransport>, String> {
        let key = if name.is_empty() {
            "default@internal"
        } else {
            name
        };
        if let Some(done) = self.transports.get(key) {
            return done
                .clone()
                .map_err(|e| format!("tcpServersTransport `{key}`: {e}"));
        }
        let result = self.build_transport(key).map(Arc::new);
        self.transports.insert(key.to_string(), result.clone());
        result.map_err(|e| format!("tcpServersTransport `{key}`: {e}"))
    }

    fn build_transport(&self, name: &str) -> Result<TcpTransport, String> {
        if name == "default@internal" {
            let d = self
                .input
                .static_cfg
                .tcp_servers_transport
                .clone()
                .unwrap_or_default();
            return Ok(TcpTransport::new(
                d.dial_timeout.to_std().unwrap_or_default(),
                d.dial_keep_alive.to_std(),
                d.termination_delay.to_std(),
                None,
                None,
            ));
        }
        if self.is_disabled("tcpServersTransport", name) {
            return Err("disabled by a configuration error".to_string());
        }
        let t: &TcpServersTransport = self
            .input
            .tcp
            .servers_transports
            .get(name)
            .ok_or("does not exist")?;
        let tls = match &t.tls {
            None => None,
            Some(tls) => {
                if !tls.peer_cert_sans.is_empty() || !tls.peer_cert_uri.is_empty() {
                    return Err(
                        "peerCertSANs / peerCertURI is not implemented by Waygate yet".into(),
                    );
                }
                if tls.spiffe.is_some() {
                    return Err("spiffe is not implemented by Waygate yet".into());
                }
                let settings = TlsSettings {
                    server_name: tls.server_name.clone(),
                    insecure_skip_verify: tls.insecure_skip_verify,
                    root_cas: tls.root_cas.clone(),
                    certificates: tls
                        .certificates
                        .iter()
                        .map(|c| (c.cert_file.clone(), c.key_file.clone()))
                        .collect(),
                    ..TlsSettings::default()
                };
                Some(TlsClient {
                    config: client_config(&settings)?,
                    server_name: tls.server_name.clone(),
                })
            }
        };
        Ok(TcpTransport::new(
            t.dial_timeout.to_std().unwrap_or_default(),
            t.dial_keep_alive.to_std(),
            t.termination_delay.to_std(),
            t.proxy_protocol.as_ref().map(|p| p.version),
            tls,
        ))
    }
}
