//! Label values as Traefik computes them (`pkg/middlewares/metrics/metrics.go`): the method
//! (standard methods, else `EXTENSION_METHOD`), the protocol (`websocket`, `sse`,
//! `grpc-web`, `grpc`, else `http`), the TLS version and cipher suite names. On the request
//! path they are small indexes packed into a series key; the strings are only written when
//! `/metrics` is scraped.

use http::HeaderMap;
use http::header::{ACCEPT, CONNECTION, CONTENT_TYPE, UPGRADE};

use crate::body::Noted;

/// `method` label values, by index.
pub(crate) const METHODS: [&str; 11] = [
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "CONNECT",
    "OPTIONS",
    "TRACE",
    "PATCH",
    "PRI",
    "EXTENSION_METHOD",
];

/// `protocol` label values, by index.
pub(crate) const PROTOCOLS: [&str; 5] = ["http", "websocket", "sse", "grpc-web", "grpc"];
pub(crate) const GRPC_WEB: u8 = 3;
pub(crate) const GRPC: u8 = 4;

/// A request series key: method, protocol and status code (or gRPC status).
#[inline]
pub(crate) fn key(method: u8, protocol: u8, code: u16) -> u32 {
    (u32::from(method) << 20) | (u32::from(protocol) << 16) | u32::from(code)
}

/// The (method, protocol, code) of a key.
pub(crate) fn unpack(key: u32) -> (&'static str, &'static str, u16) {
    let method = METHODS
        .get(((key >> 20) & 0xF) as usize)
        .copied()
        .unwrap_or("EXTENSION_METHOD");
    let protocol = PROTOCOLS
        .get(((key >> 16) & 0xF) as usize)
        .copied()
        .unwrap_or("http");
    (method, protocol, (key & 0xFFFF) as u16)
}

/// Index of the `method` label value.
#[inline]
pub(crate) fn method(m: &http::Method) -> u8 {
    match m.as_str() {
        "GET" => 0,
        "HEAD" => 1,
        "POST" => 2,
        "PUT" => 3,
        "DELETE" => 4,
        "CONNECT" => 5,
        "OPTIONS" => 6,
        "TRACE" => 7,
        "PATCH" => 8,
        "PRI" => 9,
        // `http::Method` holds only valid tokens: NON_UTF8_HTTP_METHOD cannot arise.
        _ => 10,
    }
}

/// Index of the `protocol` label value, from the request headers (before hop-by-hop
/// headers are removed). `noted`: what the fast path saw (no `Upgrade` there), so only the
/// fields it has are looked up.
#[inline]
pub(crate) fn protocol(headers: &HeaderMap, noted: Option<Noted>) -> u8 {
    if noted.is_none()
        && contains(headers, &CONNECTION, "upgrade")
        && contains(headers, &UPGRADE, "websocket")
    {
        return 1;
    }
    if Noted::may_have(noted, Noted::ACCEPT) && contains(headers, &ACCEPT, "text/event-stream") {
        return 2;
    }
    let ct = Noted::may_have(noted, Noted::CONTENT_TYPE)
        .then(|| headers.get(CONTENT_TYPE))
        .flatten()
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if ct.starts_with(b"application/grpc-web") {
        GRPC_WEB
    } else if ct.starts_with(b"application/grpc") {
        GRPC
    } else {
        0
    }
}

/// Go's `containsHeader`: one of the comma-separated items of the first value, trimmed and
/// lowercased, equals `value`.
fn contains(headers: &HeaderMap, name: &http::HeaderName, value: &str) -> bool {
    headers
        .get(name)
        .is_some_and(|v| crate::tokens::lists(v.as_bytes(), value.as_bytes()))
}

/// The gRPC status of a response (headers or trailers), as Go's `codes.Code` parse: a
/// number, or `Unknown` (2) when missing or invalid.
pub(crate) fn grpc_status(headers: &HeaderMap) -> Option<u16> {
    let v = headers.get("grpc-status")?;
    Some(
        std::str::from_utf8(v.as_bytes())
            .ok()
            .and_then(|s| s.trim().parse::<u16>().ok())
            .filter(|c| *c <= 16)
            .unwrap_or(2),
    )
}

/// A TLS series key: protocol version and cipher suite, as on the wire.
pub(crate) fn tls_key(info: &crate::tls::TlsInfo) -> Option<u32> {
    let version = u16::from(info.version?);
    let suite = u16::from(info.cipher_suite?);
    Some((u32::from(version & 0x7FFF) << 16) | u32::from(suite))
}

/// `tls_version` and `tls_cipher` of a TLS key, with Go's names.
pub(crate) fn tls_names(key: u32) -> (&'static str, String) {
    let version = match key >> 16 {
        0x0301 => "1.0",
        0x0302 => "1.1",
        0x0303 => "1.2",
        0x0304 => "1.3",
        _ => "unknown",
    };
    let suite = rustls::CipherSuite::from((key & 0xFFFF) as u16);
    let name = format!("{suite:?}");
    // rustls spells the TLS 1.3 suites `TLS13_…`; Go (and Traefik) `TLS_…`.
    let name = match name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => name,
    };
    (version, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, http::HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn protocols_as_traefik() {
        let p = |pairs: &[(&'static str, &'static str)]| {
            PROTOCOLS[protocol(&headers(pairs), None) as usize]
        };
        assert_eq!(p(&[]), "http");
        assert_eq!(
            p(&[
                ("connection", "keep-alive, Upgrade"),
                ("upgrade", "WebSocket")
            ]),
            "websocket"
        );
        assert_eq!(p(&[("upgrade", "websocket")]), "http");
        assert_eq!(p(&[("accept", "text/html, text/event-stream")]), "sse");
        assert_eq!(
            p(&[("content-type", "application/grpc-web+proto")]),
            "grpc-web"
        );
        assert_eq!(p(&[("content-type", "application/grpc")]), "grpc");
    }

    #[test]
    fn noted_fields_give_the_same_protocol_as_lookups() {
        // Heads the fast path serves (no `Upgrade`), with what it would have noted.
        let cases: [&[(&'static str, &'static str)]; 5] = [
            &[],
            &[("accept", "text/event-stream")],
            &[("content-type", "application/grpc-web")],
            &[
                ("connection", "upgrade"),
                ("content-type", "application/grpc"),
            ],
            &[("accept", "*/*"), ("content-type", "text/plain")],
        ];
        for pairs in cases {
            let h = headers(pairs);
            let mut noted = Noted::default();
            for name in h.keys() {
                noted.note(name);
            }
            assert_eq!(protocol(&h, Some(noted)), protocol(&h, None), "{pairs:?}");
        }
        // Nothing noted: nothing is looked up.
        let sse = headers(&[("accept", "text/event-stream")]);
        assert_eq!(protocol(&sse, Some(Noted::default())), 0);
    }

    #[test]
    fn keys_round_trip() {
        let k = key(method(&http::Method::PATCH), 4, 503);
        assert_eq!(unpack(k), ("PATCH", "grpc", 503));
        let custom = http::Method::from_bytes(b"PURGE").expect("method");
        assert_eq!(unpack(key(method(&custom), 0, 200)).0, "EXTENSION_METHOD");
        assert_eq!(grpc_status(&headers(&[("grpc-status", "14")])), Some(14));
        assert_eq!(grpc_status(&headers(&[("grpc-status", "x")])), Some(2));
        assert_eq!(grpc_status(&headers(&[])), None);
    }

    #[test]
    fn tls_names_as_go() {
        assert_eq!(
            tls_names((0x0304 << 16) | 0x1301),
            ("1.3", "TLS_AES_128_GCM_SHA256".to_string())
        );
        assert_eq!(
            tls_names((0x0303 << 16) | 0xC02F),
            ("1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".to_string())
        );
    }
}
