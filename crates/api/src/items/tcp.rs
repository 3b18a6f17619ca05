//! TCP routers, services and middlewares (`/api/tcp/*`, `/api/rawdata`).

use waygate_config::dynamic::tcp::{TcpConfig, TcpRouter, TcpService};
use waygate_config::dynamic::tcp_middleware::TcpMiddleware;

use super::{Entry, Keys, insert_list, insert_names, runtime, shown, using, written};
use crate::state::ApiState;

pub fn tcp_routers(state: &ApiState<'_>) -> Vec<Entry> {
    tcp(state)
        .map(|t| t.routers.iter().map(|(n, r)| router(state, n, r)).collect())
        .unwrap_or_default()
}

pub(crate) fn tcp_router(state: &ApiState<'_>, name: &str) -> Option<Entry> {
    let r = tcp(state)?.routers.get(name)?;
    Some(router(state, name, r))
}

pub fn tcp_services(state: &ApiState<'_>) -> Vec<Entry> {
    tcp(state)
        .map(|t| {
            t.services
                .iter()
                .map(|(n, s)| service(state, n, s))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn tcp_service(state: &ApiState<'_>, name: &str) -> Option<Entry> {
    let s = tcp(state)?.services.get(name)?;
    Some(service(state, name, s))
}

pub fn tcp_middlewares(state: &ApiState<'_>) -> Vec<Entry> {
    tcp(state)
        .map(|t| {
            let mws = t.middlewares.iter();
            mws.map(|(n, m)| middleware(state, n, m)).collect()
        })
        .unwrap_or_default()
}

pub(crate) fn tcp_middleware(state: &ApiState<'_>, name: &str) -> Option<Entry> {
    let m = tcp(state)?.middlewares.get(name)?;
    Some(middleware(state, name, m))
}

fn tcp<'a>(state: &ApiState<'a>) -> Option<&'a TcpConfig> {
    state.dynamic.tcp.as_ref()
}

fn router(state: &ApiState<'_>, name: &str, r: &TcpRouter) -> Entry {
    let w = written::tcp_router(r, super::provider_of(name));
    let mut json = shown(&w);
    let status = runtime(state, "tcpRouter", name, &mut json);
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

fn service(state: &ApiState<'_>, name: &str, s: &TcpService) -> Entry {
    let mut json = shown(&written::tcp_service(s, super::provider_of(name)));
    let status = runtime(state, "tcpService", name, &mut json);
    let used_by = used_by(state, |r| r.service == name);
    insert_list(&mut json, "usedBy", &used_by);
    let provider = insert_names(&mut json, name);
    let kind = if s.load_balancer.is_some() {
        "loadbalancer"
    } else if s.weighted.is_some() {
        "weighted"
    } else {
        ""
    };
    if !kind.is_empty() {
        json.insert("type".into(), kind.into());
    }
    // Traefik's TCP health checker fills `serverStatus` (address → UP/DOWN).
    if let Some(servers) = state.tcp_servers.get(name).filter(|s| !s.is_empty()) {
        let statuses: serde_json::Map<String, serde_json::Value> = servers
            .iter()
            .map(|(a, up)| (a.clone(), if *up { "UP" } else { "DOWN" }.into()))
            .collect();
        json.insert("serverStatus".into(), serde_json::Value::Object(statuses));
    }
    Entry {
        name: name.to_string(),
        json,
        keys: Keys {
            provider,
            status,
            kind: kind.to_string(),
            servers: s.load_balancer.as_ref().map_or(0, |lb| lb.servers.len()),
            ..Keys::default()
        },
    }
}

fn middleware(state: &ApiState<'_>, name: &str, m: &TcpMiddleware) -> Entry {
    let mut json = shown(m);
    let status = runtime(state, "tcpMiddleware", name, &mut json);
    let used_by = used_by(state, |r| r.middlewares.iter().any(|m| m == name));
    insert_list(&mut json, "usedBy", &used_by);
    let provider = insert_names(&mut json, name);
    let kind = m
        .kinds()
        .first()
        .map(|k| k.to_ascii_lowercase())
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

fn used_by(state: &ApiState<'_>, uses: impl Fn(&TcpRouter) -> bool) -> Vec<String> {
    tcp(state)
        .map(|t| {
            let routers = t.routers.iter().filter(|(_, r)| uses(r));
            routers.map(|(n, _)| n.clone()).collect()
        })
        .unwrap_or_default()
}
