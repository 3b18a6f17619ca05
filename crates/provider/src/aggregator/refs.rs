//! Every reference from one dynamic item to another, visited (and rewritten where the visitor
//! says so): used to qualify
//! references (`name` → `name@provider`) and to check cross-provider references after the
//! merge. The paths mirror `Service::children()` and `Middleware::references()` in the model.

use std::sync::Arc;

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
pub(super) struct Site<'a> {
    pub(super) owner: Owner<'a>,
    /// Spelled out only when asked: most visits never read it (qualifying 10,000 routers
    /// built 10,000 `service` strings for nothing, and the cross-provider check as many).
    key: &'a dyn Fn() -> String,
    pub(super) target: Target,
}

/// Called with each reference; a returned name replaces it.
type Visit<'f> = dyn FnMut(&Site<'_>, &str) -> Option<String> + 'f;

// === impl Site ===

impl Site<'_> {
    /// The key of the reference, relative to the item (`service`, `middlewares[0]`, …).
    pub(super) fn key(&self) -> String {
        (self.key)()
    }
}

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

/// Calls `f` for every non-empty reference in `cfg`; where `f` returns a new name, the
/// reference is rewritten. A shared (`Arc`) item is copied only when one of its references
/// is rewritten, so visiting without rewriting copies nothing.
pub(super) fn visit(cfg: &mut DynamicConfig, f: &mut Visit<'_>) {
    use Target::*;
    if let Some(h) = cfg.http.as_mut() {
        for (name, r) in &mut h.routers {
            let o = owner("router", "http.routers", name);
            shared(
                f,
                o,
                || "service".into(),
                Service,
                r,
                |r| Some(&r.service),
                |r| Some(&mut r.service),
            );
            for i in 0..r.middlewares.len() {
                let key = move || format!("middlewares[{i}]");
                shared(
                    f,
                    o,
                    key,
                    Middleware,
                    r,
                    |r| r.middlewares.get(i),
                    |r| r.middlewares.get_mut(i),
                );
            }
            for i in 0..r.parent_refs.len() {
                let key = move || format!("parentRefs[{i}]");
                shared(
                    f,
                    o,
                    key,
                    Router,
                    r,
                    |r| r.parent_refs.get(i),
                    |r| r.parent_refs.get_mut(i),
                );
            }
            let key = || "tls.options".to_string();
            shared(
                f,
                o,
                key,
                TlsOption,
                r,
                |r| r.tls.as_ref().map(|t| &t.options),
                |r| r.tls.as_mut().map(|t| &mut t.options),
            );
        }
        for (name, s) in &mut h.services {
            let o = owner("service", "http.services", name);
            for kind in ["weighted", "highestRandomWeight"] {
                let pick = move |s: &waygate_config::dynamic::Service| match kind {
                    "weighted" => s.weighted.as_ref().map_or(0, |w| w.services.len()),
                    _ => s
                        .highest_random_weight
                        .as_ref()
                        .map_or(0, |w| w.services.len()),
                };
                for i in 0..pick(s) {
                    let key = move || format!("{kind}.services[{i}].name");
                    shared(
                        f,
                        o,
                        key,
                        Service,
                        s,
                        |s| {
                            let w = match kind {
                                "weighted" => s.weighted.as_ref(),
                                _ => s.highest_random_weight.as_ref(),
                            };
                            w.and_then(|w| w.services.get(i)).map(|c| &c.name)
                        },
                        |s| {
                            let w = match kind {
                                "weighted" => s.weighted.as_mut(),
                                _ => s.highest_random_weight.as_mut(),
                            };
                            w.and_then(|w| w.services.get_mut(i)).map(|c| &mut c.name)
                        },
                    );
                }
            }
            let key = || "mirroring.service".to_string();
            shared(
                f,
                o,
                key,
                Service,
                s,
                |s| s.mirroring.as_ref().map(|m| &m.service),
                |s| s.mirroring.as_mut().map(|m| &mut m.service),
            );
            for i in 0..s.mirroring.as_ref().map_or(0, |m| m.mirrors.len()) {
                let key = move || format!("mirroring.mirrors[{i}].name");
                shared(
                    f,
                    o,
                    key,
                    Service,
                    s,
                    |s| {
                        s.mirroring
                            .as_ref()
                            .and_then(|m| m.mirrors.get(i))
                            .map(|c| &c.name)
                    },
                    |s| {
                        let m = s.mirroring.as_mut();
                        m.and_then(|m| m.mirrors.get_mut(i)).map(|c| &mut c.name)
                    },
                );
            }
            let key = || "failover.service".to_string();
            shared(
                f,
                o,
                key,
                Service,
                s,
                |s| s.failover.as_ref().map(|x| &x.service),
                |s| s.failover.as_mut().map(|x| &mut x.service),
            );
            let key = || "failover.fallback".to_string();
            shared(
                f,
                o,
                key,
                Service,
                s,
                |s| s.failover.as_ref().map(|x| &x.fallback),
                |s| s.failover.as_mut().map(|x| &mut x.fallback),
            );
            let key = || "loadBalancer.serversTransport".to_string();
            shared(
                f,
                o,
                key,
                ServersTransport,
                s,
                |s| s.load_balancer.as_ref().map(|lb| &lb.servers_transport),
                |s| s.load_balancer.as_mut().map(|lb| &mut lb.servers_transport),
            );
            for i in 0..s.middlewares.len() {
                let key = move || format!("middlewares[{i}]");
                shared(
                    f,
                    o,
                    key,
                    Middleware,
                    s,
                    |s| s.middlewares.get(i),
                    |s| s.middlewares.get_mut(i),
                );
            }
        }
        for (name, m) in &mut h.middlewares {
            let o = owner("middleware", "http.middlewares", name);
            for i in 0..m.chain.as_ref().map_or(0, |c| c.middlewares.len()) {
                let key = move || format!("chain.middlewares[{i}]");
                shared(
                    f,
                    o,
                    key,
                    Middleware,
                    m,
                    |m| m.chain.as_ref().and_then(|c| c.middlewares.get(i)),
                    |m| m.chain.as_mut().and_then(|c| c.middlewares.get_mut(i)),
                );
            }
            let key = || "errors.service".to_string();
            shared(
                f,
                o,
                key,
                Service,
                m,
                |m| m.errors.as_ref().map(|e| &e.service),
                |m| m.errors.as_mut().map(|e| &mut e.service),
            );
        }
    }
    if let Some(t) = cfg.tcp.as_mut() {
        for (name, r) in &mut t.routers {
            let o = owner("tcpRouter", "tcp.routers", name);
            emit(f, o, || "service".into(), TcpService, &mut r.service);
            for (i, m) in r.middlewares.iter_mut().enumerate() {
                emit(f, o, || format!("middlewares[{i}]"), TcpMiddleware, m);
            }
            if let Some(tls) = r.tls.as_mut() {
                emit(f, o, || "tls.options".into(), TlsOption, &mut tls.options);
            }
        }
        for (name, s) in &mut t.services {
            let o = owner("tcpService", "tcp.services", name);
            if let Some(lb) = s.load_balancer.as_mut() {
                let key = || "loadBalancer.serversTransport".into();
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
                    || format!("weighted.services[{i}].name"),
                    TcpService,
                    &mut c.name,
                );
            }
        }
    }
    if let Some(u) = cfg.udp.as_mut() {
        for (name, r) in &mut u.routers {
            let o = owner("udpRouter", "udp.routers", name);
            emit(f, o, || "service".into(), UdpService, &mut r.service);
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
                    || format!("weighted.services[{i}].name"),
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

fn emit(
    f: &mut Visit<'_>,
    owner: Owner<'_>,
    key: impl Fn() -> String,
    target: Target,
    r: &mut String,
) {
    if r.trim().is_empty() {
        return;
    }
    if let Some(new) = f(
        &Site {
            owner,
            key: &key,
            target,
        },
        r,
    ) {
        *r = new;
    }
}

/// [`emit`] for a reference inside a shared item, read through `get` and, only when `f`
/// rewrites it, written through `get_mut` on the item made unique (copied if shared).
fn shared<T: Clone>(
    f: &mut Visit<'_>,
    owner: Owner<'_>,
    key: impl Fn() -> String,
    target: Target,
    item: &mut Arc<T>,
    get: impl Fn(&T) -> Option<&String>,
    get_mut: impl Fn(&mut T) -> Option<&mut String>,
) {
    let Some(r) = get(item).filter(|r| !r.trim().is_empty()) else {
        return;
    };
    if let Some(new) = f(
        &Site {
            owner,
            key: &key,
            target,
        },
        r,
    ) && let Some(slot) = get_mut(Arc::make_mut(item))
    {
        *slot = new;
    }
}
