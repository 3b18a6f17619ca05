//! §6.2 step 7: merging the containers' configurations.
//!
//! A name defined by several containers is kept once when the definitions are equal;
//! load-balancer services that differ only by their servers are merged (servers
//! de-duplicated by address), which is how replicas load-balance; any other difference
//! removes the item and reports an error naming the containers.

use std::sync::Arc;

use std::collections::BTreeMap;

use waygate_config::dynamic::tcp::{TcpConfig, TcpService};
use waygate_config::dynamic::udp::{UdpConfig, UdpService};
use waygate_config::dynamic::{DynamicConfig, HttpConfig, Service, TlsConfig};
use waygate_config::{Issue, IssueKind};

use crate::provider::PROVIDER;

/// One name across containers.
struct Slot<T> {
    value: T,
    containers: Vec<String>,
    conflict: bool,
}

/// Per kind: name → slot, plus how to merge two definitions that are not equal.
struct Items<T> {
    kind: &'static str,
    path: &'static str,
    slots: BTreeMap<String, Slot<T>>,
    combine: fn(&mut T, &T) -> bool,
}

// === impl Items ===

impl<T: PartialEq> Items<T> {
    fn new(kind: &'static str, path: &'static str, combine: fn(&mut T, &T) -> bool) -> Self {
        Self {
            kind,
            path,
            slots: BTreeMap::new(),
            combine,
        }
    }

    fn add(&mut self, items: BTreeMap<String, T>, container: &str) {
        for (name, value) in items {
            match self.slots.get_mut(&name) {
                None => {
                    let containers = vec![container.to_string()];
                    let slot = Slot {
                        value,
                        containers,
                        conflict: false,
                    };
                    self.slots.insert(name, slot);
                }
                Some(slot) => {
                    slot.containers.push(container.to_string());
                    if slot.value != value && !(self.combine)(&mut slot.value, &value) {
                        slot.conflict = true;
                    }
                }
            }
        }
    }

    fn finish(self, issues: &mut Vec<Issue>) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        for (name, slot) in self.slots {
            if slot.conflict {
                issues.push(
                    Issue::error(
                        IssueKind::Conflict,
                        format!("{}.{name}", self.path),
                        format!(
                            "{} `{name}` is defined differently by containers {}; it is removed until they agree",
                            self.kind,
                            slot.containers.join(", ")
                        ),
                    )
                    .with_provider(PROVIDER)
                    .with_item(self.kind, name),
                );
            } else {
                out.insert(name, slot.value);
            }
        }
        out
    }
}

fn never<T>(_: &mut T, _: &T) -> bool {
    false
}

/// Merges `from` into `into` when the two services differ only in their load balancer's
/// servers (replicas of one service): `from`'s servers with a new key are appended.
fn merge_servers<S, T, K>(
    into: &mut S,
    from: &S,
    servers: fn(&mut S) -> Option<&mut Vec<T>>,
    key: fn(&T) -> &K,
) -> bool
where
    S: Clone + PartialEq,
    K: PartialEq + ?Sized,
{
    let (mut x, mut y) = (into.clone(), from.clone());
    let incoming = match (servers(&mut x), servers(&mut y)) {
        (Some(xs), Some(ys)) => {
            xs.clear();
            std::mem::take(ys)
        }
        _ => return false,
    };
    if x != y {
        return false;
    }
    let Some(existing) = servers(into) else {
        return false;
    };
    for s in incoming {
        if !existing.iter().any(|t| key(t) == key(&s)) {
            existing.push(s);
        }
    }
    true
}

fn http_service(into: &mut Arc<Service>, from: &Arc<Service>) -> bool {
    merge_servers(
        Arc::make_mut(into),
        from,
        |s| s.load_balancer.as_mut().map(|lb| &mut lb.servers),
        |s| s.url.as_str(),
    )
}

fn tcp_service(into: &mut TcpService, from: &TcpService) -> bool {
    merge_servers(
        into,
        from,
        |s| s.load_balancer.as_mut().map(|lb| &mut lb.servers),
        |s| s.address.as_str(),
    )
}

fn udp_service(into: &mut UdpService, from: &UdpService) -> bool {
    merge_servers(
        into,
        from,
        |s| s.load_balancer.as_mut().map(|lb| &mut lb.servers),
        |s| s.address.as_str(),
    )
}

/// Merges the per-container configurations, in order.
pub(crate) fn merge(configs: Vec<(&str, DynamicConfig)>, issues: &mut Vec<Issue>) -> DynamicConfig {
    let mut routers = Items::new("router", "http.routers", never);
    let mut services = Items::new("service", "http.services", http_service);
    let mut middlewares = Items::new("middleware", "http.middlewares", never);
    let mut transports = Items::new("serversTransport", "http.serversTransports", never);
    let mut tcp_routers = Items::new("tcpRouter", "tcp.routers", never);
    let mut tcp_services = Items::new("tcpService", "tcp.services", tcp_service);
    let mut tcp_middlewares = Items::new("tcpMiddleware", "tcp.middlewares", never);
    let mut tcp_transports = Items::new("tcpServersTransport", "tcp.serversTransports", never);
    let mut udp_routers = Items::new("udpRouter", "udp.routers", never);
    let mut udp_services = Items::new("udpService", "udp.services", udp_service);
    let mut stores = Items::new("tlsStore", "tls.stores", never);
    for (container, config) in configs {
        if let Some(h) = config.http {
            routers.add(h.routers, container);
            services.add(h.services, container);
            middlewares.add(h.middlewares, container);
            transports.add(h.servers_transports, container);
        }
        if let Some(t) = config.tcp {
            tcp_routers.add(t.routers, container);
            tcp_services.add(t.services, container);
            tcp_middlewares.add(t.middlewares, container);
            tcp_transports.add(t.servers_transports, container);
        }
        if let Some(u) = config.udp {
            udp_routers.add(u.routers, container);
            udp_services.add(u.services, container);
        }
        if let Some(tls) = config.tls {
            stores.add(tls.stores, container);
        }
    }
    let http = HttpConfig {
        routers: routers.finish(issues),
        services: services.finish(issues),
        middlewares: middlewares.finish(issues),
        servers_transports: transports.finish(issues),
    };
    let tcp = TcpConfig {
        routers: tcp_routers.finish(issues),
        services: tcp_services.finish(issues),
        middlewares: tcp_middlewares.finish(issues),
        servers_transports: tcp_transports.finish(issues),
    };
    let udp = UdpConfig {
        routers: udp_routers.finish(issues),
        services: udp_services.finish(issues),
    };
    let tls = TlsConfig {
        stores: stores.finish(issues),
        ..TlsConfig::default()
    };
    DynamicConfig {
        http: (http != HttpConfig::default()).then_some(http),
        tcp: (tcp != TcpConfig::default()).then_some(tcp),
        udp: (udp != UdpConfig::default()).then_some(udp),
        tls: (tls != TlsConfig::default()).then_some(tls),
    }
}
