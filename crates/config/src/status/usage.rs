//! Who uses what: each HTTP router's `using` (the entry points it is attached to) and each
//! HTTP service's and middleware's `usedBy` (the routers naming it, directly or through a
//! chain / a composite service), as `waygate check --format json` and the API's status show
//! them.
//!
//! The serving gateway does not keep these lists in its runtime table (with 10,000 routers
//! they were ~1.5 MiB per table that no request reads): they are filled here when asked for,
//! from the configuration the status was compiled from.

use std::borrow::Cow;

use super::{ItemStatus, RuntimeStatus, Texts};
use crate::dynamic::{DynamicConfig, HttpConfig};
use crate::static_config::StaticConfig;

// === impl RuntimeStatus ===

impl RuntimeStatus {
    /// Fills `using` of every HTTP router that serves (the router's entry points that exist,
    /// as it was attached to them) and `usedBy` of every HTTP service and middleware, for the
    /// status compiled from `dynamic` (merged and qualified) with `st`. Lists filled before
    /// are replaced: calling it twice gives the same status.
    pub fn record_usage(&mut self, dynamic: &DynamicConfig, st: &StaticConfig) {
        for kind in ["service", "middleware"] {
            if let Some(map) = self.items.get_mut(kind) {
                map.values_mut().for_each(|s| s.used_by = Texts::default());
            }
        }
        let Some(http) = dynamic.http.as_ref() else {
            return;
        };
        let eps = st.effective_entry_points();
        if let Some(statuses) = self.items.get_mut("router") {
            // Both in name order: walked side by side, not searched.
            let mut statuses = statuses.iter_mut().peekable();
            for (name, r) in &http.routers {
                while statuses
                    .next_if(|(n, _)| n.as_str() < name.as_str())
                    .is_some()
                {}
                let Some((_, st)) = statuses.peek_mut().filter(|(n, _)| *n == name) else {
                    continue;
                };
                // A router that does not serve (its status says why) is attached nowhere.
                st.using = if st.enabled {
                    r.entry_points
                        .iter()
                        .filter(|e| eps.contains_key(*e))
                        .cloned()
                        .collect()
                } else {
                    Texts::default()
                };
            }
        }
        used_by(http, self);
    }
}

/// Fills `used_by` of every HTTP service and middleware a router names. The walk borrows
/// the names (one scratch stack for every router): with 10,000 routers, copying each name
/// it visited was most of its cost. Services are not searched by name: the (service,
/// router) pairs are sorted and walked beside the name-sorted services and statuses (a
/// search in 10,000 names cost ~1,000 instructions, and each router made two).
fn used_by(http: &HttpConfig, status: &mut RuntimeStatus) {
    // Routers come in name order, so each service's users do too, as before.
    let mut pairs: Vec<(&str, &str)> = http
        .routers
        .iter()
        .filter(|(_, r)| !r.service.is_empty())
        .map(|(router, r)| (r.service.as_str(), router.as_str()))
        .collect();
    pairs.sort_unstable();
    // Composite services: their children's users, found with the searches (rare).
    let mut stack: Vec<&str> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut extra = Vec::new();
    let mut services = http.services.iter().peekable();
    for &(svc, router) in &pairs {
        while services.next_if(|(n, _)| n.as_str() < svc).is_some() {}
        let Some((_, cfg)) = services.peek().filter(|(n, _)| *n == svc) else {
            continue;
        };
        let children = cfg.children();
        if children.is_empty() {
            continue;
        }
        stack.clear();
        seen.clear();
        seen.push(svc);
        stack.extend(children.into_iter().map(|(_, n)| n));
        while let Some(child) = stack.pop() {
            if child.is_empty() || seen.contains(&child) {
                continue;
            }
            if let Some(cfg) = http.services.get(child) {
                stack.extend(cfg.children().into_iter().map(|(_, n)| n));
            }
            extra.push((child, router));
            seen.push(child);
        }
    }
    if !extra.is_empty() {
        pairs.extend(extra);
        pairs.sort_unstable();
        pairs.dedup();
    }
    if let Some(statuses) = status.items.get_mut("service") {
        let mut statuses = statuses.iter_mut().peekable();
        for (svc, router) in pairs {
            while statuses.next_if(|(n, _)| n.as_str() < svc).is_some() {}
            // Only items that exist: a dangling reference is the router's error, not a new
            // item.
            if let Some((_, st)) = statuses.peek_mut().filter(|(n, _)| *n == svc) {
                push(st, router);
            }
        }
    }
    let mut stack: Vec<Cow<'_, str>> = Vec::new();
    let mut seen: Vec<Cow<'_, str>> = Vec::new();
    for (router, r) in &http.routers {
        stack.clear();
        seen.clear();
        stack.extend(r.middlewares.iter().map(|m| Cow::Borrowed(m.as_str())));
        while let Some(mw) = stack.pop() {
            if seen.contains(&mw) {
                continue;
            }
            if let Some(chain) = http
                .middlewares
                .get(mw.as_ref())
                .and_then(|m| m.chain.as_ref())
            {
                let provider = mw.rsplit_once('@').map(|(_, p)| p.to_string());
                stack.extend(chain.middlewares.iter().map(|m| match &provider {
                    Some(p) if !m.contains('@') => Cow::Owned(format!("{m}@{p}")),
                    _ => Cow::Borrowed(m.as_str()),
                }));
            }
            // Only items that exist: a dangling reference is the router's error, not a new
            // item.
            if let Some(st) = status
                .items
                .get_mut("middleware")
                .and_then(|m| m.get_mut(mw.as_ref()))
            {
                push(st, router);
            }
            seen.push(mw);
        }
    }
}

fn push(st: &mut ItemStatus, router: &str) {
    if !st.used_by.iter().any(|r| r == router) {
        st.used_by.push(router.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::decode_yaml;

    #[test]
    fn using_and_used_by_are_filled_once_however_often_asked() {
        let dynamic: DynamicConfig = decode_yaml(
            "http:\n  routers:\n    a@file:\n      rule: Host(`a`)\n      service: s@file\n      \
             entryPoints: [web, gone]\n      middlewares: [c@file]\n    b@file:\n      \
             rule: Host(`b`)\n      service: w@file\n      entryPoints: [web]\n  services:\n    \
             s@file:\n      loadBalancer:\n        servers:\n          - url: http://x\n    \
             w@file:\n      weighted:\n        services:\n          - name: s@file\n  \
             middlewares:\n    c@file:\n      chain:\n        middlewares: [h]\n    h@file:\n      \
             headers:\n        customRequestHeaders:\n          X: y\n",
        );
        let st: StaticConfig = decode_yaml("entryPoints:\n  web:\n    address: ':80'\n");
        let mut status = RuntimeStatus::seeded(&dynamic);
        status.item("router", "b@file").disable("broken");
        status.record_usage(&dynamic, &st);
        let first = status.clone();
        status.record_usage(&dynamic, &st);
        assert_eq!(status, first);
        let get = |kind, name| status.get(kind, name).expect("seeded");
        assert_eq!(get("router", "a@file").using, ["web"]);
        assert!(
            get("router", "b@file").using.is_empty(),
            "disabled: attached nowhere"
        );
        assert_eq!(get("service", "s@file").used_by, ["a@file", "b@file"]);
        assert_eq!(get("service", "w@file").used_by, ["b@file"]);
        assert_eq!(get("middleware", "c@file").used_by, ["a@file"]);
        assert_eq!(get("middleware", "h@file").used_by, ["a@file"]);
    }
}
