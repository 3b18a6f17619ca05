//! The serving gateway's verdict: the same snapshots (the internal provider's and the file
//! provider's), the same merge and the same compilation as `waygate` runs, without binding
//! sockets or contacting other providers. What it disables, `check` reports.

use std::sync::Arc;

use waygate_config::Issue;
use waygate_config::static_config::StaticConfig;
use waygate_config::status::RuntimeStatus;
use waygate_provider::{Aggregator, FileProvider, internal};

/// Every item's status, and the compile-time issues `found` does not already say.
pub(super) fn run(st: &StaticConfig, found: &[Issue]) -> (RuntimeStatus, Vec<Issue>) {
    let mut snapshots = vec![internal(st)];
    if let Some(fp) = st.providers.as_ref().and_then(|p| p.file.as_ref()) {
        snapshots.push(FileProvider::new(fp).load());
    }
    let merged = Aggregator::merge_once(Arc::new(st.clone()), snapshots);
    let (status, compiled) = waygate_proxy::dry_run(st, &merged.config, &merged.issues);
    // The merge's own findings (references across providers, such as a router's TLS option)
    // come first: the compiled "disabled" errors point at them.
    let mut new: Vec<Issue> = Vec::new();
    for c in merged.issues.iter().cloned().chain(compiled) {
        if !already_said(&c, found) && !already_said(&c, &new) {
            new.push(c);
        }
    }
    (status, new)
}

/// Whether `found` (from reading the files, unqualified names) already has an error about
/// the item `c` concerns, or the same message.
fn already_said(c: &Issue, found: &[Issue]) -> bool {
    let unqualified = |n: &str| n.rsplit_once('@').map_or(n, |(n, _)| n).to_string();
    found.iter().any(|f| {
        f.message == c.message
            || match (&f.item, &c.item) {
                (Some(a), Some(b)) => {
                    f.is_error()
                        && c.is_error()
                        && a.kind == b.kind
                        && unqualified(&a.name) == unqualified(&b.name)
                }
                _ => false,
            }
    })
}
