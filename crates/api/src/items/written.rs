//! References as the provider wrote them.
//!
//! The merged configuration has every reference qualified (`auth` in a `file` router became
//! `auth@file`); Traefik's API shows references as written. A reference into the item's own
//! provider is shown without its `@provider`, which is how providers (and users) write them;
//! references into other providers keep it. The internal provider writes its routers'
//! services qualified (`api@internal`, `noop@internal`), so those stay qualified.

use waygate_config::dynamic::middleware::Middleware;
use waygate_config::dynamic::tcp::{TcpRouter, TcpService};
use waygate_config::dynamic::udp::{UdpRouter, UdpService};
use waygate_config::dynamic::{Router, Service};

const INTERNAL: &str = "internal";

/// Removes `@provider` from a reference into `provider`.
pub(super) fn strip(r: &mut String, provider: &str) {
    if let Some(base) = r.strip_suffix(provider).and_then(|b| b.strip_suffix('@'))
        && !base.is_empty()
    {
        r.truncate(base.len());
    }
}

fn strip_all(list: &mut [String], provider: &str) {
    for r in list {
        strip(r, provider);
    }
}

pub(super) fn router(r: &Router, provider: &str) -> Router {
    let mut r = r.clone();
    if provider != INTERNAL {
        strip(&mut r.service, provider);
    }
    strip_all(&mut r.middlewares, provider);
    strip_all(&mut r.parent_refs, provider);
    if let Some(tls) = r.tls.as_mut() {
        strip(&mut tls.options, provider);
    }
    r
}

pub(super) fn service(s: &Service, provider: &str) -> Service {
    let mut s = s.clone();
    for w in [s.weighted.as_mut(), s.highest_random_weight.as_mut()]
        .into_iter()
        .flatten()
    {
        for c in &mut w.services {
            strip(&mut c.name, provider);
        }
    }
    if let Some(m) = s.mirroring.as_mut() {
        strip(&mut m.service, provider);
        for c in &mut m.mirrors {
            strip(&mut c.name, provider);
        }
    }
    if let Some(f) = s.failover.as_mut() {
        strip(&mut f.service, provider);
        strip(&mut f.fallback, provider);
    }
    if let Some(lb) = s.load_balancer.as_mut() {
        strip(&mut lb.servers_transport, provider);
        // Docker's port/scheme labels built the URL; Traefik does not show them.
        for server in &mut lb.servers {
            server.port.clear();
            server.scheme.clear();
        }
    }
    strip_all(&mut s.middlewares, provider);
    s
}

pub(super) fn middleware(m: &Middleware, provider: &str) -> Middleware {
    let mut m = m.clone();
    if let Some(c) = m.chain.as_mut() {
        strip_all(&mut c.middlewares, provider);
    }
    if let Some(e) = m.errors.as_mut() {
        strip(&mut e.service, provider);
    }
    m
}

pub(super) fn tcp_router(r: &TcpRouter, provider: &str) -> TcpRouter {
    let mut r = r.clone();
    strip(&mut r.service, provider);
    strip_all(&mut r.middlewares, provider);
    if let Some(tls) = r.tls.as_mut() {
        strip(&mut tls.options, provider);
    }
    r
}

pub(super) fn tcp_service(s: &TcpService, provider: &str) -> TcpService {
    let mut s = s.clone();
    if let Some(lb) = s.load_balancer.as_mut() {
        strip(&mut lb.servers_transport, provider);
        for server in &mut lb.servers {
            server.port.clear();
        }
    }
    for c in s.weighted.iter_mut().flat_map(|w| w.services.iter_mut()) {
        strip(&mut c.name, provider);
    }
    s
}

pub(super) fn udp_router(r: &UdpRouter, provider: &str) -> UdpRouter {
    let mut r = r.clone();
    strip(&mut r.service, provider);
    r
}

pub(super) fn udp_service(s: &UdpService, provider: &str) -> UdpService {
    let mut s = s.clone();
    if let Some(lb) = s.load_balancer.as_mut() {
        for server in &mut lb.servers {
            server.port.clear();
        }
    }
    for c in s.weighted.iter_mut().flat_map(|w| w.services.iter_mut()) {
        strip(&mut c.name, provider);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_provider_references_lose_their_suffix() {
        let mut r = "auth@file".to_string();
        strip(&mut r, "file");
        assert_eq!(r, "auth");
        let mut r = "auth@docker".to_string();
        strip(&mut r, "file");
        assert_eq!(r, "auth@docker");
        let mut r = "default".to_string();
        strip(&mut r, "file");
        assert_eq!(r, "default");
        let mut r = "@file".to_string();
        strip(&mut r, "file");
        assert_eq!(r, "@file");

        let router = Router {
            service: "noop@internal".into(),
            middlewares: vec!["redirect-web-to-websecure@internal".into()],
            ..Router::default()
        };
        let shown = super::router(&router, "internal");
        assert_eq!(shown.service, "noop@internal");
        assert_eq!(shown.middlewares, ["redirect-web-to-websecure"]);
    }
}
