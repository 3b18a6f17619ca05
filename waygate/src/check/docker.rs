//! `check` with `providers.docker`: the per-container diagnostics of one read of the engine
//! (label typos with suggestions, missing ports, network choices), so a label mistake is
//! caught before deploy. An unreachable engine is a warning: the static file may be checked
//! on a machine without Docker.

use waygate_config::static_config::Docker;
use waygate_config::{Issue, IssueKind};

pub(super) fn diagnose(cfg: &Docker) -> Vec<Issue> {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            return vec![Issue::warning(
                IssueKind::File,
                "providers.docker",
                format!("cannot start a runtime: {e}"),
            )];
        }
    };
    match runtime.block_on(waygate_provider_docker::diagnose(cfg)) {
        Ok(issues) => issues,
        Err(e) => vec![
            Issue::warning(
                IssueKind::File,
                "providers.docker.endpoint",
                format!("cannot read containers from {}: {e}", cfg.endpoint),
            )
            .with_provider("docker"),
        ],
    }
}
