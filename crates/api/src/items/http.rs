//! HTTP routers, services and middlewares (`/api/http/*`, `/api/rawdata`).

use serde_json::{Map, Value, json};
use waygate_config::dynamic::{HttpConfig, Middleware, Router, Service};

use super::{Entry, Keys, insert_list, insert_names, internal, runtime, shown, using, written};
use crate::state::ApiState;

pub fn http_routers(state: &ApiState<'_>) -> Vec<Entry> {
    http(state)
        .map(|h| h.routers.iter().map(|(n, r)| router(state, n, r)).collect())
        .unwrap_or_default()
}

pub(crate) fn http_router(state: &ApiState<'_>, name: &str) -> Option<Entry> {
    let r = http(state)?.routers.get(name)?;
    Some(router(state, name, r))
}

/// Configured services, plus the internal ones the data plane serves (`api@internal`, …),
/// which Traefik's internal provider declares as empty services.
pub fn http_services(state: &ApiState<'_>) -> Vec<Entry> {
    let mut out: Vec<Entry> = http(state)
        .map(|h| {
            let services = h.services.iter();
            services.map(|(n, s)| service(state, n, Some(s))).collect()
        })
        .unwrap_or_default();
    for name in internal::services(state) {
        if !out.iter().any(|e| e.name == name) {
            out.push(service(state, name, None));
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

pub(crate) fn http_service(state: &ApiState<'_>, name: &str) -> Option<Entry> {
    match http(state).and_then(|h| h.services.get(name)) {
        Some(s) => Some(service(state, name, Some(s))),
        None => internal::services(state)
            .contains(&name)
            .then(|| service(state, name, None)),
    }
}

pub fn http_middlewares(state: &ApiState<'_>) -> Vec<Entry> {
    http(state)
        .map(|h| {
            let mws = h.middlewares.iter();
            mws.map(|(n, m)| middleware(state, n, m)).collect()
        })
        .unwrap_or_default()
}

pub(crate) fn http_middleware(state: &ApiState<'_>, name: &str) -> Option<Entry> {
    let m = http(state)?.middlewares.get(name)?;
    Some(middleware(state, name, m))
}

fn http<'a>(state: &ApiState<'a>) -> Option<&'a HttpConfig> {
    state.dynamic.http.as_ref()
}

fn router(state: &ApiState<'_>, name: &str, r: &Router) -> Entry {
    let provider = super::provider_of(name);
    let w = written::router(r, provider);
    let mut json = shown(&w);
    if r.parent_refs.is_empty() {
        observability_defaults(&mut json);
    }
    // An empty `tls.options` is the `default` option (Traefik's API writes it out).
    if let Some(tls) = json.get_mut("tls").and_then(Value::as_object_mut) {
        tls.entry("options").or_insert_with(|| "default".into());
    }
    let status = runtime(state, "router", name, &mut json);
    insert_list(&mut json, "using", &using(state, &r.entry_points, false));
    let provider = insert_names(&mut json, name);
    json.insert("priorityStr".into(), r.priority.to_string().into());
    Entry {
        name: name.to_string(),
        json,
        keys: Keys {
            provider,
            status,
            rule: Some(r.rule.clone()),
            service: Some(w.service),
            middlewares: Some(w.middlewares),
            priority: r.priority,
            entry_points: r.entry_points.len(),
            ..Keys::default()
        },
    }
}

/// What Traefik's aggregator sets on every root router without its own values (so the API
/// shows them): access logs, metrics and tracing on, `minimal` trace verbosity.
fn observability_defaults(json: &mut Map<String, Value>) {
    let defaults = json!({"accessLogs": true, "metrics": true, "tracing": true,
        "traceVerbosity": "minimal"});
    let obs = json
        .entry("observability")
        .or_insert_with(|| Value::Object(Map::new()));
    if let (Some(obs), Value::Object(defaults)) = (obs.as_object_mut(), defaults) {
        for (k, v) in defaults {
            obs.entry(k).or_insert(v);
        }
    }
}

fn service(state: &ApiState<'_>, name: &str, s: Option<&Service>) -> Entry {
    let provider = super::provider_of(name);
    let mut json = s
        .map(|s| shown(&written::service(s, provider)))
        .unwrap_or_default();
    let status = runtime(state, "service", name, &mut json);
    let used_by = used_by(state, |r| r.service == name);
    insert_list(&mut json, "usedBy", &used_by);
    let provider = insert_names(&mut json, name);
    let kind = s
        .and_then(|s| s.kinds().first().map(|k| k.to_ascii_lowercase()))
        .unwrap_or_default();
    if !kind.is_empty() {
        json.insert("type".into(), kind.clone().into());
    }
    if let Some(servers) = state.servers.get(name).filter(|s| !s.is_empty()) {
        let statuses: Map<String, Value> = servers
            .iter()
            .map(|(url, up)| (url.clone(), if *up { "UP" } else { "DOWN" }.into()))
            .collect();
        json.insert("serverStatus".into(), Value::Object(statuses));
    }
    let servers = s
        .and_then(|s| s.load_balancer.as_ref())
        .map_or(0, |lb| lb.servers.len());
    Entry {
        name: name.to_string(),
        json,
        keys: Keys {
            provider,
            status,
            kind,
            servers,
            ..Keys::default()
        },
    }
}

fn middleware(state: &ApiState<'_>, name: &str, m: &Middleware) -> Entry {
    let provider = super::provider_of(name);
    let mut json = shown(&written::middleware(m, provider));
    let status = runtime(state, "middleware", name, &mut json);
    let used_by = used_by(state, |r| r.middlewares.iter().any(|m| m == name));
    insert_list(&mut json, "usedBy", &used_by);
    let provider = insert_names(&mut json, name);
    // Traefik's type is the Go field name lower-cased; a plugin's is its name.
    let kind = match m.kinds().first() {
        Some(&"plugin") if m.plugin.len() == 1 => m.plugin.keys().next().map(|k| k.to_lowercase()),
        Some(&"plugin") => None,
        Some(k) => Some(k.to_ascii_lowercase()),
        None => None,
    }
    .unwrap_or_default();
    if !kind.is_empty() {
        json.insert("type".into(), kind.clone().into());
    }
    Entry {
        name: name.to_string(),
        json,
        keys: Keys {
            provider,
            status,
            kind,
            ..Keys::default()
        },
    }
}

/// The HTTP routers (qualified names, sorted) whose configuration satisfies `uses`; the
/// merged configuration's references are qualified, so names compare directly.
fn used_by(state: &ApiState<'_>, uses: impl Fn(&Router) -> bool) -> Vec<String> {
    let Some(h) = http(state) else {
        return Vec::new();
    };
    // BTreeMap order is the sorted order Traefik's PopulateUsedBy produces.
    h.routers
        .iter()
        .filter(|(_, r)| uses(r))
        .map(|(n, _)| n.clone())
        .collect()
}
