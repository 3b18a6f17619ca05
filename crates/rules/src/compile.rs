//! Shared validation used when turning parsed calls into matchers: arity, empty arguments,
//! IP/CIDR parsing, and mapping error kinds to positioned [`RuleError`]s.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::ast::{Arg, Call};
use crate::error::{ErrorKind, RuleError};

/// How many arguments a matcher takes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Arity {
    Exactly(usize),
    OneOrTwo,
    AtLeastOne,
}

/// A call being compiled: its canonical name plus the rule text for error positions.
pub(crate) struct Ctx<'r> {
    pub(crate) rule: &'r str,
    pub(crate) name: &'static str,
    pub(crate) offset: usize,
}

// === impl Ctx ===

impl Ctx<'_> {
    /// Error positioned at the matcher name.
    pub(crate) fn err(&self, kind: ErrorKind) -> RuleError {
        RuleError::at(self.rule, self.offset, kind)
    }

    /// Error positioned at an argument.
    pub(crate) fn err_at(&self, arg: &Arg, kind: ErrorKind) -> RuleError {
        RuleError::at(self.rule, arg.offset, kind)
    }

    /// Checks arity and that no argument is empty.
    pub(crate) fn check(&self, call: &Call, arity: Arity) -> Result<(), RuleError> {
        let got = call.args.len();
        let (ok, expected) = match arity {
            Arity::Exactly(1) => (got == 1, "1"),
            Arity::Exactly(_) => (got == 2, "2"),
            Arity::OneOrTwo => ((1..=2).contains(&got), "1 or 2"),
            Arity::AtLeastOne => (got >= 1, "at least 1"),
        };
        if !ok {
            return Err(self.err(ErrorKind::Arity {
                matcher: self.name,
                expected,
                got,
            }));
        }
        match call.args.iter().find(|a| a.value.is_empty()) {
            Some(arg) => Err(self.err_at(arg, ErrorKind::EmptyArgument(self.name))),
            None => Ok(()),
        }
    }

    /// Rejects non-ASCII host values (Traefik requires punycode).
    pub(crate) fn ascii_host(&self, arg: &Arg) -> Result<(), RuleError> {
        if arg.value.is_ascii() {
            Ok(())
        } else {
            Err(self.err_at(arg, ErrorKind::NonAsciiHost(arg.value.clone())))
        }
    }

    /// Parses a `ClientIP` value: an IP address or a CIDR range.
    pub(crate) fn client_ip(&self, arg: &Arg) -> Result<IpNet, RuleError> {
        let v = arg.value.as_str();
        let parsed = if v.contains('/') {
            v.parse::<IpNet>().ok()
        } else {
            v.parse::<IpAddr>().ok().map(IpNet::from)
        };
        parsed.ok_or_else(|| self.err_at(arg, ErrorKind::ClientIp(v.to_owned())))
    }
}

/// Whether the connection IP is in `net`; IPv4-mapped IPv6 addresses count as IPv4 (like Go).
pub(crate) fn ip_in(net: &IpNet, ip: Option<IpAddr>) -> bool {
    ip.map(|ip| match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    })
    .is_some_and(|ip| net.contains(&ip))
}
