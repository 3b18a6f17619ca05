//! `waygate check`: loads the static configuration and the file provider's dynamic files the
//! way the gateway would, and prints every problem as `file:line:col: key.path: message`.
//! Exit 0 with a one-line summary when there is no error, 1 otherwise.

mod docker;
mod sources;
mod timeouts;

use std::process::ExitCode;

use serde::Serialize;
use waygate_config::Issue;
use waygate_config::issue::has_errors;

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
    let (mut summary, issues) = match sources::gather(args) {
        Ok(r) => r,
        Err(fatal) => {
            eprintln!("waygate check: {fatal}");
            return ExitCode::from(1);
        }
    };
    summary.errors = issues.iter().filter(|i| i.is_error()).count();
    summary.warnings = issues.len() - summary.errors;
    let ok = !has_errors(&issues);
    if json {
        let report = Report {
            ok,
            summary: &summary,
            issues: &issues,
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
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
