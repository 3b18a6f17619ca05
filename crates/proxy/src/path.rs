//! Request path hygiene before routing, in Traefik's order (reference §1.2, Traefik's
//! `normalizePath`, `sanitizePath` and `denyEncodedPathCharacters`):
//!
//! 1. **normalize**: percent-escapes of unreserved characters (RFC 3986 §2.3: `A-Z a-z 0-9 - .
//!    _ ~`) are decoded, the other escapes are upper-cased (§6.2.2.1); an invalid escape is a
//!    bad request. So `%2e%2E` becomes `..` *before* dot segments are looked for, while `%2F`,
//!    `%3F`, `%23` and `%25` stay encoded (a double-encoded `%252e` stays literal).
//! 2. **sanitize** (`http.sanitizePath`, on by default): RFC 3986 §5.2.4 dot-segment removal
//!    and `//` collapsing, on the escaped path.
//! 3. **deny** (`http.encodedCharacters`): paths still holding an escape the entry point does not
//!    allow are refused.
//!
//! The cleaned path is the one routers match *and* the one backends receive, so a backend that
//! decodes differently cannot be steered past a router by an encoded `..`.

use std::borrow::Cow;

use waygate_config::static_config::EncodedCharacters;
use waygate_rules::{Escape, rewrite_escapes};

/// Why a path was refused (400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadPath {
    /// `%` not followed by two hex digits.
    InvalidEscape,
    /// An encoded character the entry point's `encodedCharacters` does not allow.
    Denied,
}

/// An entry point's path rules, compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathPolicy {
    pub sanitize: bool,
    /// Bit set of the denied escapes, in [`DENIABLE`] order.
    denied: u8,
}

/// The escapes `encodedCharacters` can deny, as they appear after normalization.
const DENIABLE: [&[u8; 2]; 7] = [b"2F", b"5C", b"00", b"3B", b"25", b"3F", b"23"];

// === impl PathPolicy ===

impl Default for PathPolicy {
    fn default() -> Self {
        Self {
            sanitize: true,
            denied: 0,
        }
    }
}

impl PathPolicy {
    pub fn new(sanitize: bool, encoded: Option<&EncodedCharacters>) -> Self {
        let mut denied = 0u8;
        if let Some(e) = encoded {
            let allowed = [
                e.allow_encoded_slash,
                e.allow_encoded_back_slash,
                e.allow_encoded_null_character,
                e.allow_encoded_semicolon,
                e.allow_encoded_percent,
                e.allow_encoded_question_mark,
                e.allow_encoded_hash,
            ];
            for (i, allow) in allowed.into_iter().enumerate() {
                if !allow {
                    denied |= 1 << i;
                }
            }
        }
        Self { sanitize, denied }
    }

    /// The path routers match and backends receive, or why the request is refused.
    pub fn clean<'a>(&self, raw: &'a str) -> Result<Cow<'a, str>, BadPath> {
        let normalized = normalize(raw)?;
        let path = if self.sanitize {
            match sanitize(&normalized) {
                Cow::Borrowed(_) => normalized,
                Cow::Owned(s) => Cow::Owned(s),
            }
        } else {
            normalized
        };
        if self.denied != 0 && self.denies(&path) {
            return Err(BadPath::Denied);
        }
        Ok(path)
    }

    fn denies(&self, path: &str) -> bool {
        let b = path.as_bytes();
        b.iter().enumerate().any(|(i, &c)| {
            c == b'%'
                && b.get(i + 1..i + 3).is_some_and(|hex| {
                    DENIABLE
                        .iter()
                        .enumerate()
                        .any(|(k, d)| self.denied & (1 << k) != 0 && hex == *d)
                })
        })
    }
}

/// Step 1: unreserved escapes decoded, the others upper-cased; `Err` on an invalid escape.
pub fn normalize(raw: &str) -> Result<Cow<'_, str>, BadPath> {
    if !raw.contains('%') {
        return Ok(Cow::Borrowed(raw));
    }
    let out = rewrite_escapes(raw.as_bytes(), |value| {
        if value.is_ascii_alphanumeric() || matches!(value, b'-' | b'.' | b'_' | b'~') {
            Escape::Decode
        } else {
            Escape::Upper
        }
    })
    .map_err(|_| BadPath::InvalidEscape)?;
    if out == raw.as_bytes() {
        return Ok(Cow::Borrowed(raw));
    }
    // Only ASCII bytes were produced from escapes; the rest was copied from a `str`.
    Ok(Cow::Owned(
        String::from_utf8(out).map_err(|_| BadPath::InvalidEscape)?,
    ))
}

/// Step 2: removes `.`/`..` segments and collapses repeated slashes; keeps a trailing slash.
/// Paths that do not start with `/` (`*` of `OPTIONS *`) are left alone.
pub fn sanitize(path: &str) -> Cow<'_, str> {
    if !path.starts_with('/') {
        return Cow::Borrowed(path);
    }
    if !needs_sanitize(path.as_bytes()) {
        return Cow::Borrowed(path);
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut s = String::with_capacity(path.len());
    for seg in &out {
        s.push('/');
        s.push_str(seg);
    }
    if s.is_empty() || (trailing && !s.ends_with('/')) {
        s.push('/');
    }
    Cow::Owned(s)
}

/// Whether a path has `//` or a `.` or `..` segment, in one pass over its bytes (the common
/// clean path costs no substring search).
fn needs_sanitize(path: &[u8]) -> bool {
    let dots = |seg: &[u8]| seg == b"." || seg == b"..";
    let mut start = 0;
    for (i, &c) in path.iter().enumerate() {
        if c == b'/' {
            if (i > 0 && path[i - 1] == b'/') || dots(&path[start..i]) {
                return true;
            }
            start = i + 1;
        }
    }
    dots(&path[start..])
}

#[cfg(test)]
mod tests;
