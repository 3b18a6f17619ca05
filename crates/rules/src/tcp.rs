//! TCP router rules (§3.4): `HostSNI`, `HostSNIRegexp`, `ClientIP`, `ALPN`, evaluated against a
//! [`TcpConn`] built from the ClientHello (or nothing, for plain TCP).

use std::net::IpAddr;

use ipnet::IpNet;
use regex::Regex;

use crate::Syntax;
use crate::ast::{Call, Node};
use crate::compile::{Arity, Ctx, ip_in};
use crate::error::{ErrorKind, RuleError};
use crate::host::{HostPattern, Hosts};
use crate::v2::{self, Template};
use crate::{goregex, names, parser};

/// A compiled TCP rule (`tcp.routers.<name>.rule`).
#[derive(Debug, Clone)]
pub struct TcpRule {
    root: Node<TcpMatcher>,
}

/// What a TCP rule looks at.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpConn<'a> {
    /// Server name from the ClientHello (any case); `None` for plain TCP or no SNI.
    pub sni: Option<&'a str>,
    /// ALPN protocols offered by the client.
    pub alpn: &'a [&'a str],
    /// Remote address of the connection.
    pub client_ip: Option<IpAddr>,
}

#[derive(Debug, Clone)]
enum TcpMatcher {
    HostSni(HostPattern),
    HostSniRegexp(Regex),
    ClientIp(IpNet),
    Alpn(String),
}

// === impl TcpRule ===

impl TcpRule {
    /// Parses and compiles a TCP rule. In v2 syntax, matchers are variadic (any argument matches)
    /// and `HostSNIRegexp` takes mux templates.
    pub fn parse(rule: &str, syntax: Syntax) -> Result<Self, RuleError> {
        let tree = parser::parse(rule)?;
        let root = tree.try_map(&mut |call| compile(rule, syntax, call))?;
        Ok(Self { root })
    }

    /// Whether the connection matches.
    pub fn matches(&self, conn: &TcpConn<'_>) -> bool {
        self.root.eval(&|m: &TcpMatcher| m.matches(conn))
    }

    /// The SNI values this rule can match, like [`crate::Rule::hosts`].
    pub fn hosts(&self) -> Hosts {
        Hosts::of(&self.root, &|m: &TcpMatcher| match m {
            TcpMatcher::HostSni(p) => Some(p),
            _ => None,
        })
    }

    /// Whether the rule is exactly ``HostSNI(`*`)``, whose default priority is −1.
    pub fn is_catch_all(&self) -> bool {
        matches!(
            &self.root,
            Node::Leaf(TcpMatcher::HostSni(HostPattern::Any))
        )
    }
}

// === impl TcpMatcher ===

impl TcpMatcher {
    fn matches(&self, conn: &TcpConn<'_>) -> bool {
        match self {
            Self::HostSni(p) => p.matches(conn.sni.unwrap_or("")),
            Self::HostSniRegexp(re) => conn.sni.is_some_and(|s| re.is_match(s)),
            Self::ClientIp(net) => ip_in(net, conn.client_ip),
            Self::Alpn(proto) => conn.alpn.contains(&proto.as_str()),
        }
    }
}

fn compile(rule: &str, syntax: Syntax, call: Call) -> Result<Node<TcpMatcher>, RuleError> {
    let name = names::resolve(&call.name, names::TCP)
        .map_err(|kind| RuleError::at(rule, call.offset, kind))?;
    let ctx = Ctx {
        rule,
        name,
        offset: call.offset,
    };
    let v2 = syntax == Syntax::V2;
    ctx.check(
        &call,
        if v2 {
            Arity::AtLeastOne
        } else {
            Arity::Exactly(1)
        },
    )?;
    let mut leaves = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        let value = arg.value.as_str();
        let at = |k: ErrorKind| ctx.err_at(arg, k);
        leaves.push(Node::Leaf(match name {
            "HostSNI" => {
                if value != "*" && !valid_sni(value) {
                    return Err(at(ErrorKind::HostSni(value.to_owned())));
                }
                TcpMatcher::HostSni(HostPattern::v3(value))
            }
            "HostSNIRegexp" => {
                ctx.ascii_host(arg)?;
                let re = if v2 {
                    v2::compile(name, value, Template::Host)
                } else {
                    goregex::compile(name, value)
                };
                TcpMatcher::HostSniRegexp(re.map_err(at)?)
            }
            "ClientIP" => TcpMatcher::ClientIp(ctx.client_ip(arg)?),
            _ => {
                if value == "acme-tls/1" {
                    return Err(at(ErrorKind::AcmeAlpn));
                }
                TcpMatcher::Alpn(value.to_owned())
            }
        }));
    }
    Ok(if leaves.len() == 1 {
        leaves.remove(0)
    } else {
        Node::Any(leaves)
    })
}

/// `^(\*\.)?[\w.\-:]+$` with Go's ASCII `\w`.
fn valid_sni(value: &str) -> bool {
    let rest = value.strip_prefix("*.").unwrap_or(value);
    !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b':'))
}

#[cfg(test)]
mod tests;
