//! Reference checks: does the named router, service, middleware, entry point exist?

use std::collections::BTreeMap;

use crate::issue::IssueKind;
use crate::suggest::did_you_mean;
use crate::validate::{Context, Scope};

/// Internal services every configuration may reference.
const INTERNAL_SERVICES: &[&str] = &[
    "api",
    "dashboard",
    "ping",
    "prometheus",
    "rest",
    "noop",
    "acme-http",
];

/// Checks that `reference` names an item of `kind` in `items` (this provider's items).
pub(super) fn check<T>(
    reference: &str,
    items: &BTreeMap<String, T>,
    kind: &'static str,
    key: &str,
    ctx: &Context<'_>,
    s: &mut Scope<'_>,
) {
    if reference.is_empty() {
        return;
    }
    let (name, provider) = ctx.resolve(reference);
    if provider == "internal" {
        if kind == "service" && !INTERNAL_SERVICES.contains(&name) {
            s.error(
                key,
                IssueKind::MissingReference,
                format!("`{reference}` is not an internal service"),
            );
        }
        return;
    }
    if provider != ctx.provider {
        s.warning(
            key,
            IssueKind::MissingReference,
            format!(
                "{kind} `{reference}` comes from the {provider} provider and is not checked here"
            ),
        );
        return;
    }
    if items.contains_key(name) || ctx.broken.contains(&(kind, name.to_string())) {
        return;
    }
    let hint = did_you_mean(name, items.keys().map(String::as_str));
    s.error_suggest(
        key,
        IssueKind::MissingReference,
        format!("{kind} `{reference}` does not exist"),
        hint,
    );
}

/// Entry points of a router: unknown ones are a warning while one valid remains, an error
/// when none does (reference §3.1).
pub(super) fn entry_points(eps: &[String], ctx: &Context<'_>, s: &mut Scope<'_>) {
    let unknown: Vec<&String> = eps
        .iter()
        .filter(|e| !ctx.entry_points.contains(e))
        .collect();
    for e in &unknown {
        let hint = did_you_mean(e, ctx.entry_points.iter().map(String::as_str));
        let message = format!("entry point `{e}` does not exist");
        if unknown.len() == eps.len() {
            s.error_suggest("entryPoints", IssueKind::MissingReference, message, hint);
        } else {
            let issue = crate::issue::Issue::warning(
                IssueKind::MissingReference,
                format!("{}.entryPoints", s.path()),
                message,
            )
            .with_suggestion(hint);
            s.push(issue);
        }
    }
}
