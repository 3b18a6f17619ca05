//! HTTP matchers (§5.2 of the reference, plus the v2 variants) and their compilation from calls.
//!
//! Matching never allocates, except for `QueryRegexp`/v2 `Query` on URL-encoded values longer
//! than 256 bytes (see [`crate::query`]).

use http::HeaderName;
use ipnet::IpNet;
use regex::Regex;

use crate::Syntax;
use crate::ast::{Call, Node};
use crate::compile::{Arity, Ctx, ip_in};
use crate::error::{ErrorKind, RuleError};
use crate::host::HostPattern;
use crate::rule::Request;
use crate::v2::{self, Template};
use crate::{goregex, names, query};

/// One compiled HTTP matcher.
#[derive(Debug, Clone)]
pub(crate) enum HttpMatcher {
    Host(HostPattern),
    HostRegexp(Regex),
    Path(String),
    PathPrefix(String),
    PathRegexp(Regex),
    Method(String),
    /// `None` when the name is not a valid header name: such a matcher never matches.
    Header(Option<HeaderName>, String),
    HeaderRegexp(Option<HeaderName>, Regex),
    /// `Query(k, v)`, and `Query(k)` / `QueryRegexp(k)` with an empty `v`.
    Query(String, String),
    QueryRegexp(String, Regex),
    /// v2 `Query(`k=v`)`: first value of `k` against an anchored template.
    QueryFirst(String, Regex),
    ClientIp(IpNet),
}

// === impl HttpMatcher ===

impl HttpMatcher {
    pub(crate) fn matches(&self, req: &Request<'_>) -> bool {
        match self {
            Self::Host(p) => p.matches(req.host),
            Self::HostRegexp(re) => re.is_match(req.host),
            Self::Path(p) => req.path == p,
            Self::PathPrefix(p) => req.path.starts_with(p.as_str()),
            Self::PathRegexp(re) => re.is_match(req.path),
            Self::Method(m) => req.method == m,
            Self::Header(name, want) => name.as_ref().is_some_and(|n| {
                req.headers
                    .get_all(n)
                    .iter()
                    .any(|v| v.as_bytes() == want.as_bytes())
            }),
            Self::HeaderRegexp(name, re) => name.as_ref().is_some_and(|n| {
                req.headers
                    .get_all(n)
                    .iter()
                    .any(|v| std::str::from_utf8(v.as_bytes()).is_ok_and(|s| re.is_match(s)))
            }),
            Self::Query(k, v) => query::has_value(req.query, k, v),
            Self::QueryRegexp(k, re) => query::any_value_matches(req.query, k, re),
            Self::QueryFirst(k, re) => query::first_value_matches(req.query, k, re),
            Self::ClientIp(net) => ip_in(net, req.client_ip),
        }
    }

    pub(crate) fn host_pattern(&self) -> Option<&HostPattern> {
        match self {
            Self::Host(p) => Some(p),
            _ => None,
        }
    }
}

/// Compiles one parsed call; v2 variadic calls become an `Any` of single matchers.
pub(crate) fn compile(
    rule: &str,
    syntax: Syntax,
    call: Call,
) -> Result<Node<HttpMatcher>, RuleError> {
    let name = names::resolve(&call.name, names::http(syntax))
        .map_err(|kind| RuleError::at(rule, call.offset, kind))?;
    let ctx = Ctx {
        rule,
        name,
        offset: call.offset,
    };
    let v2 = syntax == Syntax::V2;
    let arity = match name {
        "Header" | "HeaderRegexp" | "Headers" | "HeadersRegexp" => Arity::Exactly(2),
        "Query" | "QueryRegexp" if !v2 => Arity::OneOrTwo,
        _ if v2 => Arity::AtLeastOne,
        _ => Arity::Exactly(1),
    };
    ctx.check(&call, arity)?;
    let header = |i: usize| HeaderName::from_bytes(call.args[i].value.as_bytes()).ok();
    let regex = |i: usize| {
        goregex::compile(name, &call.args[i].value).map_err(|k| ctx.err_at(&call.args[i], k))
    };
    let single = match name {
        "Header" | "Headers" => Some(HttpMatcher::Header(header(0), call.args[1].value.clone())),
        "HeaderRegexp" | "HeadersRegexp" => Some(HttpMatcher::HeaderRegexp(header(0), regex(1)?)),
        "Query" | "QueryRegexp" if !v2 => {
            let key = call.args[0].value.clone();
            Some(match (name, call.args.get(1)) {
                ("QueryRegexp", Some(_)) => HttpMatcher::QueryRegexp(key, regex(1)?),
                (_, value) => {
                    HttpMatcher::Query(key, value.map(|a| a.value.clone()).unwrap_or_default())
                }
            })
        }
        _ => None,
    };
    if let Some(m) = single {
        return Ok(Node::Leaf(m));
    }
    let mut leaves = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        let value = arg.value.as_str();
        let at = |k: ErrorKind| ctx.err_at(arg, k);
        let m = match name {
            "Host" | "HostHeader" => {
                ctx.ascii_host(arg)?;
                HttpMatcher::Host(if v2 {
                    HostPattern::exact(value)
                } else {
                    HostPattern::v3(value)
                })
            }
            "HostRegexp" => {
                ctx.ascii_host(arg)?;
                let re = if v2 {
                    v2::compile(name, value, Template::Host)
                } else {
                    goregex::compile(name, value)
                };
                HttpMatcher::HostRegexp(re.map_err(at)?)
            }
            "Path" | "PathPrefix" => {
                if !value.starts_with('/') {
                    return Err(at(ErrorKind::PathWithoutSlash(name)));
                }
                let prefix = name == "PathPrefix";
                match (v2 && v2::is_template(value), prefix) {
                    (false, false) => HttpMatcher::Path(value.to_owned()),
                    (false, true) => HttpMatcher::PathPrefix(value.to_owned()),
                    (true, _) => {
                        let kind = if prefix {
                            Template::Prefix
                        } else {
                            Template::Path
                        };
                        HttpMatcher::PathRegexp(v2::compile(name, value, kind).map_err(at)?)
                    }
                }
            }
            "PathRegexp" => HttpMatcher::PathRegexp(goregex::compile(name, value).map_err(at)?),
            "Method" => HttpMatcher::Method(value.to_ascii_uppercase()),
            "ClientIP" => HttpMatcher::ClientIp(ctx.client_ip(arg)?),
            "Query" => {
                let (k, v) = v2::query_pair(value).map_err(at)?;
                HttpMatcher::QueryFirst(
                    k.to_owned(),
                    v2::compile(name, v, Template::QueryValue).map_err(at)?,
                )
            }
            _ => {
                return Err(ctx.err(ErrorKind::UnknownMatcher {
                    name: name.to_owned(),
                    suggestion: None,
                }));
            }
        };
        leaves.push(Node::Leaf(m));
    }
    Ok(match leaves.len() {
        1 => leaves.remove(0),
        _ if name == "Query" => Node::All(leaves),
        _ => Node::Any(leaves),
    })
}
