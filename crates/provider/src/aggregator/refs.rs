//! Every reference from one dynamic item to another, visited mutably: used to qualify
//! references (`name` → `name@provider`) and to check cross-provider references after the
//! merge. The paths mirror `Service::children()` and `Middleware::references()` in the model.

use waygate_config::dynamic::DynamicConfig;

/// What a reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Router,
    Service,
    Middleware,
    ServersTransport,
    TlsOption,
    TcpService,
    TcpMiddleware,
    TcpServersTransport,
    UdpService,
}

/// The item holding a reference: its kind (as in `ItemRef::kind`), its section and map key.
#[derive(Debug, Clone, Copy)]
pub(super) struct Owner<'a> {
    pub(super) kind: &'static str,
    pub(super) section: &'static str,
    pub(super) name: &'a str,
}

/// One reference: who holds it, at which key (relative to the item), pointing at what.
#[derive(Debug)]
pub(super) struct Site<'a> {
    pub(super) owner: Owner<'a>,
    pub(super) key: String,
    pub(super) target: Target,
}

type Visit<'f> = dyn FnMut(&Site<'_>, &mut String) + 'f;

// === impl Target ===

impl Target {
    /// The item kind (as in `ItemRef::kind`) of the referenced object.
    pub(super) fn kind(self) -> &'static str {
        match self {
            Target::Router => "router",
            Target::Service => "service",
            Target::Middleware => "middleware",
            Target::ServersTransport => "serversTransport",
            Target::TlsOption => "tlsOption",
            Target::TcpService => "tcpService",
            Target::TcpMiddleware => "tcpMiddleware",
            Target::TcpServersTransport => "tcpServersTransport",
            Target::UdpService => "udpService",
        }
    }
}

/// Calls `f` for every non-empty reference in `cfg`.
pub(super) fn visit(cfg: &mut DynamicConfig, f: &mut Visit<'_>) {
    use Target::*;
    if let Some(h) = cfg.http.as_mut() {
        for (name, r) in &mut h.routers {
            let o = owner("router", "http.routers", name);
            emit(f, o, "service".into(), Service, &mut r.service);
            for (i, m) in r.middlewares.iter_mut().enumerate() {
                emit(f, o, format!("middlewares[{i}]"), Middleware, m);
            }
            for (i, p) in r.parent_refs.iter_mut().enumerate() {
                emit(f, o, format!("parentRefs[{i}]"), Router, p);
            }
            if let Some(tls) = r.tls.as_mut() {
                emit(f, o, "tls.options".into(), TlsOption, &mut tls.options);
            }
        }
        for (name, s) in &mut h.services {
            let o = owner("service", "http.services", name);
            for (kind, w) in [
                ("weighted", s.weighted.as_mut()),
                ("highestRandomWeight", s.highest_random_weight.as_mut()),
            ] {
                for (i, c) in w
                    .into_iter()
                    .flat_map(|w| w.services.iter_mut().enumerate())
                {
                    emit(
                        f,
                        o,
                        format!("{kind}.services[{i}].name"),
                        Service,
                        &mut c.name,
                    );
                }
            }
            if let Some(m) = s.mirroring.as_mut() {
                emit(f, o, "mirroring.service".into(), Service, &mut m.service);
                for (i, c) in m.mirrors.iter_mut().enumerate() {
                    emit(
                        f,
                        o,
                        format!("mirroring.mirrors[{i}].name"),
                        Service,
                        &mut c.name,
                    );
                }
            }
            if let Some(fo) = s.failover.as_mut() {
                emit(f, o, "failover.service".into(), Service, &mut fo.service);
                emit(f, o, "failover.fallback".into(), Service, &mut fo.fallback);
            }
            if let Some(lb) = s.load_balancer.as_mut() {
                let key = "loadBalancer.serversTransport".into();
                emit(f, o, key, ServersTransport, &mut lb.servers_transport);
            }
            for (i, m) in s.middlewares.iter_mut().enumerate() {
                emit(f, o, format!("middlewares[{i}]"), Middleware, m);
            }
        }
        for (name, m) in &mut h.middlewares {
            let o = owner("middleware", "http.middlewares", name);
            if let Some(chain) = m.chain.as_mut() {
                for (i, c) in chain.middlewares.iter_mut().enumerate() {
                    emit(f, o, format!("chain.middlewares[{i}]"), Middleware, c);
                }
            }
            if let Some(errors) = m.errors.as_mut() {
                emit(f, o, "errors.service".into(), Service, &mut errors.service);
            }
        }
    }
    if let Some(t) = cfg.tcp.as_mut() {
        for (name, r) in &mut t.routers {
            let o = owner("tcpRouter", "tcp.routers", name);
            emit(f, o, "service".into(), TcpService, &mut r.service);
            for (i, m) in r.middlewares.iter_mut().enumerate() {
                emit(f, o, format!("middlewares[{i}]"), TcpMiddleware, m);
            }
            if let Some(tls) = r.tls.as_mut() {
                emit(f, o, "tls.options".into(), TlsOption, &mut tls.options);
            }
        }
        for (name, s) in &mut t.services {
            let o = owner("tcpService", "tcp.services", name);
            if let Some(lb) = s.load_balancer.as_mut() {
                let key = "loadBalancer.serversTransport".into();
                emit(f, o, key, TcpServersTransport, &mut lb.servers_transport);
            }
            for (i, c) in s
                .weighted
                .iter_mut()
                .flat_map(|w| w.services.iter_mut().enumerate())
            {
                emit(
                    f,
                    o,
                    format!("weighted.services[{i}].name"),
                    TcpService,
                    &mut c.name,
                );
            }
        }
    }
    if let Some(u) = cfg.udp.as_mut() {
        for (name, r) in &mut u.routers {
            let o = owner("udpRouter", "udp.routers", name);
            emit(f, o, "service".into(), UdpService, &mut r.service);
        }
        for (name, s) in &mut u.services {
            let o = owner("udpService", "udp.services", name);
            for (i, c) in s
                .weighted
                .iter_mut()
                .flat_map(|w| w.services.iter_mut().enumerate())
            {
                emit(
                    f,
                    o,
                    format!("weighted.services[{i}].name"),
                    UdpService,
                    &mut c.name,
                );
            }
        }
    }
}

fn owner<'a>(kind: &'static str, section: &'static str, name: &'a str) -> Owner<'a> {
    Owner {
        kind,
        section,
        name,
    }
}

fn emit(f: &mut Visit<'_>, owner: Owner<'_>, key: String, target: Target, r: &mut String) {
    if r.trim().is_empty() {
        return;
    }
    f(&Site { owner, key, target }, r);
}
