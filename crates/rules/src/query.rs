//! Query-string matching with Go's `url.ParseQuery` semantics, without allocating.
//!
//! Pairs are split on `&`; a segment containing `;` is ignored (Go ≥ 1.17); keys and values are
//! URL-decoded (`%XX`, `+` → space) and a pair with an invalid escape is ignored. Equality is
//! checked by decoding on the fly; regexps need the decoded value as a `str`, which is decoded into
//! a 256-byte stack buffer, falling back to a heap allocation only for longer values.

use std::borrow::Cow;

use regex::Regex;

const STACK_BUF: usize = 256;

/// v3 `Query(k, v)` / `Query(k)` (v = ""): some value of `key` equals `value`.
pub(crate) fn has_value(query: &str, key: &str, value: &str) -> bool {
    pairs(query, false).any(|(k, v)| decoded_eq(k, key) && decoded_eq(v, value))
}

/// v3 `QueryRegexp(k, re)`: some value of `key` matches `re`.
pub(crate) fn any_value_matches(query: &str, key: &str, re: &Regex) -> bool {
    pairs(query, false)
        .filter(|(k, _)| decoded_eq(k, key))
        .any(|(_, v)| with_decoded(v, |s| s.is_some_and(|s| re.is_match(s))))
}

/// v2 (gorilla/mux) `Query(`k=v`)`: the *first* value of `key` (pairs split on `&` or `;`) matches
/// the anchored `re`; a missing key never matches.
pub(crate) fn first_value_matches(query: &str, key: &str, re: &Regex) -> bool {
    match pairs(query, true).find(|(k, _)| decoded_eq(k, key)) {
        Some((_, v)) => with_decoded(v, |s| s.is_some_and(|s| re.is_match(s))),
        None => false,
    }
}

/// The decoded values of `key`, as the matchers see them (a value with an invalid escape,
/// which nothing matches, shows as `(invalid escape)`; with `gorilla`, only the first value
/// counts). For traces, not for matching.
pub(crate) fn decoded_values(query: &str, key: &str, gorilla: bool) -> Vec<String> {
    let values = pairs(query, gorilla)
        .filter(|(k, _)| decoded_eq(k, key))
        .take(if gorilla { 1 } else { usize::MAX })
        .map(|(_, v)| Decode::new(v).collect::<Option<Vec<u8>>>());
    values
        .map(|v| v.map_or_else(|| "(invalid escape)".to_owned(), |b| lossy(&b)))
        .collect()
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Raw `(key, value)` pairs; with `gorilla`, `;` also separates pairs instead of voiding them.
fn pairs(query: &str, gorilla: bool) -> impl Iterator<Item = (&str, &str)> {
    let seps: &[char] = if gorilla { &['&', ';'] } else { &['&'] };
    query
        .split(seps)
        .filter(move |seg| !seg.is_empty() && (gorilla || !seg.contains(';')))
        .map(|seg| seg.split_once('=').unwrap_or((seg, "")))
}

/// Compares the URL-decoding of `raw` with `want`; an invalid escape never compares equal.
fn decoded_eq(raw: &str, want: &str) -> bool {
    let mut want = want.bytes();
    for b in Decode::new(raw) {
        match (b, want.next()) {
            (Some(got), Some(w)) if got == w => {}
            _ => return false,
        }
    }
    want.next().is_none()
}

/// Calls `f` with the decoded value, or `None` if it has an invalid escape.
fn with_decoded<R>(raw: &str, f: impl FnOnce(Option<&str>) -> R) -> R {
    if !raw.contains(['%', '+']) {
        return f(Some(raw));
    }
    let mut buf = [0u8; STACK_BUF];
    let mut heap = Vec::new();
    let mut len = 0;
    for b in Decode::new(raw) {
        let Some(b) = b else { return f(None) };
        if len < STACK_BUF {
            buf[len] = b;
        } else {
            if heap.is_empty() {
                heap.extend_from_slice(&buf);
            }
            heap.push(b);
        }
        len += 1;
    }
    let bytes = if len <= STACK_BUF {
        &buf[..len]
    } else {
        &heap[..]
    };
    // Go regexps see invalid UTF-8 as U+FFFD; lossy conversion gives the same view.
    let text = String::from_utf8_lossy(bytes);
    f(Some(match &text {
        Cow::Borrowed(s) => s,
        Cow::Owned(s) => s.as_str(),
    }))
}

/// Decodes `%XX` and `+`; yields `None` (once, then stops) on an invalid escape.
struct Decode<'a> {
    bytes: &'a [u8],
    i: usize,
}

// === impl Decode ===

impl<'a> Decode<'a> {
    fn new(raw: &'a str) -> Self {
        Self {
            bytes: raw.as_bytes(),
            i: 0,
        }
    }
}

impl Iterator for Decode<'_> {
    type Item = Option<u8>;

    fn next(&mut self) -> Option<Option<u8>> {
        let b = *self.bytes.get(self.i)?;
        self.i += 1;
        Some(match b {
            b'+' => Some(b' '),
            b'%' => {
                let hex = |j: usize| self.bytes.get(j).and_then(|&h| char::from(h).to_digit(16));
                match (hex(self.i), hex(self.i + 1)) {
                    (Some(hi), Some(lo)) => {
                        self.i += 2;
                        Some((hi * 16 + lo) as u8)
                    }
                    _ => {
                        self.i = self.bytes.len();
                        None
                    }
                }
            }
            other => Some(other),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_decodes() {
        assert!(has_value("q=a+b%21", "q", "a b!"));
        assert!(has_value("x=1&q%20k=v", "q k", "v"));
        assert!(!has_value("q=%zz", "q", "%zz"));
        assert!(!has_value("q=a;b", "q", "a;b"));
        assert!(has_value("q=a;b&q=c", "q", "c"));
        assert!(has_value("mobile", "mobile", ""));
        assert!(has_value("mobile=", "mobile", ""));
        assert!(!has_value("mobile=true", "mobile", ""));
        assert!(!has_value("q=ab", "q", "a"));
        assert!(!has_value("q=a", "q", "ab"));
    }

    #[test]
    fn regex_values() {
        let re = Regex::new("^a b$").expect("valid");
        assert!(any_value_matches("q=x&q=a+b", "q", &re));
        assert!(!any_value_matches("q=a%2", "q", &re));
        let long = format!("q={}", "%61".repeat(300));
        let re = Regex::new("^a{300}$").expect("valid");
        assert!(any_value_matches(&long, "q", &re));
    }

    #[test]
    fn gorilla_first_value() {
        let re = Regex::new("^v$").expect("valid");
        assert!(first_value_matches("a=1;k=v", "k", &re));
        assert!(!first_value_matches("k=x&k=v", "k", &re));
        assert!(!first_value_matches("a=1", "k", &re));
    }
}
