//! Which encoding a request gets, read from `Accept-Encoding` exactly as Traefik reads it
//! (`acceptencoding.go`): every header line, spaces removed, codings matched case-sensitively
//! against the configured `encodings` plus `*` and `identity`, `q=0` dropping a coding, the
//! highest weight first and, at equal weights, the order of `encodings` (`*` before all,
//! `identity` after all). A missing header means `defaultEncoding` (or nothing); one empty
//! header means identity.
//!
//! Traefik hands gzip to klauspost's `gzhttp`, which reads the first `Accept-Encoding` line
//! again and compresses only if it names `gzip` with a weight above 0 ([`gzip_accepted`]):
//! so `Accept-Encoding: *`, or no header with `defaultEncoding: gzip`, gets `Vary` but no
//! gzip, as in Traefik (its own tests say so).

use std::borrow::Cow;
use std::cmp::Ordering;

use http::HeaderMap;
use http::header::ACCEPT_ENCODING;

use super::encoder::Coding;

/// What the request asks of `compress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    /// Not compressed, not even looked at: no `Vary` (identity, nothing acceptable).
    Pass,
    /// This encoding's handler serves the response (it adds `Vary: Accept-Encoding`).
    Encode(Coding),
}

/// A coding a client accepts, with its weight.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Accepted {
    Any,
    Identity,
    Coding(Coding),
}

/// Traefik's `getCompressionEncoding` and the missing-header case before it.
pub(crate) fn choose(encodings: &[Coding], default: Option<Coding>, headers: &HeaderMap) -> Choice {
    let mut lines = headers.get_all(ACCEPT_ENCODING).iter().peekable();
    let Some(first) = lines.peek() else {
        return default.map_or(Choice::Pass, Choice::Encode);
    };
    if first.is_empty() && headers.get_all(ACCEPT_ENCODING).iter().count() == 1 {
        return Choice::Pass;
    }
    // Go's map of priorities: `*` first, then `encodings` (a repeated one at its last
    // position), `identity` last.
    let priority = |a: &Accepted| match a {
        Accepted::Any => -1,
        Accepted::Identity => encodings.len() as isize,
        Accepted::Coding(c) => encodings
            .iter()
            .rposition(|e| e == c)
            .map_or(isize::MAX, |i| i as isize),
    };
    let mut accepted: Vec<(Accepted, f64)> = Vec::new();
    for line in lines {
        let line = String::from_utf8_lossy(line.as_bytes()).replace(' ', "");
        for item in line.split(',') {
            let (name, params) = match item.split_once(';') {
                Some((n, p)) => (n, Some(p)),
                None => (item, None),
            };
            let coding = match name {
                "*" => Accepted::Any,
                "identity" => Accepted::Identity,
                _ => match Coding::from_name(name).filter(|c| encodings.contains(c)) {
                    Some(c) => Accepted::Coding(c),
                    None => continue,
                },
            };
            let weight = match params.and_then(|p| p.strip_prefix("q=")) {
                Some(q) => go_parse_float(q),
                None => 1.0,
            };
            if weight == 0.0 {
                continue;
            }
            accepted.push((coding, weight));
        }
    }
    accepted.sort_by(|a, b| {
        if a.1 == b.1 {
            priority(&a.0).cmp(&priority(&b.0))
        } else {
            go_compare(b.1, a.1)
        }
    });
    match accepted.first() {
        None | Some((Accepted::Identity, _)) => Choice::Pass,
        Some((Accepted::Any, _)) => default
            .or_else(|| encodings.first().copied())
            .map_or(Choice::Pass, Choice::Encode),
        Some((Accepted::Coding(c), _)) => Choice::Encode(*c),
    }
}

/// `gzhttp`'s own check: the first `Accept-Encoding` line names `gzip` with a weight above 0
/// (its `parseCoding`: codings lower-cased and trimmed, `q` clamped to 0..=1, unparsable 0).
pub(crate) fn gzip_accepted(headers: &HeaderMap) -> bool {
    let Some(ae) = headers.get(ACCEPT_ENCODING) else {
        return false;
    };
    let ae: Cow<'_, str> = String::from_utf8_lossy(ae.as_bytes());
    let ae = ae.trim();
    if ae.is_empty() {
        return false;
    }
    for part in ae.split(',') {
        let mut q = 1.0;
        let mut coding = String::new();
        for (n, p) in part.split(';').enumerate() {
            let p = p.trim();
            if n == 0 {
                coding = p.to_lowercase();
            } else if p.len() >= 2 && p.as_bytes()[..2].eq_ignore_ascii_case(b"q=") {
                q = go_parse_float(&p[2..]).clamp(0.0, 1.0);
            }
        }
        if coding == "gzip" {
            return q > 0.0;
        }
    }
    false
}

/// Go's `strconv.ParseFloat` as these callers use it: a syntax error reads as 0, an
/// out-of-range value as ±Inf (hexadecimal floats are not read).
fn go_parse_float(s: &str) -> f64 {
    s.parse::<f64>().unwrap_or(0.0)
}

/// Go's `cmp.Compare` on floats: NaN below everything, equal to itself.
fn go_compare(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

#[cfg(test)]
mod tests;
