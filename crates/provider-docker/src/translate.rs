//! The pure core (reference §6.2): containers → the `docker` provider's dynamic
//! configuration and issues, without touching the engine.
//!
//! Each kept container is translated on its own ([`filter`] → [`labels`] → [`tcp`] →
//! [`http`]); the per-container configurations are then merged ([`merge`]), so replicas
//! with the same labels become one load balancer with one server per replica.

mod address;
mod filter;
mod http;
mod labels;
mod merge;
mod tcp;

use waygate_config::dynamic::DynamicConfig;
use waygate_config::static_config::Docker;
use waygate_config::{Issue, IssueKind};

use crate::constraints::Constraint;
use crate::container::ContainerInfo;
use crate::normalize::normalize;
use crate::provider::PROVIDER;
use crate::template::Template;

/// What every container's translation shares: the options and the compiled expressions.
pub(crate) struct Ctx<'a> {
    pub(crate) cfg: &'a Docker,
    pub(crate) all: &'a [ContainerInfo],
    pub(crate) own_networks: &'a [String],
    /// `None` when `defaultRule` did not parse (routers without a rule are then dropped).
    pub(crate) default_rule: Option<Template>,
    pub(crate) constraint: Option<Constraint>,
}

/// Builds the provider's configuration from `containers` (§6.2 steps 1–7). `own_networks`
/// are the networks of the gateway's own container, if it runs in one: they break ties when
/// a container is attached to several networks and none is configured.
pub fn build(
    containers: &[ContainerInfo],
    cfg: &Docker,
    own_networks: &[String],
) -> (DynamicConfig, Vec<Issue>) {
    let mut issues = Vec::new();
    let default_rule = match Template::parse(&cfg.default_rule) {
        Ok(t) => Some(t),
        Err(e) => {
            issues.push(option_issue(
                "providers.docker.defaultRule",
                format!("invalid template `{}`: {e}", cfg.default_rule),
            ));
            None
        }
    };
    let constraint = if cfg.constraints.trim().is_empty() {
        None
    } else {
        match Constraint::parse(&cfg.constraints) {
            Ok(c) => Some(c),
            Err(e) => {
                issues.push(option_issue(
                    "providers.docker.constraints",
                    format!(
                        "invalid expression `{}`: {e}; no container is exposed",
                        cfg.constraints
                    ),
                ));
                return (DynamicConfig::default(), issues);
            }
        }
    };
    let ctx = Ctx {
        cfg,
        all: containers,
        own_networks,
        default_rule,
        constraint,
    };
    // A stable order makes equal inputs give equal snapshots (and server lists).
    let mut order: Vec<&ContainerInfo> = containers.iter().collect();
    order.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    let mut configs = Vec::new();
    for c in order {
        if let Some(config) = translate_one(&ctx, c, &mut issues) {
            configs.push((c.name.as_str(), config));
        }
    }
    let config = merge::merge(configs, &mut issues);
    (config, issues)
}

/// §6.2 steps 1–6 for one container; `None` when it is skipped.
fn translate_one(
    ctx: &Ctx<'_>,
    c: &ContainerInfo,
    issues: &mut Vec<Issue>,
) -> Option<DynamicConfig> {
    let keep = filter::keep(ctx, c, issues)?;
    let mut config = labels::decode(c, issues)?;
    let service_name = normalize(&c.raw_service_name());
    let mut addr = address::Resolver::new(ctx, c);
    let only_l4 = tcp::build(&mut config, &service_name, keep, &mut addr, issues)?;
    if !only_l4 {
        let http = config.http.get_or_insert_with(Default::default);
        http::services(http, &service_name, keep, &mut addr, issues)?;
        http::routers(ctx, c, http, &service_name, issues);
    }
    Some(config)
}

/// An issue about one container: located at `container NAME`, item `container NAME` (so an
/// error never disables a same-named router or service another container defines well).
pub(crate) fn container_issue(
    c: &ContainerInfo,
    error: bool,
    kind: IssueKind,
    key_path: impl Into<String>,
    message: impl Into<String>,
) -> Issue {
    let issue = if error {
        Issue::error(kind, key_path, message)
    } else {
        Issue::warning(kind, key_path, message)
    };
    issue
        .with_provider(PROVIDER)
        .with_item("container", c.name.clone())
        .with_location(Some(source_location(c)))
}

/// The location of a container's labels in issues: `container NAME`.
pub(crate) fn source_location(c: &ContainerInfo) -> waygate_config::issue::Location {
    waygate_config::issue::Location::new(&source(c), &waygate_config::node::Pos::None)
}

/// The source name decoding uses for a container's labels.
pub(crate) fn source(c: &ContainerInfo) -> String {
    format!("container {}", c.name)
}

fn option_issue(key_path: &str, message: String) -> Issue {
    Issue::error(IssueKind::InvalidValue, key_path, message).with_provider(PROVIDER)
}

#[cfg(test)]
mod tests;
