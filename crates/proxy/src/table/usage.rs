//! Who uses what: each service's and middleware's `usedBy` (the routers naming it, directly
//! or through a chain / a composite service), as the API shows it.

use std::borrow::Cow;

use waygate_config::dynamic::HttpConfig;
use waygate_config::status::RuntimeStatus;

/// Fills `used_by` of every HTTP service and middleware a router names. The walk borrows
/// the names (one scratch stack for every router): with 10,000 routers, copying each name
/// it visited was most of its cost.
pub(super) fn record(http: &HttpConfig, status: &mut RuntimeStatus) {
    let mut stack: Vec<Cow<'_, str>> = Vec::new();
    let mut seen: Vec<Cow<'_, str>> = Vec::new();
    for (router, r) in &http.routers {
        stack.clear();
        seen.clear();
        stack.push(Cow::Borrowed(r.service.as_str()));
        while let Some(svc) = stack.pop() {
            if svc.is_empty() || seen.contains(&svc) {
                continue;
            }
            if let Some(cfg) = http.services.get(svc.as_ref()) {
                stack.extend(cfg.children().into_iter().map(|(_, n)| Cow::Borrowed(n)));
            }
            add(status, "service", &svc, router);
            seen.push(svc);
        }
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
        if st.used_by.is_empty() {
            // Most items have one user: no room for four.
            st.used_by.reserve_exact(1);
        }
        st.used_by.push(router.to_string());
    }
}
