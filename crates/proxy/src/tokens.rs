//! Comma-separated header values (RFC 9110 §5.6.1: `Connection`, `Transfer-Encoding`,
//! `Upgrade`, …) read as bytes: items trimmed of whitespace, compared case-insensitively.

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
}
