//! Finding and reading what `check` checks: the static source (§2.1, §2.2) and the file
//! provider's file or directory (rendered as templates as the file provider does).

use std::path::Path;

use waygate_config::format::Format;
use waygate_config::load::{DynamicLoad, StaticSource, decode_dynamic, merge};
use waygate_config::node::Node;
use waygate_config::static_config::StaticConfig;
use waygate_config::validate::{Context, locate_in, validate_dynamic};
use waygate_config::{Issue, IssueKind};

use super::Summary;
use crate::args::Args;
use crate::files::RealFiles;
use waygate_provider::{config_files, parse_config_text};

/// Loads and validates everything; `Err` only when nothing could be checked at all.
pub(super) fn gather(args: &Args) -> Result<(Summary, Vec<Issue>, StaticConfig), String> {
    let mut summary = Summary::default();
    let st = crate::static_load::load(args)?;
    let mut issues = st.issues;
    summary.static_source = match &st.source {
        StaticSource::File(p) => p.clone(),
        StaticSource::Flags => "flags".to_string(),
        StaticSource::Env => "environment".to_string(),
        StaticSource::Defaults => "defaults".to_string(),
    };
    summary.entry_points = st.config.entry_points.len().max(1);

    issues.extend(waygate_acme::diagnose(&st.config, &|k| {
        std::env::var(k).ok()
    }));
    if let Some(docker) = st.config.providers.as_ref().and_then(|p| p.docker.as_ref()) {
        // The engine is contacted only when asked: the file may name a production engine.
        if args.probe_docker {
            issues.extend(super::docker::diagnose(docker));
            summary
                .dynamic_sources
                .push(format!("docker {}", docker.endpoint));
        } else {
            summary.dynamic_sources.push(format!(
                "docker {} not probed (--probeDocker reads its containers)",
                docker.endpoint
            ));
        }
    }
    let Some(fp) = st.config.providers.as_ref().and_then(|p| p.file.as_ref()) else {
        return Ok((summary, issues, st.config));
    };
    let mut load = DynamicLoad::default();
    let mut trees: Vec<(String, Node)> = Vec::new();
    let paths: Vec<String> = if !fp.filename.is_empty() {
        vec![fp.filename.clone()]
    } else if !fp.directory.is_empty() {
        match config_files(Path::new(&fp.directory)) {
            Ok(list) => list
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
            Err(e) => {
                issues.push(Issue::error(
                    IssueKind::File,
                    "providers.file.directory",
                    format!("cannot read directory {}: {e}", fp.directory),
                ));
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    for path in paths {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                issues.push(
                    Issue::error(
                        IssueKind::File,
                        "providers.file",
                        format!("cannot read {path}: {e}"),
                    )
                    .with_provider("file"),
                );
                continue;
            }
        };
        let Some(format) = Format::from_path(&path) else {
            continue;
        };
        match parse_config_text(&path, &text, format) {
            Ok(tree) => {
                merge(
                    &mut load,
                    decode_dynamic(&tree, &path, "file"),
                    &path,
                    &tree,
                );
                trees.push((path.clone(), tree));
            }
            Err(issue) => issues.push(issue.with_provider("file")),
        }
        summary.dynamic_sources.push(path);
    }
    let mut ctx = Context::new(&st.config, "file", &RealFiles);
    ctx.broken = load.broken.clone();
    let mut checks = Vec::new();
    validate_dynamic(&load.config, &ctx, &mut checks);
    // The certificates as the gateway loads them: keys it cannot sign with, keys of
    // another certificate (validation only sees that the files exist).
    checks.extend(waygate_proxy::tls::check_certificates(&load.config));
    for mut issue in load.issues.into_iter().chain(checks) {
        let exact = trees
            .iter()
            .any(|(path, tree)| locate_in(&mut issue, tree, path, true));
        if !exact && let Some((path, tree)) = trees.first() {
            locate_in(&mut issue, tree, path, false);
        }
        issues.push(issue);
    }
    issues.extend(super::timeouts::unbounded_services(
        &st.config,
        &load.config,
    ));
    let (routers, services, middlewares) = load.config.counts();
    summary.routers = routers;
    summary.services = services;
    summary.middlewares = middlewares;
    Ok((summary, issues, st.config))
}
