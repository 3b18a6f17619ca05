//! [`Rule`]: a compiled HTTP router rule, and [`Request`], the view of a request it matches.

use std::net::IpAddr;

use http::HeaderMap;

use crate::Syntax;
use crate::ast::Node;
use crate::error::RuleError;
use crate::host::{HostPattern, Hosts};
use crate::matcher::{self, HttpMatcher};
use crate::parser;

/// A compiled HTTP rule (`http.routers.<name>.rule`).
#[derive(Debug, Clone)]
pub struct Rule {
    root: Node<HttpMatcher>,
    /// The rule as written.
    pub(crate) source: Box<str>,
    /// The syntax it was parsed with: [`Rule::trace`] parses `source` again to label the
    /// leaves (how each was written), labels that only it reads and that were ~100 bytes
    /// per rule (10,000 routers: ~1 MiB per table).
    pub(crate) syntax: Syntax,
}

/// What an HTTP rule looks at. Build it once per request; matching borrows it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Request method, as sent (case-sensitive).
    pub method: &'a str,
    /// Host normalized with [`crate::normalize_host`] (port stripped, lowercased); the absolute-form
    /// URL host wins over the `Host` header. Empty when there is none.
    pub host: &'a str,
    /// The routing path, see [`crate::routing_path`].
    pub path: &'a str,
    /// Raw query string, without `?`.
    pub query: &'a str,
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// Remote address of the connection (after PROXY protocol), never `X-Forwarded-For`.
    pub client_ip: Option<IpAddr>,
}

// === impl Rule ===

impl Rule {
    /// Parses and compiles an HTTP rule.
    pub fn parse(rule: &str, syntax: Syntax) -> Result<Self, RuleError> {
        let tree = parser::parse(rule)?;
        let root = tree.try_map(&mut |call| matcher::compile(rule, syntax, call))?;
        Ok(Self {
            root,
            source: rule.into(),
            syntax,
        })
    }

    /// The rule as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub(crate) fn root(&self) -> &Node<HttpMatcher> {
        &self.root
    }

    /// Whether the request matches.
    ///
    /// Does not allocate, with one exception: `QueryRegexp` (and v2 `Query`) on a URL-encoded
    /// value longer than 256 bytes decodes it on the heap. (The regex engine keeps a per-thread
    /// scratch cache, allocated on first use.)
    pub fn matches(&self, req: &Request<'_>) -> bool {
        self.root.eval(&|m: &HttpMatcher| m.matches(req))
    }

    /// Whether the rule is only literal hosts (``Host(`a.com`)``, or v2's
    /// ``Host(`a.com`, `b.com`)``): a request whose normalized host is one of
    /// [`Self::hosts`]' exact names matches it, so a host index hit needs no evaluation.
    pub fn is_exact_hosts(&self) -> bool {
        let exact = |n: &Node<HttpMatcher>| {
            matches!(n, Node::Leaf(HttpMatcher::Host(HostPattern::Exact(_))))
        };
        match &self.root {
            Node::Any(all) => all.iter().all(exact),
            n => exact(n),
        }
    }

    /// The hosts this rule can match, for hash dispatch (sound, not necessarily tight).
    pub fn hosts(&self) -> Hosts {
        Hosts::of(&self.root, &HttpMatcher::host_pattern)
    }

    /// Literal `Host(...)` values anywhere in the rule (lowercased, `*` excluded), as Traefik
    /// extracts them for TLS option selection and ACME domains.
    pub fn host_values(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.root.for_each_leaf(&mut |m: &HttpMatcher| {
            let value = match m.host_pattern() {
                Some(HostPattern::Exact(h)) => h.clone(),
                Some(HostPattern::Wildcard(s)) => format!("*{s}"),
                _ => return,
            };
            if !out.contains(&value) {
                out.push(value);
            }
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_values() {
        let rule = Rule::parse(
            "Host(`A.com`) || (Host(`*.b.com`) && !Host(`*`))",
            Syntax::V3,
        )
        .expect("valid");
        assert_eq!(
            rule.host_values(),
            vec!["a.com".to_owned(), "*.b.com".to_owned()]
        );
    }

    #[test]
    fn exact_hosts_only() {
        let only = |rule: &str, syntax| Rule::parse(rule, syntax).expect(rule).is_exact_hosts();
        assert!(only("Host(`a.com`)", Syntax::V3));
        assert!(only("Host(`a.com`, `b.com`)", Syntax::V2));
        assert!(only("Host(`a.com`) || Host(`b.com`)", Syntax::V3));
        assert!(!only("Host(`a.com`) && Path(`/`)", Syntax::V3));
        assert!(!only("Host(`a.com`) || PathPrefix(`/`)", Syntax::V3));
        assert!(!only("Host(`*.a.com`)", Syntax::V3));
        assert!(!only("Host(`*`)", Syntax::V3));
        assert!(!only("!Host(`a.com`)", Syntax::V3));
        assert!(!only("HostRegexp(`^a\\.com$`)", Syntax::V3));
    }
}
