//! §6.2 step 2: the container's labels through the shared flat-key decoder.
//!
//! Only `traefik.{http,tcp,udp}.*` and `traefik.tls.stores.default.*` are dynamic
//! configuration (§6.1); `traefik.enable` and `traefik.docker.*` are read by the provider
//! itself. Any other `traefik.*` label is most likely a typo and gets a warning. A decode
//! error skips the whole container, with issues naming it and the label.

use crate::suggest::suggest as did_you_mean;
use waygate_config::dynamic::DynamicConfig;
use waygate_config::flat::labels_to_node;
use waygate_config::issue::{ItemRef, has_errors};
use waygate_config::load::decode_dynamic;
use waygate_config::{Issue, IssueKind};

use super::{container_issue, source, source_location};
use crate::container::ContainerInfo;
use crate::provider::PROVIDER;

/// Label prefixes (after `traefik.`, lower-case) that carry dynamic configuration.
const DYNAMIC: &[&str] = &["http.", "tcp.", "udp.", "tls.stores.default."];
/// Provider labels (after `traefik.`, lower-case).
const PROVIDER_LABELS: &[&str] = &["enable", "docker.network", "docker.allownonrunning"];

/// The decoded labels, or `None` (with error issues) when any label is wrong.
pub(crate) fn decode(c: &ContainerInfo, issues: &mut Vec<Issue>) -> Option<DynamicConfig> {
    let mut pairs = Vec::new();
    for (key, value) in &c.labels {
        let Some((prefix, rest)) = key.split_once('.') else {
            continue;
        };
        if !["traefik", "waygate"]
            .iter()
            .any(|p| p.eq_ignore_ascii_case(prefix))
        {
            continue;
        }
        let lower = rest.to_ascii_lowercase();
        if DYNAMIC.iter().any(|d| lower.starts_with(d)) {
            pairs.push((key.as_str(), value.as_str()));
        } else if !PROVIDER_LABELS.contains(&lower.as_str()) {
            issues.push(unknown_label(c, key, &lower));
        }
    }
    let (node, flat_issues) = labels_to_node(pairs);
    let src = source(c);
    let load = decode_dynamic(&node, &src, PROVIDER);
    let mut found: Vec<Issue> = flat_issues
        .into_iter()
        .map(|i| {
            i.with_provider(PROVIDER)
                .with_location(Some(source_location(c)))
        })
        .chain(load.issues)
        .collect();
    let broken = has_errors(&found);
    if broken {
        for issue in found.iter_mut().filter(|i| i.is_error()) {
            issue.message = format!("{}; container `{}` is skipped", issue.message, c.name);
            // The item is the container: the router or service it names may be defined
            // correctly by another container and must not be disabled.
            issue.item = Some(ItemRef {
                kind: "container",
                name: c.name.clone(),
            });
        }
    }
    issues.extend(found);
    (!broken).then_some(load.config)
}

fn unknown_label(c: &ContainerInfo, key: &str, lower: &str) -> Issue {
    let message = if lower.starts_with("tls.") {
        format!(
            "label `{key}` is ignored: only traefik.tls.stores.default.* can be set with labels"
        )
    } else {
        format!("label `{key}` is ignored: it is not a known traefik label")
    };
    let head = lower.split('.').next().unwrap_or(lower);
    let known = ["enable", "docker", "http", "tcp", "udp", "tls"];
    let suggestion = if let Some(tail) = lower.strip_prefix("docker.") {
        did_you_mean(tail, ["network", "allownonrunning"]).map(|s| format!("traefik.docker.{s}"))
    } else {
        did_you_mean(head, known).map(|s| format!("traefik.{s}"))
    };
    container_issue(c, false, IssueKind::UnknownKey, key, message).with_suggestion(suggestion)
}
