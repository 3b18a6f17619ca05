//! `/api/rawdata`: every item's runtime information by qualified name — the representation of
//! the list endpoints without `name`, `provider`, `priorityStr` and `type` (Traefik's
//! `RunTimeRepresentation`); services keep `serverStatus`. Empty sections are omitted.

use serde_json::{Map, Value};

use crate::items::{self, Entry};
use crate::state::ApiState;

/// The representation fields rawdata does not have.
const NOT_RAW: &[&str] = &["name", "provider", "priorityStr", "type"];

pub fn rawdata(state: &ApiState<'_>) -> Value {
    let sections = [
        ("routers", items::http_routers(state)),
        ("middlewares", items::http_middlewares(state)),
        ("services", items::http_services(state)),
        ("tcpRouters", items::tcp_routers(state)),
        ("tcpMiddlewares", items::tcp_middlewares(state)),
        ("tcpServices", items::tcp_services(state)),
        ("udpRouters", items::udp_routers(state)),
        ("udpServices", items::udp_services(state)),
    ];
    let mut out = Map::new();
    for (key, entries) in sections {
        if !entries.is_empty() {
            out.insert(key.into(), Value::Object(raw(entries)));
        }
    }
    Value::Object(out)
}

fn raw(entries: Vec<Entry>) -> Map<String, Value> {
    entries
        .into_iter()
        .map(|mut e| {
            for k in NOT_RAW {
                e.json.remove(*k);
            }
            (e.name, Value::Object(e.json))
        })
        .collect()
}
