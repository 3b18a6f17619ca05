//! Comma-separated header values (RFC 9110 §5.6.1: `Connection`, `Transfer-Encoding`,
//! `Upgrade`, …) read as bytes: items trimmed of whitespace, compared case-insensitively.

use http::HeaderMap;
use http::header::{CONNECTION, HeaderName};

/// Whether `value` lists `token`.
pub(crate) fn lists(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|item| item.trim_ascii().eq_ignore_ascii_case(token))
}

/// Whether the last item of `value` is `token` (`chunked` must be the last coding).
pub(crate) fn last_is(value: &[u8], token: &[u8]) -> bool {
    value
        .rsplit(|&b| b == b',')
        .next()
        .is_some_and(|item| item.trim_ascii().eq_ignore_ascii_case(token))
}

/// The fields a message's `Connection` fields name (RFC 9110 §7.6.1): this hop's own, for
/// the proxy to remove, on requests as on responses (Go's `removeHopByHopHeaders`). An item
/// that is no field name names nothing; so does a value that is not visible ASCII.
/// `keep-alive` is left out: it is hop-by-hop by itself, removed with the others, and
/// parsing it (a custom name) would cost an allocation on every response of a backend that
/// says `Connection: keep-alive`, as nginx does.
pub(crate) fn connection_listed(headers: &HeaderMap) -> Vec<HeaderName> {
    let mut listed = Vec::new();
    for value in headers.get_all(CONNECTION) {
        let Ok(value) = value.to_str() else {
            continue;
        };
        for item in value.split(',').map(str::trim) {
            if item.is_empty() || item.eq_ignore_ascii_case("keep-alive") {
                continue;
            }
            if let Ok(name) = item.parse::<HeaderName>() {
                listed.push(name);
            }
        }
    }
    listed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_trimmed_and_compared_case_insensitively() {
        assert!(lists(b"keep-alive, Close", b"close"));
        assert!(lists(b" close ", b"close"));
        assert!(!lists(b"closed, x", b"close"));
        assert!(!lists(b"", b"close"));
        assert!(last_is(b"gzip, Chunked ", b"chunked"));
        assert!(!last_is(b"chunked, gzip", b"chunked"));
    }

    #[test]
    fn connection_lists_field_names_across_its_fields() {
        let mut h = HeaderMap::new();
        h.append(
            CONNECTION,
            "X-A, keep-alive, ,close".parse().expect("value"),
        );
        h.append(CONNECTION, "x-b, bad name".parse().expect("value"));
        h.append(
            CONNECTION,
            http::HeaderValue::from_bytes(b"x-c, \xff").expect("value"),
        );
        let names: Vec<_> = connection_listed(&h)
            .into_iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, ["x-a", "close", "x-b"]);
        assert!(connection_listed(&HeaderMap::new()).is_empty());
    }
}
