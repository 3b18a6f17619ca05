//! Advice `check` gives about upstream timeouts: Traefik's defaults put no bound on how long a
//! backend may take to answer (`responseHeaderTimeout: 0`), so a backend that accepts and
//! never answers holds the request — and the client — forever (nginx and HAProxy answer 504
//! after 60 s). Waygate keeps Traefik's default but says which services are unbounded.

use waygate_config::dynamic::DynamicConfig;
use waygate_config::static_config::StaticConfig;
use waygate_config::{Issue, IssueKind};

/// One warning listing the load-balancer services whose transport sets no
/// `forwardingTimeouts.responseHeaderTimeout`.
pub(super) fn unbounded_services(st: &StaticConfig, dynamic: &DynamicConfig) -> Option<Issue> {
    let http = dynamic.http.as_ref()?;
    let default_bounded = st
        .servers_transport
        .as_ref()
        .is_some_and(|t| !t.forwarding_timeouts.response_header_timeout.is_zero());
    let unbounded: Vec<&str> = http
        .services
        .iter()
        .filter_map(|(name, svc)| {
            let lb = svc.load_balancer.as_ref()?;
            let bounded = if lb.servers_transport.is_empty() {
                default_bounded
            } else {
                let local = lb
                    .servers_transport
                    .strip_suffix("@file")
                    .unwrap_or(&lb.servers_transport);
                // A transport that does not exist is reported elsewhere.
                http.servers_transports.get(local).is_none_or(|t| {
                    t.forwarding_timeouts
                        .as_ref()
                        .is_some_and(|f| !f.response_header_timeout.is_zero())
                })
            };
            (!bounded).then_some(name.as_str())
        })
        .collect();
    if unbounded.is_empty() {
        return None;
    }
    Some(Issue::warning(
        IssueKind::Advice,
        "serversTransport.forwardingTimeouts.responseHeaderTimeout",
        format!(
            "no responseHeaderTimeout bounds how long these services may take to answer, so a backend that never answers holds its clients forever (Traefik's default; nginx and HAProxy give 504 after 60s): {}. Set serversTransport.forwardingTimeouts.responseHeaderTimeout (static) or the service's serversTransport",
            unbounded.join(", ")
        ),
    ))
}
