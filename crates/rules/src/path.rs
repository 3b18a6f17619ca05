//! The routing path: what `Path`, `PathPrefix` and `PathRegexp` are matched against.
//!
//! Traefik decodes percent-escapes in the (already sanitized) escaped request path, except for
//! reserved characters, which stay encoded so that `/foo%2Fbar` is not confused with `/foo/bar`.

use std::borrow::Cow;

/// Percent-escapes that stay encoded in the routing path: `: / ? # [ ] @ ! $ & ' ( ) * + , ; = %`.
const RESERVED: &[u8] = b":/?#[]@!$&'()*+,;=%";

/// A `%` not followed by two hex digits; the request is answered with 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid percent-escape in request path at byte {offset}")]
pub struct InvalidEscape {
    /// Byte offset of the `%`.
    pub offset: usize,
}

/// Go's `path.Clean`: lexical processing of `.`, `..` and repeated slashes (shared by the
/// path-rewriting middlewares and the template functions `clean`/`osClean`).
pub fn go_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Computes the routing path from the escaped request path.
///
/// Escapes of reserved characters are kept as written (`%2f` stays `%2f`). If decoding would
/// produce invalid UTF-8 (e.g. `%FF`), the non-ASCII escapes are left encoded instead. Borrows when
/// nothing needs decoding.
pub fn routing_path(raw_path: &str) -> Result<Cow<'_, str>, InvalidEscape> {
    let bytes = raw_path.as_bytes();
    if !bytes.contains(&b'%') {
        return Ok(Cow::Borrowed(raw_path));
    }
    let decoded = decode(bytes, true)?;
    match String::from_utf8(decoded) {
        Ok(s) => Ok(Cow::Owned(s)),
        Err(_) => {
            let ascii_only = decode(bytes, false)?;
            // Only ASCII escapes were decoded into an originally valid UTF-8 string.
            Ok(Cow::Owned(
                String::from_utf8_lossy(&ascii_only).into_owned(),
            ))
        }
    }
}

fn decode(bytes: &[u8], non_ascii: bool) -> Result<Vec<u8>, InvalidEscape> {
    rewrite_escapes(bytes, |value| {
        if RESERVED.contains(&value) || (!non_ascii && !value.is_ascii()) {
            Escape::Keep
        } else {
            Escape::Decode
        }
    })
}

/// What becomes of one percent-escape in [`rewrite_escapes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// The byte it stands for.
    Decode,
    /// The escape as written.
    Keep,
    /// The escape with upper-case hex digits (RFC 3986 §6.2.2.1).
    Upper,
}

/// Copies `bytes`, rewriting each `%XY` escape as `each` decides from the byte it stands
/// for; `Err` at the first `%` not followed by two hex digits.
pub fn rewrite_escapes(
    bytes: &[u8],
    mut each: impl FnMut(u8) -> Escape,
) -> Result<Vec<u8>, InvalidEscape> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let hex = |j: usize| bytes.get(j).and_then(|&h| char::from(h).to_digit(16));
        let (Some(hi), Some(lo)) = (hex(i + 1), hex(i + 2)) else {
            return Err(InvalidEscape { offset: i });
        };
        // Both digits are below 16, so the value fits a byte.
        let value = (hi * 16 + lo) as u8;
        match each(value) {
            Escape::Decode => out.push(value),
            Escape::Keep => out.extend_from_slice(&bytes[i..i + 3]),
            Escape::Upper => {
                out.push(b'%');
                out.push(bytes[i + 1].to_ascii_uppercase());
                out.push(bytes[i + 2].to_ascii_uppercase());
            }
        }
        i += 3;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_unreserved_only() {
        assert_eq!(routing_path("/foo%20bar").as_deref(), Ok("/foo bar"));
        assert_eq!(routing_path("/foo%2Fbar").as_deref(), Ok("/foo%2Fbar"));
        assert_eq!(routing_path("/a%2fb%25%3F").as_deref(), Ok("/a%2fb%25%3F"));
        assert_eq!(routing_path("/%C3%A9%41").as_deref(), Ok("/éA"));
        assert_eq!(routing_path("/%FF%41").as_deref(), Ok("/%FFA"));
        assert!(matches!(
            routing_path("/plain"),
            Ok(Cow::Borrowed("/plain"))
        ));
        assert_eq!(routing_path("/a%2"), Err(InvalidEscape { offset: 2 }));
        assert_eq!(routing_path("/a%zz"), Err(InvalidEscape { offset: 2 }));
    }
}
