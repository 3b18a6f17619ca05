//! Parse errors of the rule language.
//!
//! Every error carries the byte offset and the 1-based column (in characters) of the place in the
//! rule string where it was detected, so the config layer can point at it.

use std::fmt;

/// A rule that cannot be parsed or compiled; the router using it is disabled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at column {column}")]
pub struct RuleError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset into the rule string.
    pub offset: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

/// The reason a rule was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    #[error("the rule is empty")]
    Empty,
    #[error("unterminated string literal")]
    UnterminatedString,
    #[error("newline in double-quoted string literal")]
    NewlineInString,
    #[error("invalid escape sequence in string literal: {0}")]
    InvalidEscape(&'static str),
    #[error("string literal is not valid UTF-8")]
    InvalidUtf8,
    #[error("single quotes are not allowed; use a backtick or double-quoted string")]
    SingleQuote,
    #[error("expected a quoted string (backtick or double quote), found {0}")]
    ExpectedString(Found),
    #[error("expected a matcher such as Host(`example.com`), found {0}")]
    ExpectedMatcher(Found),
    #[error("expected {expected}, found {found}")]
    Unexpected {
        expected: &'static str,
        found: Found,
    },
    #[error("`{0}` is not a matcher call (expected `(` after it)")]
    NotACall(String),
    #[error("unknown matcher `{name}`{}", did_you_mean(.suggestion))]
    UnknownMatcher {
        name: String,
        suggestion: Option<String>,
    },
    #[error("{matcher} expects {expected} argument{}, got {got}", plural(.expected))]
    Arity {
        matcher: &'static str,
        expected: &'static str,
        got: usize,
    },
    #[error("empty argument to {0}")]
    EmptyArgument(&'static str),
    #[error("{0} must start with '/'")]
    PathWithoutSlash(&'static str),
    #[error("non-ASCII host `{0}`: use punycode")]
    NonAsciiHost(String),
    #[error("invalid regular expression in {matcher}: {error}")]
    Regex {
        matcher: &'static str,
        error: String,
    },
    #[error("invalid IP address or CIDR `{0}` in ClientIP")]
    ClientIp(String),
    #[error("invalid value for HostSNI: `{0}` is not a valid hostname or IP")]
    HostSni(String),
    #[error("ALPN `acme-tls/1` is reserved for the TLS-ALPN-01 challenge")]
    AcmeAlpn,
    #[error("invalid template in {matcher}: {reason}")]
    Template {
        matcher: &'static str,
        reason: &'static str,
    },
    #[error("Query expects `key=value` pairs in ruleSyntax v2, got `{0}`")]
    QueryPair(String),
    #[error("rule is nested too deeply (more than {0} levels of `(` or `!`)")]
    TooDeep(usize),
}

/// What the parser found instead of what it expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    EndOfRule,
    Identifier(String),
    Str,
    Symbol(&'static str),
    Char(char),
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

fn plural(expected: &str) -> &'static str {
    if expected == "1" { "" } else { "s" }
}

// === impl RuleError ===

impl RuleError {
    /// Builds an error at byte `offset` of `rule` (clamped to the rule and to a char boundary).
    pub(crate) fn at(rule: &str, offset: usize, kind: ErrorKind) -> Self {
        let mut offset = offset.min(rule.len());
        while !rule.is_char_boundary(offset) {
            offset -= 1;
        }
        let column = rule[..offset].chars().count() + 1;
        Self {
            kind,
            offset,
            column,
        }
    }
}

// === impl Found ===

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EndOfRule => f.write_str("end of rule"),
            Self::Identifier(name) => write!(f, "identifier `{name}`"),
            Self::Str => f.write_str("a string"),
            Self::Symbol(s) => write!(f, "`{s}`"),
            Self::Char(c) => write!(f, "character {c:?}"),
        }
    }
}
