//! `waygate check`: loads the static configuration and the file provider's dynamic files the
//! way the gateway would, and prints every problem as `file:line:col: key.path: message`.
//! Exit 0 with a one-line summary when there is no error; 3 when every error is a feature
//! Waygate does not implement yet (a valid Traefik configuration that will not be served in
//! full: the items that need the feature are disabled, the rest serves); 1 otherwise.

mod docker;
mod sources;
mod timeouts;
mod verdict;

use std::process::ExitCode;

use serde::Serialize;
use waygate_config::Issue;
use waygate_config::issue::IssueKind;
use waygate_config::issue::has_errors;
use waygate_config::status::RuntimeStatus;

use crate::args::Args;

/// What was checked, for the summary line.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    static_source: String,
    dynamic_sources: Vec<String>,
    entry_points: usize,
    routers: usize,
    services: usize,
    middlewares: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct Report<'a> {
    ok: bool,
    summary: &'a Summary,
    issues: &'a [Issue],
    /// Every item's status as the serving gateway would have it (what the API shows).
    status: &'a RuntimeStatus,
    /// [`RuntimeStatus::summary`]: what the serving gateway logs at every apply (`items=`).
    items: String,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let json = match args.format.as_deref() {
        None | Some("text") => false,
        Some("json") => true,
        Some(other) => {
            eprintln!("waygate check: unknown --format `{other}` (use text or json)");
            return ExitCode::from(2);
        }
    };
    let (mut summary, mut issues, st) = match sources::gather(args) {
        Ok(r) => r,
        Err(fatal) => {
            eprintln!("waygate check: {fatal}");
            return ExitCode::from(1);
        }
    };
    // What serving would do with the same files: the compiled table's verdict.
    let (status, compiled) = verdict::run(&st, &issues);
    issues.extend(compiled);
    summary.errors = issues.iter().filter(|i| i.is_error()).count();
    summary.warnings = issues.len() - summary.errors;
    let ok = !has_errors(&issues);
    if json {
        let report = Report {
            ok,
            summary: &summary,
            issues: &issues,
            status: &status,
            items: status.summary(),
        };
        match serde_json::to_string_pretty(&report) {
            Ok(text) => crate::out::outln!("{text}"),
            Err(e) => eprintln!("waygate check: {e}"),
        }
    } else {
        for issue in &issues {
            crate::out::outln!("{issue}");
        }
        if ok {
            crate::out::outln!(
                "ok: {} entry points, {} routers, {} services, {} middlewares ({}{}{})",
                summary.entry_points,
                summary.routers,
                summary.services,
                summary.middlewares,
                summary.static_source,
                if summary.dynamic_sources.is_empty() {
                    ""
                } else {
                    "; "
                },
                summary.dynamic_sources.join(", "),
            );
        } else {
            crate::out::outln!(
                "{} error(s), {} warning(s)",
                summary.errors,
                summary.warnings
            );
        }
        crate::out::outln!("items: {}", status.summary());
    }
    if ok {
        ExitCode::SUCCESS
    } else if issues
        .iter()
        .filter(|i| i.is_error())
        .all(|i| i.kind == IssueKind::Unsupported)
    {
        ExitCode::from(3)
    } else {
        ExitCode::from(1)
    }
}
