//! Test helper: an owned request that normalizes host and path the way the data plane does.

#![allow(dead_code)]

use std::net::IpAddr;

use http::{HeaderMap, HeaderName, HeaderValue};
use waygate_rules::{Request, Rule, Syntax, normalize_host, routing_path};

#[derive(Debug, Clone, Default)]
pub(crate) struct Req {
    pub(crate) method: String,
    pub(crate) host: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) ip: Option<IpAddr>,
}

impl Req {
    /// `host` raw (port, case), `target` = raw path with optional `?query`.
    pub(crate) fn new(host: &str, target: &str) -> Self {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Self {
            method: "GET".into(),
            host: normalize_host(host).into_owned(),
            path: routing_path(path).expect("valid path").into_owned(),
            query: query.into(),
            ..Self::default()
        }
    }

    pub(crate) fn method(mut self, m: &str) -> Self {
        self.method = m.into();
        self
    }

    pub(crate) fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.append(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
        self
    }

    pub(crate) fn ip(mut self, ip: &str) -> Self {
        self.ip = Some(ip.parse().expect("valid ip"));
        self
    }

    pub(crate) fn view(&self) -> Request<'_> {
        Request {
            method: &self.method,
            host: &self.host,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            client_ip: self.ip,
        }
    }
}

/// Parses `rule` (v3 unless stated) and panics with the error if invalid.
pub(crate) fn rule(rule: &str, syntax: Syntax) -> Rule {
    Rule::parse(rule, syntax).unwrap_or_else(|e| panic!("{rule}: {e}"))
}

/// Asserts the rule matches every `yes` request and none of the `no` requests, and that its
/// trace says the same.
pub(crate) fn check(rule_text: &str, syntax: Syntax, yes: &[Req], no: &[Req]) {
    let r = rule(rule_text, syntax);
    for (q, want) in yes
        .iter()
        .map(|q| (q, true))
        .chain(no.iter().map(|q| (q, false)))
    {
        let trace = r.trace(&q.view());
        assert_eq!(
            trace.matched, want,
            "{rule_text}: trace of {q:?}: {trace:#?}"
        );
        assert_eq!(trace.blockers().is_empty(), want, "{rule_text}: {trace:#?}");
    }
    for q in yes {
        assert!(r.matches(&q.view()), "{rule_text} should match {q:?}");
        assert!(
            r.hosts().may_match(&q.host),
            "{rule_text}: hosts() excludes {q:?}"
        );
    }
    for q in no {
        assert!(!r.matches(&q.view()), "{rule_text} should not match {q:?}");
    }
}
