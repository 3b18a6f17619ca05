//! Matcher names: the four accepted spellings, the tables per syntax, and did-you-mean hints.

use crate::Syntax;
use crate::error::ErrorKind;

pub(crate) const HTTP_V3: &[&str] = &[
    "Host",
    "HostRegexp",
    "Path",
    "PathPrefix",
    "PathRegexp",
    "Method",
    "Header",
    "HeaderRegexp",
    "Query",
    "QueryRegexp",
    "ClientIP",
];

pub(crate) const HTTP_V2: &[&str] = &[
    "Host",
    "HostHeader",
    "HostRegexp",
    "Path",
    "PathPrefix",
    "Method",
    "Headers",
    "HeadersRegexp",
    "Query",
    "ClientIP",
];

pub(crate) const TCP: &[&str] = &["HostSNI", "HostSNIRegexp", "ClientIP", "ALPN"];

/// Renames between syntaxes, used for hints: (v2 name, v3 name).
const RENAMES: &[(&str, &str)] = &[
    ("Headers", "Header"),
    ("HeadersRegexp", "HeaderRegexp"),
    ("HostHeader", "Host"),
];

/// The names valid for an HTTP rule of `syntax`.
pub(crate) fn http(syntax: Syntax) -> &'static [&'static str] {
    match syntax {
        Syntax::V2 => HTTP_V2,
        Syntax::V3 => HTTP_V3,
    }
}

/// Resolves `name` to its canonical spelling in `table`, or explains why it is unknown.
pub(crate) fn resolve(name: &str, table: &[&'static str]) -> Result<&'static str, ErrorKind> {
    table
        .iter()
        .find(|canon| accepted(name, canon))
        .copied()
        .ok_or_else(|| ErrorKind::UnknownMatcher {
            name: name.to_owned(),
            suggestion: suggest(name, table),
        })
}

/// Exact, all-lower, all-upper, or first-letter-upper-rest-lower.
fn accepted(name: &str, canon: &str) -> bool {
    if name == canon || name == canon.to_ascii_lowercase() || name == canon.to_ascii_uppercase() {
        return true;
    }
    let mut chars = canon.chars();
    let capitalized: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars.map(|c| c.to_ascii_lowercase()))
        .collect();
    name == capitalized
}

fn suggest(name: &str, table: &[&'static str]) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if let Some(canon) = table.iter().find(|c| c.eq_ignore_ascii_case(name)) {
        return Some((*canon).to_owned());
    }
    for (v2, v3) in RENAMES {
        for (from, to) in [(v2, v3), (v3, v2)] {
            if from.eq_ignore_ascii_case(name) && table.contains(to) {
                return Some((*to).to_owned());
            }
        }
    }
    table
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| (*c).to_owned())
}

/// Levenshtein distance, for short names only.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_spellings() {
        for ok in ["PathPrefix", "pathprefix", "PATHPREFIX", "Pathprefix"] {
            assert_eq!(resolve(ok, HTTP_V3), Ok("PathPrefix"));
        }
        assert_eq!(resolve("clientip", HTTP_V3), Ok("ClientIP"));
        assert_eq!(resolve("Clientip", HTTP_V3), Ok("ClientIP"));
        let err = resolve("pathPrefix", HTTP_V3).expect_err("mixed case");
        assert_eq!(
            err.to_string(),
            "unknown matcher `pathPrefix` (did you mean `PathPrefix`?)"
        );
    }

    #[test]
    fn hints() {
        let hint = |n, t| match resolve(n, t) {
            Err(ErrorKind::UnknownMatcher { suggestion, .. }) => suggestion,
            Ok(_) => None,
            Err(_) => None,
        };
        assert_eq!(hint("Headers", HTTP_V3).as_deref(), Some("Header"));
        assert_eq!(hint("Header", HTTP_V2).as_deref(), Some("Headers"));
        assert_eq!(hint("Hots", HTTP_V3).as_deref(), Some("Host"));
        assert_eq!(hint("rulewithnotmatcher", HTTP_V3), None);
    }
}
