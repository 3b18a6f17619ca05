//! §6.2 step 1: which containers are considered at all, and whether their services get a
//! server.

use waygate_config::{Issue, IssueKind};

use super::{Ctx, container_issue};
use crate::container::ContainerInfo;

/// How a kept container is translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Running (and healthy, when it has a health check): services get its address.
    Serve,
    /// Kept without a server: unhealthy/starting with `allowEmptyServices`, or stopped with
    /// `traefik.docker.allownonrunning=true`. Its services answer 503.
    Empty,
}

/// `Some` when the container is kept (step 1). Skips are silent (as in Traefik they are
/// debug logs), except for a label value that is not a boolean.
pub(crate) fn keep(ctx: &Ctx<'_>, c: &ContainerInfo, issues: &mut Vec<Issue>) -> Option<Keep> {
    for key in ["enable", "docker.allownonrunning"] {
        if let Some(v) = c.label(key).filter(|_| c.bool_label(key).is_none()) {
            issues.push(container_issue(
                c,
                true,
                IssueKind::InvalidValue,
                format!("traefik.{key}"),
                format!(
                    "label traefik.{key}=`{v}` is not a boolean (true or false); the container is skipped"
                ),
            ));
            return None;
        }
    }
    let enabled = c.bool_label("enable").unwrap_or(ctx.cfg.exposed_by_default);
    if !enabled {
        tracing::debug!(container = %c.name, "not enabled");
        return None;
    }
    if let Some(constraint) = &ctx.constraint
        && !constraint.matches(&c.labels)
    {
        tracing::debug!(container = %c.name, "does not match the constraints");
        return None;
    }
    if !c.state_running {
        if c.bool_label("docker.allownonrunning") == Some(true) {
            return Some(Keep::Empty);
        }
        tracing::debug!(container = %c.name, "not running");
        return None;
    }
    match c.health.as_deref() {
        None | Some("healthy") => Some(Keep::Serve),
        Some(status) if ctx.cfg.allow_empty_services => {
            tracing::debug!(container = %c.name, status, "kept without a server");
            Some(Keep::Empty)
        }
        Some(status) => {
            tracing::debug!(container = %c.name, status, "not healthy");
            None
        }
    }
}
