//! `api.debug` endpoints. `/debug/vars` writes what Go's `expvar` handler writes — a JSON
//! object, one `"name": value` per line, sorted by name — with `cmdline` and the figures the
//! gateway publishes (Go's `memstats` and goroutine counts have no Rust equivalent and are
//! not faked). `/debug/pprof/*` is Go's profiler: it answers `501` (and the gateway warns at
//! startup when `api.debug` is set).

use std::collections::BTreeMap;

use http::StatusCode;
use serde_json::Value;

use crate::reply::{self, Response};
use crate::state::ApiState;

pub(crate) fn vars(state: &ApiState<'_>) -> Response {
    let mut vars: BTreeMap<String, Value> = BTreeMap::new();
    let cmdline: Vec<String> = std::env::args().collect();
    vars.insert("cmdline".into(), cmdline.into());
    if let Some(more) = state.debug_vars {
        vars.extend(more());
    }
    let mut body = String::from("{\n");
    for (i, (k, v)) in vars.iter().enumerate() {
        if i > 0 {
            body.push_str(",\n");
        }
        let key = String::from_utf8_lossy(&reply::encode(k, false)).into_owned();
        let value = String::from_utf8_lossy(&reply::encode(v, false)).into_owned();
        body.push_str(&format!("{key}: {value}"));
    }
    body.push_str("\n}\n");
    reply::with_type(
        StatusCode::OK,
        "application/json; charset=utf-8",
        body.into_bytes(),
    )
}

pub(crate) fn pprof() -> Response {
    reply::error(
        StatusCode::NOT_IMPLEMENTED,
        "the Go profiler (/debug/pprof) does not exist in Waygate",
    )
}
