//! What Waygate made of a case, and whether that is what the case expects.
//!
//! - **rejected**: `check` reports an error other than an unsupported feature, or cannot
//!   read the configuration at all, or the gateway refuses to start, or logs an error that
//!   is neither a missing feature nor its environment (Docker, ACME CA) being absent;
//! - **unsupported**: otherwise, if `check` or the serve log reports a feature Waygate lacks:
//!   an `Unsupported` warning that is not a deprecation notice, or an `Unsupported` error
//!   or log line saying "not implemented", "not supported", "not offered" or "entry point
//!   skipped" (other `Unsupported` errors disable an item for being invalid: rejections);
//! - **accepted**: otherwise.
//!
//! Deprecation notices (Traefik's deprecated spellings, still honoured) are counted apart.

use crate::case::{Case, Expect};
use crate::features::{feature_of_issue, feature_of_line, names_a_gap};
use crate::run::{Checked, Served};

/// The verdict on one case, with what it is based on.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) verdict: Expect,
    /// Errors that reject the configuration (check's issues, or why it could not run).
    pub(crate) errors: Vec<String>,
    /// Unsupported features reported: (feature, the report).
    pub(crate) unsupported: Vec<(String, String)>,
    pub(crate) deprecations: Vec<String>,
    /// `check` exited 3: errors of kind `unsupported` only (the items that need them are
    /// disabled, the rest serves).
    pub(crate) check_failed_on_unsupported: bool,
    /// Problems independent of the verdict: panics, signals, hangs.
    pub(crate) crashes: Vec<String>,
    /// Error lines of the serve log from the environment: a Docker engine that is not there,
    /// an ACME CA that does not answer (the cases point them at nothing on purpose).
    pub(crate) serve_errors: Vec<String>,
}

pub(crate) fn outcome(checked: &Checked, served: Option<&Served>) -> Outcome {
    let mut errors = Vec::new();
    let mut unsupported: Vec<(String, String)> = Vec::new();
    let mut deprecations = Vec::new();
    let mut crashes = Vec::new();
    let mut serve_errors = Vec::new();
    let push = |list: &mut Vec<(String, String)>, f: String, text: String| {
        if !list.iter().any(|(g, _)| *g == f) {
            list.push((f, text));
        }
    };
    for i in &checked.issues {
        let text = format!("{}: {}", i.key_path, i.message);
        // The kind alone does not tell: the runtime table files every item it disables
        // under `unsupported`, whether a feature is missing or the item is invalid.
        let gap = i.kind == "unsupported" && (!i.error || names_a_gap(&i.message));
        if i.kind == "unsupported" && i.message.contains("deprecated") {
            deprecations.push(text);
        } else if gap {
            let feature = feature_of_issue(&i.key_path, &i.message);
            push(&mut unsupported, feature, text);
        } else if i.error {
            errors.push(text);
        }
    }
    let any_error = checked.issues.iter().any(|i| i.error);
    // Exit 3 says "valid, but needs features Waygate lacks": it must agree with the issues.
    match checked.code {
        Some(0) => {}
        Some(1) if any_error && !errors.is_empty() => {}
        Some(3) if any_error && errors.is_empty() => {}
        Some(1) if any_error => errors.push(format!(
            "check exited 1 but every error names a missing feature (expected 3): {}",
            checked.output.trim()
        )),
        Some(3) => errors.push(format!(
            "check exited 3 (unsupported features only) but an error is not one: {}",
            checked.output.trim()
        )),
        Some(1) => errors.push(format!("check failed: {}", checked.output.trim())),
        other => crashes.push(format!("check exited with {other:?}: {}", checked.output)),
    }
    if checked.output.contains("panicked at") {
        crashes.push(format!("check panicked: {}", checked.output));
    }
    let check_failed_on_unsupported = checked.code == Some(3);
    if let Some(s) = served {
        let log = s.lines.join("\n");
        if log.contains("panicked at") {
            crashes.push(format!("the gateway panicked:\n{log}"));
        }
        if s.hung {
            crashes.push(format!("the gateway did not stop on SIGTERM:\n{log}"));
        }
        // `check` runs the serving gateway's compilation: their verdicts must be the same.
        if s.ready {
            let served_items = crate::run::applied_items(&s.lines);
            if served_items != checked.items {
                errors.push(format!(
                    "check and the serving gateway disagree: check says {:?}, the gateway \
                     applied {served_items:?}",
                    checked.items
                ));
            }
        }
        match (s.ready, s.code) {
            (true, Some(0)) => {}
            (true, other) => crashes.push(format!(
                "the gateway exited with {other:?} on SIGTERM:\n{log}"
            )),
            (false, Some(1)) => errors.push(format!("the gateway refused to start:\n{log}")),
            (false, None) if !s.hung => {
                crashes.push(format!("the gateway died by a signal:\n{log}"))
            }
            (false, other) => errors.push(format!(
                "the gateway did not apply its configuration (exit {other:?}):\n{log}"
            )),
        }
        for line in s.lines.iter().filter(|l| is_warn_or_error(l)) {
            if let Some(f) = feature_of_line(line) {
                push(&mut unsupported, f, line.clone());
            } else if is_error(line) && is_environment(line) {
                serve_errors.push(line.clone());
            } else if is_error(line) {
                // An item the gateway disabled (or a file it refused) that check let through.
                errors.push(format!("the gateway logged: {line}"));
            }
        }
    }
    let verdict = if !errors.is_empty() {
        Expect::Rejected
    } else if !unsupported.is_empty() {
        Expect::Unsupported
    } else {
        Expect::Accepted
    };
    Outcome {
        verdict,
        errors,
        unsupported,
        deprecations,
        check_failed_on_unsupported,
        crashes,
        serve_errors,
    }
}

/// Errors of the components that reach outside (the cases give them nothing to reach).
fn is_environment(line: &str) -> bool {
    ["waygate_acme", "waygate_provider_docker"]
        .iter()
        .any(|t| line.contains(&format!(" {t}")) || line.contains(&format!("\"target\":\"{t}")))
}

fn is_error(line: &str) -> bool {
    line.contains(" ERROR ") || line.contains("\"level\":\"ERROR\"")
}

fn is_warn_or_error(line: &str) -> bool {
    [
        " WARN ",
        " ERROR ",
        "\"level\":\"WARN\"",
        "\"level\":\"ERROR\"",
    ]
    .iter()
    .any(|l| line.contains(l))
}

/// Why `case` fails, if it does.
pub(crate) fn judge(case: &Case, o: &Outcome, serve_log: &[String]) -> Vec<String> {
    let mut failures = o.crashes.clone();
    let expect = case.meta.expect;
    if o.verdict != expect {
        let why = match o.verdict {
            Expect::Rejected => format!("rejected:\n  {}", o.errors.join("\n  ")),
            Expect::Unsupported => format!(
                "reported unsupported:\n  {}",
                o.unsupported
                    .iter()
                    .map(|(f, t)| format!("[{f}] {t}"))
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ),
            Expect::Accepted => "accepted with no report".to_string(),
        };
        failures.push(format!("expected {expect:?}, but it was {why}"));
    }
    let haystack: Vec<&str> = match expect {
        Expect::Accepted => Vec::new(),
        Expect::Unsupported => o.unsupported.iter().map(|(_, t)| t.as_str()).collect(),
        Expect::Rejected => o
            .errors
            .iter()
            .map(String::as_str)
            .chain(serve_log.iter().map(String::as_str))
            .collect(),
    };
    for want in &case.meta.issues {
        if !haystack.iter().any(|h| h.contains(want.as_str())) {
            failures.push(format!("no report contains `{want}`"));
        }
    }
    failures
}
