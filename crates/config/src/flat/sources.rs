//! The four flat sources and their key spellings.

use crate::issue::{Issue, IssueKind};
use crate::node::{Node, Value};

use super::{dotted_segments, insert};

/// Root prefixes of labels and KV keys.
pub(super) const PREFIXES: &[&str] = &["traefik", "waygate"];

fn empty() -> Node {
    Node::new(Value::Map(Vec::new()), crate::node::Pos::None)
}

fn strip_prefix(key: &str, sep: char) -> Option<&str> {
    PREFIXES.iter().find_map(|p| {
        let head = key.get(..p.len())?;
        let rest = key.get(p.len()..)?;
        (head.eq_ignore_ascii_case(p) && rest.starts_with(sep)).then(|| &rest[1..])
    })
}

/// Docker labels (`traefik.http.routers.web.rule=…`, also with the `waygate.` prefix).
/// Labels without either prefix are ignored. `…loadbalancer.server.…` is the label spelling
/// of `servers[0]` (one server per container). Returns the tree and per-label problems.
pub fn labels_to_node<'a, I>(labels: I) -> (Node, Vec<Issue>)
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut root = empty();
    let mut issues = Vec::new();
    for (key, value) in labels {
        let Some(path) = strip_prefix(key, '.') else {
            continue;
        };
        let result = dotted_segments(path).map(|mut segs| {
            if let Some(i) = segs.windows(2).position(|w| {
                w[0].eq_ignore_ascii_case("loadbalancer") && w[1].eq_ignore_ascii_case("server")
            }) {
                segs[i + 1] = "servers".to_string();
                segs.insert(i + 2, "0".to_string());
            }
            segs
        });
        push(&mut root, &mut issues, result, value, key);
    }
    (root, issues)
}

/// CLI flags, already split into `(key, value)` without the leading dashes
/// (`entryPoints.web.address`, `:80`). A bare flag has the value `true`.
pub fn flags_to_node<'a, I>(flags: I) -> (Node, Vec<Issue>)
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut root = empty();
    let mut issues = Vec::new();
    for (key, value) in flags {
        let written = format!("--{key}");
        push(
            &mut root,
            &mut issues,
            dotted_segments(key),
            value,
            &written,
        );
    }
    (root, issues)
}

/// Environment variables `TRAEFIK_*` / `WAYGATE_*`: lower-cased, `_` separates segments, so
/// `_0_` is a list index. Only variables naming a known top-level section (`top_level`) count.
pub fn env_to_node<'a, I>(vars: I, top_level: &[&str]) -> (Node, Vec<Issue>)
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut root = empty();
    let mut issues = Vec::new();
    for (name, value) in vars {
        let Some(rest) = strip_prefix(name, '_') else {
            continue;
        };
        let lower = rest.to_ascii_lowercase();
        let segs: Vec<String> = lower.split('_').map(str::to_string).collect();
        let known = segs
            .first()
            .is_some_and(|first| top_level.iter().any(|t| t.eq_ignore_ascii_case(first)));
        if !known || segs.iter().any(String::is_empty) {
            continue;
        }
        push(&mut root, &mut issues, Ok(segs), value, name);
    }
    (root, issues)
}

/// KV store entries (`traefik/http/routers/r1/rule`), rooted at `root_key`.
pub fn kv_to_node<'a, I>(pairs: I, root_key: &str) -> (Node, Vec<Issue>)
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut root = empty();
    let mut issues = Vec::new();
    let root_key = root_key.trim_matches('/');
    for (key, value) in pairs {
        let Some(rest) = key.trim_start_matches('/').strip_prefix(root_key) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix('/') else {
            continue;
        };
        let segs: Vec<String> = rest
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if segs.is_empty() {
            continue;
        }
        push(&mut root, &mut issues, Ok(segs), value, key);
    }
    (root, issues)
}

fn push(
    root: &mut Node,
    issues: &mut Vec<Issue>,
    segs: Result<Vec<String>, String>,
    value: &str,
    written: &str,
) {
    let result = segs
        .map_err(|msg| Issue::error(IssueKind::Syntax, written, msg))
        .and_then(|segs| insert(root, &segs, value, written));
    if let Err(issue) = result {
        issues.push(issue);
    }
}
