//! Dynamic options decoded but not implemented by the data plane, as key patterns (the item
//! name is `*`). Two kinds:
//!
//! - **disabled**: the data plane cannot serve the item at all (a middleware type):
//!   the runtime table disables it — and every router
//!   using it — with an error when it compiles; listed here so the walk test knows they are
//!   reported, not to report them twice;
//! - **reported**: the item serves, without this option; [`dynamic_gaps`] warns, naming it.

use crate::dynamic::DynamicConfig;
use crate::issue::{Issue, IssueKind};

use super::{Gap, gap, matches, walk};

/// Disabled by the runtime table when used (middleware types and strategies not built yet).
pub const DISABLED: &[&str] = &[
    "http.middlewares.*.plugin",
    "http.services.*.middlewares",
    "http.routers.*.parentRefs",
    // Services using such a transport are disabled (upstream/tls.rs).
    "http.serversTransports.*.peerCertSANs",
    "http.serversTransports.*.spiffe",
    // TCP services using such a transport are disabled (proxy `tcp/compile.rs`).
    "tcp.serversTransports.*.tls.peerCertURI",
    "tcp.serversTransports.*.tls.peerCertSANs",
    "tcp.serversTransports.*.tls.spiffe",
];

/// Options an item serves without: each set one is reported.
pub const DYNAMIC_GAPS: &[Gap] = &[gap(
    "http.services.*.loadBalancer.responseForwarding",
    "responses are flushed as they arrive",
)];

/// Warnings for every option of `dynamic` (merged, qualified) matching [`DYNAMIC_GAPS`],
/// each naming its item.
pub fn dynamic_gaps(dynamic: &DynamicConfig) -> Vec<Issue> {
    if !any_gap_set(dynamic) {
        return Vec::new();
    }
    let patterns: Vec<&str> = DYNAMIC_GAPS.iter().map(|g| g.path).collect();
    let value = super::pruned::pruned(dynamic, &patterns);
    let mut issues = Vec::new();
    walk(&value, &mut Vec::new(), &mut |path, v| {
        for g in DYNAMIC_GAPS {
            if !(matches(g.path, path)
                && (g.presence || (super::is_set(v) && !super::is_default(g, v))))
            {
                continue;
            }
            let key = path.join(".");
            let mut issue = Issue::warning(
                IssueKind::Unsupported,
                key.clone(),
                format!("`{key}` is not implemented by Waygate yet: {}", g.effect),
            );
            if let [section, kind, name, ..] = path {
                let kind = match (section.as_str(), kind.as_str()) {
                    ("http", "routers") => Some("router"),
                    ("http", "services") => Some("service"),
                    ("http", "middlewares") => Some("middleware"),
                    ("http", "serversTransports") => Some("serversTransport"),
                    ("tcp", "routers") => Some("tcpRouter"),
                    ("tcp", "services") => Some("tcpService"),
                    _ => None,
                };
                if let Some(kind) = kind {
                    issue = issue.with_item(kind, name.clone());
                }
            }
            issues.push(issue);
        }
    });
    issues
}

/// Whether an option of [`DYNAMIC_GAPS`] can be set at all: the walk serializes every item
/// (10,000 services: a twentieth of a compile), for an option almost never written.
fn any_gap_set(dynamic: &DynamicConfig) -> bool {
    // The one gap listed is an optional field (absent: not set, nothing to report); a new
    // gap must be looked for here too.
    const _: () = assert!(DYNAMIC_GAPS.len() == 1 && !DYNAMIC_GAPS[0].presence);
    dynamic.http.as_ref().is_some_and(|h| {
        h.services.values().any(|s| {
            s.load_balancer
                .as_ref()
                .is_some_and(|lb| lb.response_forwarding.is_some())
        })
    })
}
