//! The validation scope: the current key path and item, and the issue list it appends to.

use crate::issue::{Issue, IssueKind, ItemRef, Location};
use crate::node::{Node, Pos, Value};

/// Implemented by every model type that has something to check.
pub trait Validate {
    fn validate(&self, scope: &mut Scope<'_>);
}

/// Where validation is (key path, item) and where issues go.
pub struct Scope<'a> {
    issues: &'a mut Vec<Issue>,
    path: String,
    item: Option<ItemRef>,
}

// === impl Scope ===

impl<'a> Scope<'a> {
    pub fn new(issues: &'a mut Vec<Issue>, path: impl Into<String>) -> Self {
        Self {
            issues,
            path: path.into(),
            item: None,
        }
    }

    /// A scope for one named item (`router`, `web`) at `path`.
    pub fn item(
        issues: &'a mut Vec<Issue>,
        path: impl Into<String>,
        kind: &'static str,
        name: &str,
    ) -> Self {
        Self {
            issues,
            path: path.into(),
            item: Some(ItemRef {
                kind,
                name: name.to_string(),
            }),
        }
    }

    /// A child scope for the key `key` (`"rule"`, `"servers[0]"`, `"a.b"`).
    pub fn at(&mut self, key: &str) -> Scope<'_> {
        let path = join(&self.path, key);
        Scope {
            issues: self.issues,
            path,
            item: self.item.clone(),
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// Reports an error on `key` (relative to this scope; `""` for the scope itself).
    pub fn error(&mut self, key: &str, kind: IssueKind, message: impl Into<String>) {
        let issue = Issue::error(kind, join(&self.path, key), message);
        self.push(issue);
    }

    /// Reports a warning on `key`.
    pub fn warning(&mut self, key: &str, kind: IssueKind, message: impl Into<String>) {
        let issue = Issue::warning(kind, join(&self.path, key), message);
        self.push(issue);
    }

    /// Reports an error with a did-you-mean suggestion.
    pub fn error_suggest(
        &mut self,
        key: &str,
        kind: IssueKind,
        message: impl Into<String>,
        suggestion: Option<&str>,
    ) {
        let issue = Issue::error(kind, join(&self.path, key), message).with_suggestion(suggestion);
        self.push(issue);
    }

    /// Reports a warning with a did-you-mean suggestion.
    pub fn warning_suggest(
        &mut self,
        key: &str,
        kind: IssueKind,
        message: impl Into<String>,
        suggestion: Option<&str>,
    ) {
        let issue =
            Issue::warning(kind, join(&self.path, key), message).with_suggestion(suggestion);
        self.push(issue);
    }

    pub fn push(&mut self, mut issue: Issue) {
        if issue.item.is_none() {
            issue.item = self.item.clone();
        }
        self.issues.push(issue);
    }

    /// Checks a value; reports `message` as an invalid value on `key` when `ok` is false.
    pub fn check(&mut self, ok: bool, key: &str, message: impl FnOnce() -> String) {
        if !ok {
            self.error(key, IssueKind::InvalidValue, message());
        }
    }

    /// Compiles a regex option, reporting the regex error on `key`.
    pub fn regex(&mut self, key: &str, pattern: &str) {
        if let Err(e) = regex::Regex::new(pattern) {
            self.error(
                key,
                IssueKind::InvalidValue,
                format!("invalid regular expression: {e}"),
            );
        }
    }
}

fn join(path: &str, key: &str) -> String {
    match (path.is_empty(), key.is_empty()) {
        (_, true) => path.to_string(),
        (true, false) => key.to_string(),
        (false, false) if key.starts_with('[') => format!("{path}{key}"),
        (false, false) => format!("{path}.{key}"),
    }
}

/// Gives `issue` the position of its key path in `root` (the tree it was decoded from), if it
/// has none yet and the whole path exists there. Path segments match case-insensitively;
/// `[n]` selects a list item.
pub fn locate(issue: &mut Issue, root: &Node, source: &str) {
    locate_in(issue, root, source, true);
}

/// Like [`locate`], but settles for the deepest existing prefix of the path when `exact` is
/// false. Returns whether a location was set.
pub fn locate_in(issue: &mut Issue, root: &Node, source: &str, exact: bool) -> bool {
    if issue.location.is_some() {
        return false;
    }
    let mut complete = true;
    let mut node = root;
    let mut pos = &root.pos;
    for seg in segments(&issue.key_path) {
        let next = match (&node.value, seg) {
            (Value::Map(entries), Seg::Key(k)) => entries
                .iter()
                .find(|e| e.key == k)
                .or_else(|| entries.iter().find(|e| e.key.eq_ignore_ascii_case(k)))
                .map(|e| (&e.value, &e.key_pos)),
            (Value::List(items), Seg::Index(i)) => items.get(i).map(|n| (n, &n.pos)),
            (Value::Map(entries), Seg::Index(i)) => entries
                .iter()
                .find(|e| e.key == i.to_string())
                .map(|e| (&e.value, &e.key_pos)),
            _ => None,
        };
        let Some((n, p)) = next else {
            complete = false;
            break;
        };
        node = n;
        pos = if matches!(n.pos, Pos::None) {
            p
        } else {
            &n.pos
        };
        if matches!(n.value, Value::Map(_) | Value::List(_)) {
            pos = p;
        }
    }
    if matches!(pos, Pos::None) || (exact && !complete) {
        return false;
    }
    issue.location = Some(Location::new(source, pos));
    true
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> impl Iterator<Item = Seg<'_>> {
    path.split('.').flat_map(|part| {
        let mut out = Vec::new();
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            out.push(Seg::Key(name));
        }
        for idx in rest.split('[') {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                out.push(Seg::Index(i));
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::parse_yaml;

    #[test]
    fn locate_finds_values_and_list_items() {
        let root = parse_yaml("http:\n  routers:\n    web:\n      rule: Host(x)\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: bad\n").expect("yaml");
        let mut issues = Vec::new();
        let mut scope = Scope::item(&mut issues, "http.routers.web", "router", "web");
        scope.error("rule", IssueKind::InvalidRule, "bad");
        let mut s = Scope::new(&mut issues, "http.services.s.loadBalancer");
        s.at("servers[0]")
            .error("url", IssueKind::InvalidValue, "bad url");
        for i in &mut issues {
            locate(i, &root, "d.yml");
        }
        assert_eq!(
            issues[0].to_string(),
            "d.yml:4:13: http.routers.web.rule: bad"
        );
        assert_eq!(issues[0].item.as_ref().map(|i| i.kind), Some("router"));
        assert_eq!(
            issues[1].to_string(),
            "d.yml:9:18: http.services.s.loadBalancer.servers[0].url: bad url"
        );
    }
}
