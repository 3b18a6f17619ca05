//! The internal services the data plane serves by name. Traefik's internal provider declares
//! them as empty services, so they are listed in `/api/http/services` (enabled, no type);
//! Waygate's configuration does not hold them, so they are added here. Only services Waygate
//! actually serves are listed (not `rest@internal`).

use crate::state::ApiState;

/// Names of the internal services this static configuration enables.
pub(super) fn services(state: &ApiState<'_>) -> Vec<&'static str> {
    let st = state.static_cfg;
    let mut out = Vec::new();
    if let Some(api) = &st.api {
        out.push("api@internal");
        if api.dashboard {
            out.push("dashboard@internal");
        }
    }
    if st.ping.is_some() {
        out.push("ping@internal");
    }
    if st.metrics.as_ref().is_some_and(|m| m.prometheus.is_some()) {
        out.push("prometheus@internal");
    }
    let http_challenge = st.certificates_resolvers.values().any(|r| {
        r.acme
            .as_ref()
            .and_then(|a| a.http_challenge.as_ref())
            .is_some_and(|h| !h.entry_point.is_empty())
    });
    if http_challenge {
        out.push("acme-http@internal");
    }
    out.push("noop@internal");
    out
}
