//! Routers, services and middlewares as the API shows them: each item's configuration plus
//! Traefik's runtime fields (`status`, `error`, `using` / `usedBy`, `serverStatus`) and the
//! representation fields (`name`, `provider`, `priorityStr` / `type`).
//!
//! `error` lists errors then warnings (Traefik keeps both in `Err`; a warning alone makes the
//! status `warning`). `using` is the router's entry points that exist, sorted; `usedBy` the
//! routers naming the item directly, sorted — both computed from the configuration exactly as
//! Traefik's runtime does, for disabled items too.

mod http;
mod internal;
mod tcp;
mod udp;
mod written;

use serde::Serialize;
use serde_json::{Map, Value};
use waygate_config::status::State;

use crate::state::ApiState;

pub(crate) use self::http::{http_middleware, http_router, http_service};
pub use self::http::{http_middlewares, http_routers, http_services};
pub(crate) use self::tcp::{tcp_middleware, tcp_router, tcp_service};
pub use self::tcp::{tcp_middlewares, tcp_routers, tcp_services};
pub(crate) use self::udp::{udp_router, udp_service};
pub use self::udp::{udp_routers, udp_services};

/// One item as the API lists it: its JSON and what filters and sorting read.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Qualified name (`name@provider`).
    pub name: String,
    /// The representation (`/api/http/routers/{name}` answers exactly this).
    pub json: Map<String, Value>,
    pub(crate) keys: Keys,
}

/// What `search`, `status`, `serviceName`, `middlewareName` and `sortBy` look at.
#[derive(Debug, Clone, Default)]
pub(crate) struct Keys {
    pub(crate) provider: String,
    pub(crate) status: &'static str,
    /// HTTP and TCP routers: searched with the name.
    pub(crate) rule: Option<String>,
    /// Routers: the service as written (for `serviceName`).
    pub(crate) service: Option<String>,
    /// HTTP and TCP routers: the middlewares as written (for `middlewareName`).
    pub(crate) middlewares: Option<Vec<String>>,
    pub(crate) priority: i64,
    pub(crate) entry_points: usize,
    /// Services and middlewares: the lower-cased type.
    pub(crate) kind: String,
    /// Services: the number of load-balancer servers.
    pub(crate) servers: usize,
}

/// The part of `name` after its first `@` (Traefik's `getProviderName`).
pub(crate) fn provider_of(name: &str) -> &str {
    name.split_once('@').map_or("", |(_, p)| p)
}

/// `value` serialized as a JSON object (empty when it is not one).
pub(crate) fn to_map(value: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// A configuration item's JSON as Traefik shows it: zero values omitted.
fn shown(value: &impl Serialize) -> Map<String, Value> {
    let mut m = to_map(value);
    crate::omit::omit_zero(&mut m);
    m
}

/// Adds `error` and `status` for the item `kind`/`name`, and returns its status.
fn runtime(
    state: &ApiState<'_>,
    kind: &str,
    name: &str,
    json: &mut Map<String, Value>,
) -> &'static str {
    let Some(st) = state.status.get(kind, name) else {
        json.insert("status".into(), "enabled".into());
        return State::Enabled.as_str();
    };
    let errors: Vec<&String> = st.errors.iter().chain(&st.warnings).collect();
    if !errors.is_empty() {
        json.insert("error".into(), to_value(&errors));
    }
    let status = st.state().as_str();
    json.insert("status".into(), status.into());
    status
}

/// The entry points of `wanted` that exist with the right protocol (UDP or not), sorted and
/// deduplicated: Traefik's `using`.
fn using(state: &ApiState<'_>, wanted: &[String], udp: bool) -> Vec<String> {
    let eps = state.static_cfg.effective_entry_points();
    let mut out: Vec<String> = wanted
        .iter()
        .filter(|n| {
            eps.get(*n)
                .is_some_and(|ep| ep.address.to_ascii_lowercase().ends_with("/udp") == udp)
        })
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Inserts `key: list` when the list is not empty.
fn insert_list(json: &mut Map<String, Value>, key: &str, list: &[String]) {
    if !list.is_empty() {
        json.insert(key.into(), to_value(&list));
    }
}

fn insert_names(json: &mut Map<String, Value>, name: &str) -> String {
    let provider = provider_of(name).to_string();
    json.insert("name".into(), name.into());
    if !provider.is_empty() {
        json.insert("provider".into(), provider.clone().into());
    }
    provider
}

fn to_value(v: &impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}
