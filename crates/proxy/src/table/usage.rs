//! Who uses what: each service's and middleware's `usedBy` (the routers naming it, directly
//! or through a chain / a composite service), as the API shows it.

use waygate_config::dynamic::HttpConfig;
use waygate_config::status::RuntimeStatus;

/// Fills `used_by` of every HTTP service and middleware a router names.
pub(super) fn record(http: &HttpConfig, status: &mut RuntimeStatus) {
    for (router, r) in &http.routers {
        let mut stack = vec![r.service.clone()];
        let mut seen = Vec::new();
        while let Some(svc) = stack.pop() {
            if svc.is_empty() || seen.contains(&svc) {
                continue;
            }
            if let Some(cfg) = http.services.get(&svc) {
                stack.extend(cfg.children().into_iter().map(|(_, n)| n.to_string()));
            }
            add(status, "service", &svc, router);
            seen.push(svc);
        }
        let mut stack: Vec<String> = r.middlewares.clone();
        let mut seen = Vec::new();
        while let Some(mw) = stack.pop() {
            if seen.contains(&mw) {
                continue;
            }
            if let Some(chain) = http.middlewares.get(&mw).and_then(|m| m.chain.as_ref()) {
                let provider = mw.rsplit_once('@').map(|(_, p)| p);
                stack.extend(chain.middlewares.iter().map(|m| match provider {
                    Some(p) if !m.contains('@') => format!("{m}@{p}"),
                    _ => m.clone(),
                }));
            }
            add(status, "middleware", &mw, router);
            seen.push(mw);
        }
    }
}

fn add(status: &mut RuntimeStatus, kind: &'static str, name: &str, router: &str) {
    // Only items that exist: a dangling reference is the router's error, not a new item.
    if let Some(st) = status.items.get_mut(kind).and_then(|m| m.get_mut(name))
        && !st.used_by.iter().any(|r| r == router)
    {
        st.used_by.push(router.to_string());
    }
}
