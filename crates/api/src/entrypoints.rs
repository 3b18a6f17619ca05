//! `/api/entrypoints[/{name}]`: the static entry points (with the implicit ones and Traefik's
//! defaults filled in, as Traefik shows them) plus `name`, sorted by name, paginated.
//! Zero values are omitted as Traefik's `omitempty` does ([`crate::omit`]).

use http::StatusCode;
use serde_json::{Map, Value};
use waygate_config::static_config::{EntryPoint, ForwardedHeaders, Http2, Udp};

use crate::items::to_map;
use crate::list;
use crate::omit::omit_zero;
use crate::query::{Query, unescape};
use crate::reply::{self, Response};
use crate::state::ApiState;

/// Every entry point's representation, sorted by name.
pub fn entry_points(state: &ApiState<'_>) -> Vec<Map<String, Value>> {
    state
        .static_cfg
        .effective_entry_points()
        .iter()
        .map(|(name, ep)| representation(name, ep))
        .collect()
}

pub(crate) fn list(state: &ApiState<'_>, q: &Query) -> Response {
    let all = entry_points(state);
    match list::paginate(q, all.len()) {
        Ok(p) => reply::page(&all[p.start..p.end], p.next),
        Err(msg) => reply::error(StatusCode::BAD_REQUEST, &msg),
    }
}

pub(crate) fn one(state: &ApiState<'_>, raw: &str) -> Response {
    let Some(name) = unescape(raw, false) else {
        let msg = crate::route::bad_escape("entryPointID", raw);
        return reply::error(StatusCode::BAD_REQUEST, &msg);
    };
    match state.static_cfg.effective_entry_points().get(&name) {
        Some(ep) => reply::json(&representation(&name, ep)),
        None => reply::error(
            StatusCode::NOT_FOUND,
            &format!("entry point not found: {name}"),
        ),
    }
}

fn representation(name: &str, ep: &EntryPoint) -> Map<String, Value> {
    let mut ep = ep.clone();
    // Traefik's EntryPoint.SetDefaults.
    ep.forwarded_headers
        .get_or_insert_with(ForwardedHeaders::default);
    let http = ep.http.get_or_insert_with(Default::default);
    http.sanitize_path.get_or_insert(true);
    http.max_header_bytes.get_or_insert(1 << 20);
    http.underscore_headers_strategy
        .get_or_insert_with(|| "keep".to_string());
    ep.http2.get_or_insert_with(Http2::default);
    ep.udp.get_or_insert_with(Udp::default);
    let mut json = to_map(&ep);
    // Traefik's JSON name (its file key is case-insensitive; the model spells it Bypass).
    if let Some(v) = json.remove("allowACMEBypass") {
        json.insert("allowACMEByPass".into(), v);
    }
    omit_zero(&mut json);
    json.insert("name".into(), name.into());
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_filled_and_zeros_omitted_like_traefik() {
        let ep = EntryPoint {
            address: ":80".into(),
            ..EntryPoint::default()
        };
        let bypass = EntryPoint {
            allow_acme_bypass: true,
            ..ep.clone()
        };
        assert_eq!(representation("w", &bypass)["allowACMEByPass"], true);
        let json = Value::Object(representation("web", &ep));
        assert_eq!(
            json,
            json!({
                "address": ":80",
                "transport": {
                    "lifeCycle": {"graceTimeOut": "10s"},
                    "respondingTimeouts": {"readTimeout": "1m0s", "idleTimeout": "3m0s"}
                },
                "forwardedHeaders": {},
                "http": {"maxHeaderBytes": 1048576, "sanitizePath": true,
                         "underscoreHeadersStrategy": "keep"},
                "http2": {"maxConcurrentStreams": 250, "maxDecoderHeaderTableSize": 4096,
                          "maxEncoderHeaderTableSize": 4096},
                "udp": {"timeout": "3s"},
                "name": "web"
            })
        );
    }
}
