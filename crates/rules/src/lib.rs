//! The Traefik v3 rule language: parsing, validation and matching of router rules.
//!
//! A rule such as ``Host(`example.com`) && PathPrefix(`/api`)`` is parsed once (at config
//! compile time) into a [`Rule`] (HTTP) or a [`TcpRule`], which are then matched against each
//! request ([`Request`]) or connection ([`TcpConn`]) without allocating.
//!
//! - Syntax: Go expressions of matcher calls with string arguments, `!`, `&&`, `||`, parentheses;
//!   matcher names in four spellings (`PathPrefix`, `pathprefix`, `PATHPREFIX`, `Pathprefix`).
//! - [`Syntax::V2`] selects the deprecated v2 flavour (variadic matchers, mux templates, ...).
//! - [`Rule::hosts`] gives the literal host requirement used for hash dispatch.
//! - [`default_priority`] is Traefik's `len(rule)`.
//! - [`normalize_host`] and [`routing_path`] build the [`Request`] fields the way Traefik does,
//!   so the data plane and the rules agree.
//! - [`Rule::trace`] (cold path, for `waygate explain`) returns every matcher's result and why.
//!
//! Stage: `route` (see `docs/` stages). No I/O; errors are [`RuleError`] with a column.

mod ast;
mod compile;
mod error;
mod goregex;
mod host;
mod lexer;
mod matcher;
mod names;
mod parser;
mod path;
mod query;
mod rule;
mod tcp;
mod trace;
mod v2;

use std::fmt;
use std::str::FromStr;

pub use error::{ErrorKind, Found, RuleError};
pub use host::{Hosts, normalize_host, trim_trailing_dot};
pub use parser::MAX_DEPTH;
pub use path::{Escape, InvalidEscape, go_clean, rewrite_escapes, routing_path};
pub use rule::{Request, Rule};
pub use tcp::{TcpConn, TcpRule};
pub use trace::{MatcherTrace, Trace, TraceNode};

/// Compiles a Go (RE2) regular expression as Traefik's middlewares do (`regexp.Compile`),
/// bridging the syntax differences (see `goregex`); the error is one line.
pub fn go_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(&goregex::translate(pattern)).map_err(|e| goregex::summarize(&e))
}

/// Which rule syntax a router uses (`ruleSyntax`, default from `core.defaultRuleSyntax`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Syntax {
    /// Deprecated v2 syntax.
    V2,
    /// Current syntax.
    #[default]
    V3,
}

/// An unknown `ruleSyntax` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rule syntax `{0}` (expected `v2` or `v3`)")]
pub struct UnknownSyntax(pub String);

/// Traefik's default router priority: the rule length in bytes.
pub fn default_priority(rule: &str) -> i64 {
    i64::try_from(rule.len()).unwrap_or(i64::MAX)
}

// === impl Syntax ===

impl FromStr for Syntax {
    type Err = UnknownSyntax;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "v2" => Ok(Self::V2),
            "v3" => Ok(Self::V3),
            other => Err(UnknownSyntax(other.to_owned())),
        }
    }
}

impl fmt::Display for Syntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V2 => "v2",
            Self::V3 => "v3",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities() {
        assert_eq!(default_priority("Host(`foobar.traefik.com`)"), 26);
        assert_eq!(default_priority(r"HostRegexp(`[a-z]+\.traefik\.com`)"), 34);
        assert_eq!(default_priority("Host(`example.org`)"), 19);
    }

    #[test]
    fn syntax_from_str() {
        assert_eq!("v2".parse(), Ok(Syntax::V2));
        assert_eq!("v3".parse(), Ok(Syntax::V3));
        assert_eq!(Syntax::default(), Syntax::V3);
        assert!("V3".parse::<Syntax>().is_err());
    }
}
