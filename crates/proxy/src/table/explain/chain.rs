//! The winner's middleware chain by name, flattened as compilation flattens it: the entry
//! point's `http.middlewares` first (not for `@internal` routers), then the router's, each
//! `chain` replaced by its members (qualified with the chain's provider when unqualified).

use serde::Serialize;
use waygate_config::dynamic::DynamicConfig;
use waygate_config::static_config::StaticConfig;

/// One middleware the request goes through.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MiddlewareStep {
    pub name: String,
    /// Its type (`headers`, `stripPrefix`, …).
    pub kind: String,
    /// The `chain` middlewares it came from, outermost first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    /// From the entry point's `http.middlewares`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub entry_point: bool,
}

/// The chain of `router` on `entry_point`.
pub(super) fn steps(
    st: &StaticConfig,
    dynamic: &DynamicConfig,
    entry_point: &str,
    router: &str,
) -> Vec<MiddlewareStep> {
    let eps = st.effective_entry_points();
    let ep_mws: &[String] = match eps.get(entry_point).and_then(|e| e.http.as_ref()) {
        Some(h) if !router.ends_with("@internal") => &h.middlewares,
        _ => &[],
    };
    let own = dynamic
        .http
        .as_ref()
        .and_then(|h| h.routers.get(router))
        .map_or(&[][..], |r| r.middlewares.as_slice());
    let mut out = Vec::new();
    for (name, from_ep) in ep_mws
        .iter()
        .map(|m| (m, true))
        .chain(own.iter().map(|m| (m, false)))
    {
        flatten(dynamic, name, from_ep, &mut Vec::new(), &mut out);
    }
    out
}

fn flatten(
    dynamic: &DynamicConfig,
    name: &str,
    entry_point: bool,
    via: &mut Vec<String>,
    out: &mut Vec<MiddlewareStep>,
) {
    let cfg = dynamic.http.as_ref().and_then(|h| h.middlewares.get(name));
    let members = cfg.and_then(|c| c.chain.as_ref()).map(|c| &c.middlewares);
    // A cycle disables the router at compile time; bounded here all the same.
    match members {
        Some(members) if !via.iter().any(|v| v == name) => {
            let provider = name.rsplit_once('@').map(|(_, p)| p);
            via.push(name.to_string());
            for m in members {
                let qualified = match (m.contains('@'), provider) {
                    (false, Some(p)) => format!("{m}@{p}"),
                    _ => m.clone(),
                };
                flatten(dynamic, &qualified, entry_point, via, out);
            }
            via.pop();
        }
        _ => out.push(MiddlewareStep {
            name: name.to_string(),
            kind: cfg.and_then(|c| c.kind()).unwrap_or("?").to_string(),
            via: via.clone(),
            entry_point,
        }),
    }
}
