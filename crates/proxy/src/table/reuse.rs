//! What a compile takes over from the previous table: the parsed rule of a router whose rule
//! is unchanged, the built load balancer of a service whose definition (and servers
//! transport) is unchanged, and the whole compiled router when nothing it is made of changed,
//! so that a one-router change parses one rule, builds one service and one router instead of
//! all of them (with 10,000 routers, parsing the rules and building the services were ~60 %
//! of a compile).
//!
//! "Unchanged" is decided on the merged definitions: the same shared item (`Arc::ptr_eq`)
//! or an equal one. A reused load balancer keeps its state (round robin position, sticky
//! and passive health state), as the architecture asks of an unchanged item.
//!
//! Finding the previous items costs no search by name: a table keeps its routers in name
//! order ([`Kept`]), each with the definition its service was built from, and they are walked
//! beside the new routers (compiled in name order too, [`Routers`]). Searching the
//! name-sorted maps of 10,000 items cost ~1,000 instructions per search, and a reload searched
//! each router's and service's name ~6 times. (A map of the built services kept by name
//! would have cost ~1 MiB per table.)

use std::collections::{HashMap, btree_map};
use std::iter::Peekable;
use std::sync::Arc;

use waygate_config::dynamic::{HttpConfig, Router, Service as ServiceConfig};
use waygate_config::sorted::seek;
use waygate_rules::Rule;

use super::routes::FnvBuild;
use super::{CompiledRouter, RuntimeTable};
use crate::service::Service;

/// The services of one compile by name (hashed cheaply): the definition each was built from
/// (`None` for the internal ones) and what it became.
pub(crate) type ServiceMap = HashMap<String, BuiltService, FnvBuild>;

/// One built service (or why it could not be built).
#[derive(Debug, Clone)]
pub(crate) struct BuiltService {
    pub(crate) cfg: Option<Arc<ServiceConfig>>,
    pub(crate) result: Result<Arc<Service>, String>,
}

/// What a table keeps for the next compile: every compiled router, in name order.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    pub(crate) routers: Vec<KeptRouter>,
}

/// A compiled router and what it was compiled from.
#[derive(Debug)]
pub(crate) struct KeptRouter {
    /// The index (in the table's entry points) of the one entry point it serves on; `None`
    /// when on several (the rule and service are shared by the copies, the rest may differ).
    pub(crate) on: Option<u32>,
    pub(crate) router: Arc<CompiledRouter>,
    /// The definition its service was built from (`None`: an internal service).
    pub(crate) service: Option<Arc<ServiceConfig>>,
}

/// The previous table: its merged HTTP configuration and the routers it kept.
#[derive(Default)]
pub(super) struct Reuse<'a> {
    /// The merged HTTP configuration the previous table was compiled from.
    http: Option<&'a HttpConfig>,
    kept: Option<&'a Kept>,
}

/// A router's previous service, built from `cfg`: what [`Reuse::load_balancer`] may take
/// over (a load balancer knows its name, so the hint is checked against the service asked
/// for without copying it).
pub(super) struct Hint {
    pub(super) service: Arc<Service>,
    pub(super) cfg: Arc<ServiceConfig>,
}

/// The previous table's routers, walked beside the new ones in name order.
pub(super) struct Routers<'a> {
    config: Option<Peekable<btree_map::Iter<'a, String, Arc<Router>>>>,
    compiled: Peekable<std::slice::Iter<'a, KeptRouter>>,
}

/// What the previous table had under one router name.
#[derive(Clone, Copy, Default)]
pub(super) struct Before<'a> {
    config: Option<&'a Arc<Router>>,
    compiled: Option<&'a KeptRouter>,
}

// === impl Reuse ===

impl<'a> Reuse<'a> {
    pub(super) fn new(previous: Option<&'a RuntimeTable>) -> Self {
        let Some(prev) = previous else {
            return Reuse::default();
        };
        Reuse {
            http: prev.config.http.as_ref(),
            kept: Some(&prev.kept),
        }
    }

    /// A cursor over the previous routers; [`Routers::seek`] must be called in name order.
    pub(super) fn routers(&self) -> Routers<'a> {
        Routers {
            config: self.http.map(|h| h.routers.iter().peekable()),
            compiled: self.kept.map_or(&[][..], |k| &k.routers).iter().peekable(),
        }
    }

    /// The previous parse of the router's rule when its rule and syntax are unchanged.
    pub(super) fn rule(before: Before<'_>, r: &Arc<Router>) -> Option<Arc<Rule>> {
        let old = before.config?;
        let same = Arc::ptr_eq(old, r) || (old.rule == r.rule && old.rule_syntax == r.rule_syntax);
        same.then(|| before.compiled.map(|k| k.router.rule.clone()))?
    }

    /// The previous compiled router, to serve again as it is on the entry point of index
    /// `ep`: its definition is unchanged, it served on `ep` alone, it had no middleware (a
    /// chain is rebuilt from its middlewares' current definitions) and served `service`. The
    /// caller makes sure that the new router has no middleware and no per-generation part
    /// (metrics).
    pub(super) fn router(
        before: Before<'_>,
        r: &Arc<Router>,
        ep: u32,
        service: &Arc<Service>,
    ) -> Option<Arc<CompiledRouter>> {
        let KeptRouter {
            on, router: old, ..
        } = before.compiled?;
        if *on != Some(ep) || !old.chain.is_empty() || !Arc::ptr_eq(&old.service, service) {
            return None;
        }
        let cfg = before.config?;
        (Arc::ptr_eq(cfg, r) || cfg == r).then(|| Arc::clone(old))
    }

    /// What the router had as service `name` in the previous table (the router's service
    /// is unchanged by name).
    pub(super) fn hint(before: Before<'_>, name: &str) -> Option<Hint> {
        let kept = before.compiled?;
        if before.config?.service != name {
            return None;
        }
        Some(Hint {
            service: kept.router.service.clone(),
            cfg: kept.service.clone()?,
        })
    }

    /// The previously built service `name` (`hint`), when it is a load balancer without
    /// active health check whose definition and servers transport are unchanged in `http`.
    pub(super) fn load_balancer(
        &self,
        name: &str,
        cfg: &Arc<ServiceConfig>,
        http: &HttpConfig,
        hint: Option<&Hint>,
    ) -> Option<Arc<Service>> {
        let lb = cfg.load_balancer.as_ref()?;
        if lb.health_check.is_some() || !cfg.middlewares.is_empty() || cfg.kind_count() != 1 {
            return None;
        }
        let prev = self.http?;
        let hint = hint?;
        let old = &hint.cfg;
        if !(Arc::ptr_eq(old, cfg) || old == cfg) {
            return None;
        }
        let transport = lb.servers_transport.as_str();
        if !transport.is_empty()
            && transport != "default@internal"
            && prev.servers_transports.get(transport) != http.servers_transports.get(transport)
        {
            return None;
        }
        let built = &hint.service;
        let Service::LoadBalancer(balancer) = built.as_ref() else {
            return None;
        };
        if *balancer.name != *name {
            return None;
        }
        Some(built.clone())
    }
}

// === impl Routers ===

impl<'a> Routers<'a> {
    /// What the previous table had under `name`; names must come in increasing order.
    pub(super) fn seek(&mut self, name: &str) -> Before<'a> {
        let config = self.config.as_mut().and_then(|it| seek(it, name));
        while self
            .compiled
            .next_if(|k| k.router.name.as_str() < name)
            .is_some()
        {}
        let compiled = self.compiled.next_if(|k| k.router.name == name);
        Before { config, compiled }
    }
}

#[cfg(test)]
mod tests;
