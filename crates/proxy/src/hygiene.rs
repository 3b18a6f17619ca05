//! The **http** stage's checks on a request head, before routing: one authority (RFC 9112
//! §3.2.2, RFC 9113 §8.3.1), a transfer coding we can honour, header lines within the
//! per-line limit, and the entry point's `underscoreHeadersStrategy`. What passes is what
//! routers match and backends receive: the authority routed on is the `Host` forwarded.

use http::header::{HOST, HeaderValue, TRANSFER_ENCODING};
use http::{HeaderMap, Uri, Version};

use crate::rescue::ProxyError;

/// The longest header line (name, `: ` and value) accepted. The whole head is bounded by
/// `http.maxHeaderBytes` (1 MiB by default, as Traefik); a single line of 32 KiB is already
/// four times what nginx accepts by default (`large_client_header_buffers 4 8k`).
pub const MAX_HEADER_LINE: usize = 32 * 1024;

/// `http.underscoreHeadersStrategy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Underscores {
    #[default]
    Keep,
    Delete,
    Reject,
}

// === impl Underscores ===

impl Underscores {
    /// `keep` (or empty), `delete`, `reject`; anything else is refused by validation.
    pub fn parse(s: &str) -> Self {
        match s {
            "delete" => Underscores::Delete,
            "reject" => Underscores::Reject,
            _ => Underscores::Keep,
        }
    }
}

/// Settles the request's authority: the absolute-form target or `:authority` wins and is
/// written into `Host` (replacing whatever the client sent there); several `Host` headers,
/// an HTTP/1.1 request without one, userinfo in the authority, or characters no host can
/// hold are a bad request. Returns the authority, if the request has one.
pub fn settle_authority(
    version: Version,
    uri: &Uri,
    headers: &mut HeaderMap,
) -> Result<Option<HeaderValue>, ProxyError> {
    settle_authority_deferring(version, uri, headers, false).map(|(authority, _)| authority)
}

/// [`settle_authority`]; with `defer_h2`, an HTTP/2 request without a `Host` field keeps
/// none: its authority is checked and returned with `true` (pending), for the caller to
/// insert, or to have the HTTP/1.1 upstream write with the head (`forwarded::Deferred`).
/// The insertion (a copy of the value and a map insertion, which with h2 0.4.21's small
/// maps also grew the map) was ~565 instructions of every HTTP/2 request.
pub(crate) fn settle_authority_deferring(
    version: Version,
    uri: &Uri,
    headers: &mut HeaderMap,
    defer_h2: bool,
) -> Result<(Option<HeaderValue>, bool), ProxyError> {
    let mut hosts = headers.get_all(HOST).iter();
    let first = hosts.next().cloned();
    if hosts.next().is_some() {
        return Err(ProxyError::BadRequest("several Host headers"));
    }
    if let Some(authority) = uri.authority() {
        let a = authority.as_str();
        if a.contains('@') || !valid_host(a.as_bytes()) {
            return Err(ProxyError::BadRequest("malformed request authority"));
        }
        if first.as_ref().is_some_and(|h| h.as_bytes() == a.as_bytes()) {
            return Ok((first, false));
        }
        let value =
            HeaderValue::from_str(a).map_err(|_| ProxyError::BadRequest("malformed authority"))?;
        if defer_h2 && version == Version::HTTP_2 && first.is_none() {
            return Ok((Some(value), true));
        }
        headers.insert(HOST, value.clone());
        return Ok((Some(value), false));
    }
    match first {
        Some(h) if valid_host(h.as_bytes()) => Ok((Some(h), false)),
        Some(_) => Err(ProxyError::BadRequest("malformed Host header")),
        None if version == Version::HTTP_11 => Err(ProxyError::BadRequest("missing Host header")),
        None => Ok((None, false)),
    }
}

/// Go's `httpguts.ValidHostHeader`: the characters of a reg-name, an IP literal and a port.
pub(crate) fn valid_host(h: &[u8]) -> bool {
    h.iter().all(|&c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b'-'
                    | b'.'
                    | b':'
                    | b';'
                    | b'='
                    | b'['
                    | b']'
                    | b'_'
                    | b'~'
            )
    })
}

/// `Transfer-Encoding` must be exactly `chunked` once (HTTP/1.x): a repeated `chunked` is a
/// bad request, any other coding is not implemented (as Go's server answers). Returns
/// whether the body is chunked.
pub fn check_transfer_encoding(headers: &HeaderMap) -> Result<bool, ProxyError> {
    let mut chunked = 0usize;
    for value in headers.get_all(TRANSFER_ENCODING) {
        let Ok(text) = value.to_str() else {
            return Err(ProxyError::BadRequest("malformed Transfer-Encoding"));
        };
        for coding in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            if coding.eq_ignore_ascii_case("chunked") {
                chunked += 1;
            } else {
                return Err(ProxyError::NotImplemented);
            }
        }
    }
    if chunked > 1 {
        return Err(ProxyError::BadRequest("chunked applied more than once"));
    }
    Ok(chunked == 1)
}

/// Header lines past [`MAX_HEADER_LINE`] are refused (431); underscores in names are kept,
/// removed or refused as the entry point says. Even when they are kept, the underscore
/// spellings of framing and connection headers (`Transfer_Encoding`, `Content_Length`, …) are
/// removed: a backend that folds `_` into `-` (CGI, WSGI) would otherwise read a framing the
/// gateway did not.
pub fn check_headers(headers: &mut HeaderMap, underscores: Underscores) -> Result<(), ProxyError> {
    let mut has_underscore = false;
    for (name, value) in headers.iter() {
        if name.as_str().len() + value.len() + 2 > MAX_HEADER_LINE {
            return Err(ProxyError::HeaderTooLarge);
        }
        has_underscore |= name.as_str().as_bytes().contains(&b'_');
    }
    if has_underscore {
        if underscores == Underscores::Reject {
            return Err(ProxyError::BadRequest("header name with an underscore"));
        }
        let keep = underscores == Underscores::Keep;
        let doomed: Vec<_> = headers
            .keys()
            .filter(|n| n.as_str().contains('_') && (!keep || is_framing(n.as_str())))
            .cloned()
            .collect();
        for name in doomed {
            headers.remove(name);
        }
    }
    Ok(())
}

/// Whether an underscore spelling names a header that frames or routes the message.
fn is_framing(name: &str) -> bool {
    matches!(
        name.replace('_', "-").as_str(),
        "transfer-encoding"
            | "content-length"
            | "host"
            | "connection"
            | "upgrade"
            | "te"
            | "trailer"
    )
}

/// `http.encodeQuerySemicolons`: `;` in the query becomes `%3B` (Go otherwise passes it on
/// as written, as `http.AllowQuerySemicolons`).
pub fn encode_query_semicolons(query: &str) -> Option<String> {
    query.contains(';').then(|| query.replace(';', "%3B"))
}

#[cfg(test)]
mod tests;
