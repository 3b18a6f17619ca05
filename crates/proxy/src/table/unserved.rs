//! Items the runtime table cannot serve yet, reported instead of ignored: UDP routing (the
//! model decodes and validates it; the data plane has no UDP proxy yet).
//! Each item gets an error naming it, so `check`, the log and the API say it is disabled.

use waygate_config::dynamic::DynamicConfig;
use waygate_config::{Issue, IssueKind};

/// One error per UDP item.
pub(super) fn report(dynamic: &DynamicConfig) -> Vec<Issue> {
    let mut issues = Vec::new();
    let mut push = |kind: &'static str, section: &str, name: &str, what: &str| {
        issues.push(
            Issue::error(
                IssueKind::Unsupported,
                format!("{section}.{name}"),
                format!("{what} is not implemented by Waygate yet: this item is not served"),
            )
            .with_item(kind, name),
        );
    };
    if let Some(udp) = &dynamic.udp {
        for name in udp.routers.keys() {
            push("udpRouter", "udp.routers", name, "UDP routing");
        }
        for name in udp.services.keys() {
            push("udpService", "udp.services", name, "UDP routing");
        }
    }
    issues
}
