//! UDP routers and services (`/api/udp/*`, `/api/rawdata`). UDP routers have no rule, no
//! priority and no middlewares; their representation has no `priorityStr`.

use waygate_config::dynamic::udp::{UdpConfig, UdpRouter, UdpService};

use super::{Entry, Keys, insert_list, insert_names, runtime, shown, using, written};
use crate::state::ApiState;

pub fn udp_routers(state: &ApiState<'_>) -> Vec<Entry> {
    udp(state)
        .map(|u| u.routers.iter().map(|(n, r)| router(state, n, r)).collect())
        .unwrap_or_default()
}

pub(crate) fn udp_router(state: &ApiState<'_>, name: &str) -> Option<Entry> {
    let r = udp(state)?.routers.get(name)?;
    Some(router(state, name, r))
}

pub fn udp_services(state: &ApiState<'_>) -> Vec<Entry> {
    udp(state)
        .map(|u| {
            u.services
                .iter()
                .map(|(n, s)| service(state, n, s))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn udp_service(state: &ApiState<'_>, name: &str) -> Option<Entry> {
    let s = udp(state)?.services.get(name)?;
    Some(service(state, name, s))
}

fn udp<'a>(state: &ApiState<'a>) -> Option<&'a UdpConfig> {
    state.dynamic.udp.as_ref()
}

fn router(state: &ApiState<'_>, name: &str, r: &UdpRouter) -> Entry {
    let w = written::udp_router(r, super::provider_of(name));
    let mut json = shown(&w);
    let status = runtime(state, "udpRouter", name, &mut json);
    insert_list(&mut json, "using", &using(state, &r.entry_points, true));
    let provider = insert_names(&mut json, name);
    Entry {
        name: name.to_string(),
        json,
        keys: Keys {
            provider,
            status,
            service: Some(w.service),
            entry_points: r.entry_points.len(),
            ..Keys::default()
        },
    }
}

fn service(state: &ApiState<'_>, name: &str, s: &UdpService) -> Entry {
    let mut json = shown(&written::udp_service(s, super::provider_of(name)));
    let status = runtime(state, "udpService", name, &mut json);
    let used_by: Vec<String> = udp(state)
        .map(|u| {
            let routers = u.routers.iter().filter(|(_, r)| r.service == name);
            routers.map(|(n, _)| n.clone()).collect()
        })
        .unwrap_or_default();
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
