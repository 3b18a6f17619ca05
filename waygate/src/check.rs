//! `waygate check`: loads the static configuration and the file provider's dynamic files the
//! way the gateway would, and prints every problem as `file:line:col: key.path: message`.
//! Exit 0 with a one-line summary when there is no error, 1 otherwise.

mod docker;
mod sources;
mod timeouts;
mod verdict;

use std::process::ExitCode;

use serde::Serialize;
use waygate_config::Issue;
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
        };
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("waygate check: {e}"),
        }
    } else {
        for issue in &issues {
            println!("{issue}");
        }
        if ok {
            println!(
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
            println!(
                "{} error(s), {} warning(s)",
                summary.errors, summary.warnings
            );
        }
        println!("{}", items_line(&status));
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `items: 5 enabled, 1 warning, 2 disabled (router 3/0/1, …)`: the per-item verdict, by
/// kind (enabled/warning/disabled), kinds without items left out.
fn items_line(status: &RuntimeStatus) -> String {
    let (e, w, d) = status.totals();
    let kinds: Vec<String> = status
        .items
        .keys()
        .map(|kind| (kind, status.counts(kind)))
        .filter(|(_, c)| c.total > 0)
        .map(|(kind, c)| {
            let enabled = c.total - c.warnings - c.errors;
            format!("{kind} {enabled}/{}/{}", c.warnings, c.errors)
        })
        .collect();
    format!(
        "items: {e} enabled, {w} warning, {d} disabled (by kind, enabled/warning/disabled: {})",
        kinds.join(", ")
    )
}
