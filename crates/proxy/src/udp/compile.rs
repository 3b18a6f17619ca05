//! Compiling `udp.routers` and `udp.services` into the router serving each UDP entry point,
//! recording every UDP item's status. An item with an error is disabled alone (and the
//! routers that need it), as for HTTP and TCP.
//!
//! A router without `entryPoints` takes every UDP entry point. UDP routers have no rule, so
//! an entry point is served by one router only: as in Traefik, when several land on one,
//! routers are taken in descending name order and the first that builds serves; the others
//! get a warning.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use waygate_config::dynamic::udp::UdpConfig;
use waygate_config::static_config::StaticConfig;
use waygate_config::status::RuntimeStatus;
use waygate_config::{Issue, IssueKind};

use super::UdpRoute;
use super::service::UdpService;
use crate::service::lb::Smooth;

const UPSTREAM_ERROR: &str = "disabled by a configuration error (see the issues above)";

/// The router of every UDP entry point that has one; statuses go to `status`, each disabled
/// router's error to `router_issues`.
pub(crate) fn compile(
    static_cfg: &StaticConfig,
    udp: &UdpConfig,
    disabled: &HashSet<(String, String)>,
    status: &mut RuntimeStatus,
    router_issues: &mut Vec<Issue>,
) -> HashMap<String, Arc<UdpRoute>> {
    let udp_eps: Vec<String> = static_cfg
        .effective_entry_points()
        .into_iter()
        .filter(|(_, ep)| super::is_udp(ep))
        .map(|(n, _)| n)
        .collect();
    let mut builder = Builder {
        udp,
        disabled,
        built: HashMap::new(),
        building: HashSet::new(),
    };
    // Entry point → its candidate routers, in name order.
    let mut candidates: BTreeMap<String, Vec<Arc<UdpRoute>>> = BTreeMap::new();
    for (name, r) in &udp.routers {
        let result = (|| -> Result<(Arc<UdpRoute>, Vec<String>), String> {
            if disabled.contains(&("udpRouter".to_string(), name.clone())) {
                return Err(UPSTREAM_ERROR.to_string());
            }
            if r.service.is_empty() {
                return Err("the service is missing on the UDP router".to_string());
            }
            let service = builder.service(&r.service)?;
            let using: Vec<String> = if r.entry_points.is_empty() {
                udp_eps.clone()
            } else {
                let named = r.entry_points.iter().filter(|e| udp_eps.contains(e));
                named.cloned().collect()
            };
            if using.is_empty() {
                return Err("none of the router's entry points is a UDP entry point".to_string());
            }
            let route = UdpRoute {
                name: name.clone(),
                service_name: r.service.clone(),
                service,
            };
            Ok((Arc::new(route), using))
        })();
        match result {
            Ok((route, using)) => {
                status.item("udpRouter", name);
                for ep in using {
                    candidates.entry(ep).or_default().push(route.clone());
                }
            }
            Err(e) => {
                if e != UPSTREAM_ERROR {
                    status.item("udpRouter", name).disable(e.clone());
                }
                router_issues.push(
                    Issue::error(
                        IssueKind::InvalidValue,
                        format!("udp.routers.{name}"),
                        format!("router disabled: {e}"),
                    )
                    .with_item("udpRouter", name.clone()),
                );
            }
        }
    }
    for (name, result) in &builder.built {
        if let Err(e) = result {
            status.item("udpService", name).disable(e.clone());
        }
    }
    let mut out = HashMap::new();
    for (ep, mut routes) in candidates {
        routes.sort_by(|a, b| b.name.cmp(&a.name));
        let winner = routes.remove(0);
        status
            .item("udpRouter", &winner.name)
            .using
            .push(ep.clone());
        for lost in routes {
            let message = format!(
                "entry point `{ep}` is served by the UDP router `{}`: one UDP router per \
                 entry point is used (the last by name)",
                winner.name
            );
            status.item("udpRouter", &lost.name).warn(message.clone());
            router_issues.push(
                Issue::warning(
                    IssueKind::Conflict,
                    format!("udp.routers.{}", lost.name),
                    message,
                )
                .with_item("udpRouter", lost.name.clone()),
            );
        }
        out.insert(ep, winner);
    }
    out
}

struct Builder<'a> {
    udp: &'a UdpConfig,
    disabled: &'a HashSet<(String, String)>,
    built: HashMap<String, Result<Arc<UdpService>, String>>,
    /// Services being built (cycle detection through `weighted`).
    building: HashSet<String>,
}

// === impl Builder ===

impl Builder<'_> {
    fn service(&mut self, name: &str) -> Result<Arc<UdpService>, String> {
        if let Some(done) = self.built.get(name) {
            return done.clone();
        }
        if !self.building.insert(name.to_string()) {
            return Err(format!("service `{name}` is part of a cycle"));
        }
        let result = self.build(name);
        self.building.remove(name);
        self.built.insert(name.to_string(), result.clone());
        result
    }

    fn build(&mut self, name: &str) -> Result<Arc<UdpService>, String> {
        if self
            .disabled
            .contains(&("udpService".to_string(), name.to_string()))
        {
            return Err(format!(
                "service `{name}` is disabled by a configuration error"
            ));
        }
        let cfg = self
            .udp
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
            return Ok(Arc::new(UdpService::Weighted {
                members,
                state: Smooth::default(),
            }));
        }
        let lb = cfg
            .load_balancer
            .as_ref()
            .ok_or_else(|| format!("service `{name}` has no type"))?;
        let mut servers = Vec::new();
        for s in &lb.servers {
            if s.address.is_empty() {
                return Err(format!("service `{name}`: a server has no address"));
            }
            servers.push(s.address.clone());
        }
        Ok(Arc::new(UdpService::Servers {
            servers,
            next: AtomicU64::new(0),
        }))
    }
}

#[cfg(test)]
mod tests {
    use waygate_config::dynamic::udp::{UdpLoadBalancer, UdpRouter, UdpServer, UdpService};
    use waygate_config::static_config::EntryPoint;

    use super::*;

    fn ep(address: &str) -> EntryPoint {
        EntryPoint {
            address: address.to_string(),
            ..EntryPoint::default()
        }
    }

    fn router(eps: &[&str], service: &str) -> UdpRouter {
        UdpRouter {
            entry_points: eps.iter().map(|e| (*e).to_string()).collect(),
            service: service.to_string(),
        }
    }

    #[test]
    fn one_router_per_entry_point_the_last_by_name() {
        let mut st = StaticConfig::default();
        st.entry_points.insert("web".into(), ep(":80"));
        st.entry_points.insert("dns".into(), ep(":53/udp"));
        st.entry_points.insert("syslog".into(), ep(":514/udp"));
        let mut udp = UdpConfig::default();
        udp.services.insert(
            "s".into(),
            UdpService {
                load_balancer: Some(UdpLoadBalancer {
                    servers: vec![UdpServer {
                        address: "127.0.0.1:53".into(),
                        port: String::new(),
                    }],
                }),
                weighted: None,
            },
        );
        // No entryPoints: every UDP entry point.
        udp.routers.insert("a".into(), router(&[], "s"));
        udp.routers.insert("b".into(), router(&["dns"], "s"));
        udp.routers.insert("c".into(), router(&["web"], "s"));
        udp.routers.insert("d".into(), router(&["dns"], "missing"));
        let mut status = RuntimeStatus::default();
        let mut issues = Vec::new();
        let out = compile(&st, &udp, &HashSet::new(), &mut status, &mut issues);

        // dns: a and b land there, b wins (d does not build); syslog: a alone.
        assert_eq!(out["dns"].name, "b");
        assert_eq!(out["syslog"].name, "a");
        assert!(!out.contains_key("web"));
        let a = status.get("udpRouter", "a").expect("a");
        assert_eq!(a.using, ["syslog"]);
        assert!(
            a.warnings[0].contains("served by the UDP router `b`"),
            "{a:?}"
        );
        assert_eq!(status.get("udpRouter", "b").expect("b").using, ["dns"]);
        // A TCP entry point only, or a missing service: disabled, with an error issue.
        assert!(
            issues
                .iter()
                .any(|i| !i.is_error() && i.key_path == "udp.routers.a"),
            "{issues:?}"
        );
        for name in ["c", "d"] {
            assert!(!status.get("udpRouter", name).expect(name).enabled);
            assert!(
                issues
                    .iter()
                    .any(|i| i.key_path == format!("udp.routers.{name}"))
            );
        }
    }
}
