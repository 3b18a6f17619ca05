//! Host names: request-host normalization, the `Host`/`HostSNI` patterns, and [`Hosts`], the
//! literal host requirement of a rule that routers use for hash dispatch.

use std::borrow::Cow;

use crate::ast::Node;

/// The set of hosts a rule can possibly match, for dispatching through a hash index.
///
/// It is *sound*: if a rule matches a request then [`Hosts::may_match`] holds for its host. It is
/// not tight: a rule whose hosts are `Only { .. }` still has to be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hosts {
    /// The rule may match any host (no host matcher, `Host(`*`)`, `HostRegexp`, under `!`...).
    Any,
    /// The rule can only match these hosts.
    Only {
        /// Lowercased host names with one trailing dot trimmed; compare with the request host
        /// normalized the same way (see [`normalize_host`] and [`trim_trailing_dot`]).
        exact: Vec<String>,
        /// For `*.example.com`, `".example.com"` (lowercased, trailing dot trimmed): the request
        /// host minus its first label (non-empty) must equal the suffix.
        wildcard_suffixes: Vec<String>,
    },
}

/// A compiled `Host` (HTTP) or `HostSNI` (TCP) argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostPattern {
    /// `*`: matches everything, including an empty host / no SNI.
    Any,
    /// Lowercased, one trailing dot trimmed.
    Exact(String),
    /// `*.example.com` stored as `.example.com` (lowercased, trailing dot trimmed).
    Wildcard(String),
}

/// Normalizes a request host the way Traefik does before matching: trims whitespace, strips the
/// port and IPv6 brackets, and lowercases. Borrows unless lowercasing is needed.
///
/// `example.com:8080` → `example.com`, `[::1]:80` and `[::1]` → `::1`, a bare `::1` is kept.
pub fn normalize_host(raw: &str) -> Cow<'_, str> {
    let host = raw.trim();
    let host = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((inside, after)) if after.is_empty() || after.starts_with(':') => inside,
            _ => host,
        }
    } else {
        // Byte scans: a request's host is normalized for every request.
        let b = host.as_bytes();
        match b.iter().position(|&c| c == b':') {
            Some(i) if !b[i + 1..].contains(&b':') => &host[..i],
            _ => host,
        }
    };
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    }
}

/// Removes one trailing `.` (fully-qualified form), as host matching does.
pub fn trim_trailing_dot(host: &str) -> &str {
    host.strip_suffix('.').unwrap_or(host)
}

// === impl Hosts ===

impl Hosts {
    /// Whether a (normalized) request host is in the set.
    pub fn may_match(&self, host: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Only {
                exact,
                wildcard_suffixes,
            } => {
                let h = trim_trailing_dot(host);
                exact.iter().any(|e| h.eq_ignore_ascii_case(e))
                    || wildcard_suffixes.iter().any(|s| one_label_under(h, s))
            }
        }
    }

    fn size(&self) -> usize {
        match self {
            Self::Any => usize::MAX,
            Self::Only {
                exact,
                wildcard_suffixes,
            } => exact.len() + wildcard_suffixes.len(),
        }
    }

    /// Computes the requirement of a tree whose leaves may be host patterns.
    pub(crate) fn of<M>(node: &Node<M>, leaf: &impl Fn(&M) -> Option<&HostPattern>) -> Self {
        match node {
            Node::Leaf(m) => match leaf(m) {
                Some(HostPattern::Exact(h)) => Self::only(vec![h.clone()], vec![]),
                Some(HostPattern::Wildcard(s)) => Self::only(vec![], vec![s.clone()]),
                Some(HostPattern::Any) | None => Self::Any,
            },
            // Negation can match hosts outside any set: give up.
            Node::Not(_) => Self::Any,
            // Every child must match, so any child's requirement holds: take the smallest.
            Node::All(nodes) => nodes
                .iter()
                .map(|n| Self::of(n, leaf))
                .min_by_key(Self::size)
                .unwrap_or(Self::Any),
            // One child suffices, so all must have a requirement; the union is the answer.
            Node::Any(nodes) => {
                let (mut exact, mut wild) = (Vec::new(), Vec::new());
                for n in nodes {
                    match Self::of(n, leaf) {
                        Self::Any => return Self::Any,
                        Self::Only {
                            exact: e,
                            wildcard_suffixes: w,
                        } => {
                            exact.extend(e);
                            wild.extend(w);
                        }
                    }
                }
                if exact.is_empty() && wild.is_empty() {
                    return Self::Any;
                }
                Self::only(exact, wild)
            }
        }
    }

    fn only(mut exact: Vec<String>, mut wildcard_suffixes: Vec<String>) -> Self {
        exact.sort();
        exact.dedup();
        wildcard_suffixes.sort();
        wildcard_suffixes.dedup();
        Self::Only {
            exact,
            wildcard_suffixes,
        }
    }
}

// === impl HostPattern ===

impl HostPattern {
    /// v3 `Host`/`HostSNI` value: `*`, `*.suffix` or an exact name.
    pub(crate) fn v3(value: &str) -> Self {
        let lower = trim_trailing_dot(value).to_ascii_lowercase();
        if lower == "*" {
            Self::Any
        } else if let Some(suffix) = lower.strip_prefix('*') {
            if suffix.starts_with('.') && suffix.len() > 1 {
                Self::Wildcard(suffix.to_owned())
            } else {
                Self::Exact(lower)
            }
        } else {
            Self::Exact(lower)
        }
    }

    /// v2 `Host` value: no wildcards, `*` is a literal.
    pub(crate) fn exact(value: &str) -> Self {
        Self::Exact(trim_trailing_dot(value).to_ascii_lowercase())
    }

    /// Matches a normalized request host (empty = none).
    pub(crate) fn matches(&self, host: &str) -> bool {
        let h = trim_trailing_dot(host);
        match self {
            Self::Any => true,
            _ if host.is_empty() => false,
            Self::Exact(e) => h.eq_ignore_ascii_case(e),
            Self::Wildcard(suffix) => one_label_under(h, suffix),
        }
    }
}

/// `host` is `<label><suffix>` with a non-empty label without dots (`suffix` starts with `.`).
fn one_label_under(host: &str, suffix: &str) -> bool {
    let (h, s) = (host.as_bytes(), suffix.as_bytes());
    h.len() > s.len() && {
        let (label, tail) = h.split_at(h.len() - s.len());
        tail.eq_ignore_ascii_case(s) && !label.contains(&b'.')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_hosts() {
        assert_eq!(normalize_host(" Example.COM:8080 "), "example.com");
        assert_eq!(normalize_host("[10::10]:80"), "10::10");
        assert_eq!(normalize_host("[10::10]"), "10::10");
        assert_eq!(normalize_host("10::10"), "10::10");
        assert_eq!(normalize_host(""), "");
        assert!(matches!(normalize_host("a.b:1"), Cow::Borrowed("a.b")));
    }

    #[test]
    fn patterns() {
        let w = HostPattern::v3("*.Example.com.");
        assert_eq!(w, HostPattern::Wildcard(".example.com".into()));
        assert!(w.matches("a.example.com") && w.matches("a.example.com."));
        assert!(
            !w.matches("example.com")
                && !w.matches("a.b.example.com")
                && !w.matches(".example.com")
        );
        assert!(HostPattern::v3("*").matches(""));
        assert!(!HostPattern::v3("x").matches(""));
        assert_eq!(HostPattern::v3("*x"), HostPattern::Exact("*x".into()));
        assert!(HostPattern::exact("*.a.com").matches("*.a.com"));
        assert!(!HostPattern::exact("*.a.com").matches("b.a.com"));
    }
}
