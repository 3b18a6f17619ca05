//! Validation of what the aggregator publishes.
//!
//! Each provider's snapshot is validated on its own, **before** qualification, with that
//! provider as the validation context: unqualified references resolve in it (exactly the
//! qualification rule), errors get the model's did-you-mean hints, and items that failed to
//! decode (named by the snapshot's error issues) are not reported again as missing. The model
//! can only warn that a reference into another provider "is not checked here"; those warnings
//! are replaced by [`cross_provider`], which checks such references (and TLS option names,
//! which the model does not check) against the merged, qualified configuration. Issues are
//! located in the snapshot's source trees, so a file's missing reference names its line.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use waygate_config::dynamic::DynamicConfig;
use waygate_config::static_config::StaticConfig;
use waygate_config::validate::{Context, Files, RuleMemo, validate_dynamic};
use waygate_config::{Issue, IssueKind, Severity};

use super::qualify;
use super::refs::{self, Target};
use crate::internal::INTERNAL;
use crate::snapshot::Snapshot;

/// Existence checks against the real filesystem (certificate and CA files).
struct RealFiles;

impl Files for RealFiles {
    fn exists(&self, path: &str) -> bool {
        Path::new(path).is_file()
    }
}

/// What a provider's validation leaves for its next one, so that a one-router change does
/// not validate 10,000 unchanged routers again (validation was ~60 % of the aggregator's
/// work per reload).
#[derive(Debug, Default)]
pub(super) struct Memo {
    /// The rules that parsed (see `RuleMemo`).
    rules: HashSet<u64>,
    /// No router or service had an issue.
    clean: bool,
}

/// The snapshot's own issues plus validation, with item names qualified. `previous` is the
/// provider's previous snapshot, validated with `memo`.
///
/// The internal provider's generated items are not validated: its redirect routers use the
/// reserved priorities users may not.
pub(super) fn provider_issues(
    snap: &Snapshot,
    st: &StaticConfig,
    memo: &mut Memo,
    previous: Option<&Snapshot>,
) -> Vec<Issue> {
    let mut issues = snap.issues.clone();
    if snap.provider != INTERNAL {
        let mut ctx = Context::new(st, &snap.provider, &RealFiles);
        ctx.rules = RuleMemo::new(std::mem::take(&mut memo.rules));
        ctx.broken = broken(snap);
        ctx.unchanged = previous
            .filter(|p| memo.clean && same_names(&p.config, &snap.config))
            .filter(|p| broken(p) == ctx.broken)
            .and_then(|p| p.config.http.as_ref());
        let mut checks = Vec::new();
        validate_dynamic(&snap.config, &ctx, &mut checks);
        memo.rules = ctx.rules.into_parsed();
        memo.clean = !checks.iter().any(|i| {
            i.item
                .as_ref()
                .is_some_and(|it| matches!(it.kind, "router" | "service"))
        });
        checks.retain(|i| !unchecked_cross_ref(i));
        // Where the provider kept its sources (files), each issue says where it was written.
        snap.locate_all(&mut checks);
        issues.extend(checks);
    }
    issues
        .into_iter()
        .map(|i| qualify::issue(i, &snap.provider))
        .collect()
}

/// Items that could not be decoded, as the snapshot's error issues name them.
fn broken(snap: &Snapshot) -> BTreeSet<(&'static str, String)> {
    snap.issues
        .iter()
        .filter(|i| i.is_error())
        .filter_map(|i| i.item.as_ref())
        .map(|item| (item.kind, item.name.clone()))
        .collect()
}

/// The same HTTP routers, services, middlewares and servers transports by name.
fn same_names(a: &DynamicConfig, b: &DynamicConfig) -> bool {
    match (&a.http, &b.http) {
        (Some(a), Some(b)) => {
            a.routers.keys().eq(b.routers.keys())
                && a.services.keys().eq(b.services.keys())
                && a.middlewares.keys().eq(b.middlewares.keys())
                && a.servers_transports.keys().eq(b.servers_transports.keys())
        }
        _ => false,
    }
}

/// References into another provider, and TLS option names, checked in the merged
/// configuration. References into `internal` are left to the model (it knows the built-in
/// services such as `api@internal`).
pub(super) fn cross_provider(config: &mut DynamicConfig) -> Vec<Issue> {
    let mut found = Vec::new();
    refs::visit(config, &mut |site, r| {
        let owner = provider_of(site.owner.name);
        let target = provider_of(r);
        let check = match site.target {
            Target::TlsOption => r != "default",
            _ => target != owner && target != INTERNAL,
        };
        if check {
            let name = site.owner.name.rsplit_once('@').map_or("", |(n, _)| n);
            let key = format!("{}.{name}.{}", site.owner.section, site.key());
            let item = (site.owner.kind, site.owner.name.to_string());
            found.push((item, key, site.target, r.to_string()));
        }
        None
    });
    let mut issues = Vec::new();
    for ((kind, name), key, target, r) in found {
        if exists(config, target, &r) {
            continue;
        }
        let provider = provider_of(&name).to_string();
        let message = format!("{} `{r}` does not exist", target.kind());
        let issue = Issue::error(IssueKind::MissingReference, key, message)
            .with_item(kind, name)
            .with_provider(provider);
        issues.push(issue);
    }
    issues
}

/// The model's "comes from the X provider and is not checked here" warning.
fn unchecked_cross_ref(i: &Issue) -> bool {
    i.severity == Severity::Warning
        && i.kind == IssueKind::MissingReference
        && i.message.ends_with("is not checked here")
}

fn provider_of(name: &str) -> &str {
    name.rsplit_once('@').map_or("", |(_, p)| p)
}

fn exists(c: &DynamicConfig, target: Target, name: &str) -> bool {
    let (http, tcp) = (c.http.as_ref(), c.tcp.as_ref());
    match target {
        Target::Router => http.is_some_and(|h| h.routers.contains_key(name)),
        Target::Service => http.is_some_and(|h| h.services.contains_key(name)),
        Target::Middleware => http.is_some_and(|h| h.middlewares.contains_key(name)),
        Target::ServersTransport => http.is_some_and(|h| h.servers_transports.contains_key(name)),
        Target::TlsOption => c.tls.as_ref().is_some_and(|t| t.options.contains_key(name)),
        Target::TcpService => tcp.is_some_and(|t| t.services.contains_key(name)),
        Target::TcpMiddleware => tcp.is_some_and(|t| t.middlewares.contains_key(name)),
        Target::TcpServersTransport => tcp.is_some_and(|t| t.servers_transports.contains_key(name)),
        Target::UdpService => c
            .udp
            .as_ref()
            .is_some_and(|u| u.services.contains_key(name)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use waygate_config::format::Format;

    use super::*;
    use crate::snapshot::Source;
    use crate::testing::{dynamic_yaml, static_yaml};

    /// A file's missing reference names the file, line and column of the reference.
    #[test]
    fn validation_issues_are_located_in_the_sources() {
        let tree = Format::Yaml
            .parse(BROKEN)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_located(Source::from_tree("/etc/dyn.yml", Arc::new(tree)));
    }

    /// A source kept as text (what the file provider keeps) is parsed again to locate them.
    #[test]
    fn validation_issues_are_located_in_a_source_kept_as_text() {
        assert_located(Source::from_text(
            "/etc/dyn.yml",
            Arc::from(BROKEN),
            Format::Yaml,
        ));
    }

    const BROKEN: &str =
        "http:\n  routers:\n    broken:\n      rule: Host(`b`)\n      service: nope\n";

    /// `BROKEN`'s missing service is reported at `/etc/dyn.yml:5:` from `source`.
    fn assert_located(source: Source) {
        let snap =
            Snapshot::new("file", dynamic_yaml(BROKEN), Vec::new()).with_sources(vec![source]);
        let st = static_yaml("entryPoints:\n  web:\n    address: ':80'\n");
        let issues = provider_issues(&snap, &st, &mut Memo::default(), None);
        let missing = issues
            .iter()
            .find(|i| i.kind == IssueKind::MissingReference)
            .unwrap_or_else(|| panic!("{issues:?}"));
        assert!(
            missing.short().starts_with("/etc/dyn.yml:5:"),
            "{}",
            missing.short()
        );
    }

    fn routers(a_rule: &str, b_rule: &str) -> Snapshot {
        let yaml = format!(
            "http:\n  routers:\n    a:\n      rule: \"{a_rule}\"\n      service: s\n    \
             b:\n      rule: \"{b_rule}\"\n      service: s\n  services:\n    s:\n      \
             loadBalancer:\n        servers:\n          - url: http://10.0.0.1\n"
        );
        Snapshot::new("file", dynamic_yaml(&yaml), Vec::new())
    }

    fn invalid_rules(issues: &[Issue]) -> Vec<String> {
        issues
            .iter()
            .filter(|i| i.kind == IssueKind::InvalidRule)
            .filter_map(|i| i.item.as_ref().map(|it| it.name.clone()))
            .collect()
    }

    /// After a clean validation, only the changed router is checked again, and its error is
    /// found; after one with errors, everything is checked again.
    #[test]
    fn unchanged_items_of_a_clean_validation_are_not_checked_again() {
        let st = static_yaml("entryPoints:\n  web:\n    address: ':80'\n");
        let mut memo = Memo::default();
        let first = routers("Host(`a`)", "Host(`b`)");
        assert!(invalid_rules(&provider_issues(&first, &st, &mut memo, None)).is_empty());
        assert!(memo.clean);
        let second = routers("Host(`a`)", "Host(");
        let issues = provider_issues(&second, &st, &mut memo, Some(&first));
        assert_eq!(invalid_rules(&issues), vec!["b@file".to_string()]);
        // `a` was not checked again: its rule was not even looked up.
        assert!(memo.rules.is_empty(), "{:?}", memo.rules);
        assert!(!memo.clean);
        let third = routers("Host(`a`)", "Host(");
        let issues = provider_issues(&third, &st, &mut memo, Some(&second));
        assert_eq!(invalid_rules(&issues), vec!["b@file".to_string()]);
    }
}
