//! Go's `net/url` path handling, as Traefik's path middlewares (`replacePath`,
//! `replacePathRegex`, `stripPrefixRegex`) rely on it: `PathUnescape`, `EscapedPath` (the raw
//! form kept when it is a valid encoding, else re-escaped), and the `JoinPath` sanitizing
//! check that makes them answer 400 when a rewrite leaves `//`, `.` or `..` segments.

use http::{HeaderValue, StatusCode, header};

use crate::{Body, Response};

/// `url.PathUnescape`: decodes `%XX` (not `+`); the error is Go's message.
pub(crate) fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
            match (hex(b.get(i + 1)), hex(b.get(i + 2))) {
                (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                _ => {
                    let end = (i + 3).min(b.len());
                    return Err(format!(
                        "invalid URL escape \"{}\"",
                        String::from_utf8_lossy(&b[i..end])
                    ));
                }
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Go's `shouldEscape(c, encodePath)`.
fn should_escape(c: u8) -> bool {
    !(c.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&c))
}

/// `url.PathEscape`-like escaping of a decoded path (Go's `escape(s, encodePath)`).
pub(crate) fn escape(p: &[u8]) -> String {
    let mut out = String::with_capacity(p.len());
    for &c in p {
        if should_escape(c) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(c as char);
        }
    }
    out
}

/// Go's `validEncoded(s, encodePath)`.
fn valid_encoded(s: &str) -> bool {
    s.bytes()
        .all(|c| b"!$&'()*+,;=:@[]%".contains(&c) || !should_escape(c))
}

/// The path Go sends for a `RawPath` of `raw` (`URL.EscapedPath`): `raw` itself when it is a
/// valid encoding, else the decoded path escaped again.
pub(crate) fn escaped_path(raw: &str) -> Result<String, String> {
    let decoded = unescape(raw)?;
    Ok(if valid_encoded(raw) {
        raw.to_string()
    } else {
        escape(&decoded)
    })
}

/// Whether Go's `URL.JoinPath()` would change the path `decoded` (escaped form `escaped`):
/// Traefik then rejects the rewritten request with 400.
pub(crate) fn join_path_changes(escaped: &str, decoded: &[u8]) -> bool {
    if decoded.is_empty() {
        return false;
    }
    let mut joined = if let Some(rest) = escaped.strip_prefix('/') {
        waygate_rules::go_clean(&format!("/{rest}"))
    } else {
        waygate_rules::go_clean(&format!("/{escaped}"))[1..].to_string()
    };
    if escaped.ends_with('/') && !joined.ends_with('/') {
        joined.push('/');
    }
    unescape(&joined).map_or(true, |j| j != decoded)
}

/// Go's `ensureLeadingSlash` (empty stays empty).
pub(crate) fn ensure_leading_slash(s: &str) -> String {
    if s.is_empty() || s.starts_with('/') {
        s.to_string()
    } else {
        format!("/{s}")
    }
}

/// `http.Error(rw, msg, status)`: text, `nosniff`, a trailing newline.
pub(crate) fn go_error(status: StatusCode, msg: &str) -> Response {
    let mut resp = Response::new(Body::full(format!("{msg}\n")));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// `http.Error` with the status's own text (`http.StatusText`).
pub(crate) fn go_status_error(status: StatusCode) -> Response {
    go_error(status, status.canonical_reason().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_and_escape_as_go() {
        assert_eq!(unescape("/a%2Fb+c").expect("valid"), b"/a/b+c");
        assert_eq!(
            unescape("/a%zz").expect_err("invalid"),
            "invalid URL escape \"%zz\""
        );
        assert_eq!(
            unescape("/a%4").expect_err("invalid"),
            "invalid URL escape \"%4\""
        );
        assert_eq!(escape(b"/a b/\xc3\xa9?"), "/a%20b/%C3%A9%3F");
        assert_eq!(escaped_path("/a b").expect("valid"), "/a%20b");
        assert_eq!(
            escaped_path("/a%2fb").expect("valid"),
            "/a%2fb",
            "valid raw kept"
        );
    }

    #[test]
    fn join_path_check() {
        let changes = |p: &str| join_path_changes(p, &unescape(p).expect("valid"));
        assert!(!changes("/a/b"));
        assert!(!changes("/a/b/"));
        assert!(!changes("/"));
        assert!(!changes("a/b"));
        assert!(changes("//a"));
        assert!(changes("/a/../b"));
        assert!(changes("/a/./b"));
        assert!(changes("/a/.."));
        assert!(!changes("/a%2F%2Fb"), "escaped slashes stay");
    }
}
