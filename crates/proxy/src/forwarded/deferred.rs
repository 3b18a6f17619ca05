//! The gateway's own forwarded headers for a request nothing reads them from before it leaves
//! (no middleware, no captured headers): kept aside instead of inserted into the request's
//! map, and written by the HTTP/1.1 upstream fast path as it writes the head. Six map
//! insertions (each a hash of a custom name and a probe) and an allocation for the port were
//! a sixth of a proxied request's instructions. Every other way out (HTTP/2, hyper's client,
//! a TLS upstream) inserts them first ([`Deferred::insert`]), so a backend sees the same
//! fields either way.

use http::header::{HeaderMap, HeaderValue};

use super::{
    X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PORT, X_FORWARDED_PROTO, X_FORWARDED_SERVER,
    X_REAL_IP, port_of,
};

/// What [`ForwardedPolicy::rewrite`](super::ForwardedPolicy::rewrite) and
/// [`append_client`](super::ForwardedPolicy::append_client) would have set for an untrusted
/// client (whose own `X-Forwarded-*` are gone, so every field is set).
#[derive(Debug, Clone)]
pub(crate) struct Deferred {
    /// `X-Real-Ip` and `X-Forwarded-For`.
    pub(super) client_ip: HeaderValue,
    /// `X-Forwarded-Server`.
    pub(super) server: HeaderValue,
    /// `X-Forwarded-Host` (and the port of `X-Forwarded-Port`), when the request has one.
    pub(super) host: Option<HeaderValue>,
    pub(super) tls: bool,
    /// `X-Forwarded-For` is set (not `notAppendXForwardedFor`).
    pub(super) append_xff: bool,
}

// === impl Deferred ===

impl Deferred {
    /// `X-Forwarded-Proto` (never `ws`/`wss`: upgrades are not deferred).
    pub(crate) fn proto(&self) -> &'static str {
        if self.tls { "https" } else { "http" }
    }

    /// `X-Forwarded-Port`: the host's port, else the scheme's.
    fn port<'a>(&self, host: &'a str) -> &'a str {
        port_of(host).unwrap_or(if self.tls { "443" } else { "80" })
    }

    /// The host as text (`rewrite` sets neither field for one that is not).
    fn host(&self) -> Option<(&HeaderValue, &str)> {
        let value = self.host.as_ref()?;
        Some((value, value.to_str().ok()?))
    }

    /// Writes the fields as header lines, as the request head's own are written.
    pub(crate) fn write(&self, dst: &mut Vec<u8>) {
        line(dst, X_REAL_IP.as_str(), self.client_ip.as_bytes());
        line(dst, X_FORWARDED_PROTO.as_str(), self.proto().as_bytes());
        if let Some((value, host)) = self.host() {
            line(dst, X_FORWARDED_HOST.as_str(), value.as_bytes());
            line(dst, X_FORWARDED_PORT.as_str(), self.port(host).as_bytes());
        }
        line(dst, X_FORWARDED_SERVER.as_str(), self.server.as_bytes());
        if self.append_xff {
            line(dst, X_FORWARDED_FOR.as_str(), self.client_ip.as_bytes());
        }
    }

    /// Inserts the fields into `headers` (for every way out but the fast path's head).
    pub(crate) fn insert(&self, headers: &mut HeaderMap) {
        headers.reserve(6);
        headers.insert(&X_REAL_IP, self.client_ip.clone());
        headers.insert(&X_FORWARDED_PROTO, HeaderValue::from_static(self.proto()));
        if let Some((value, host)) = self.host() {
            headers.insert(&X_FORWARDED_HOST, value.clone());
            if let Ok(port) = HeaderValue::from_str(self.port(host)) {
                headers.insert(&X_FORWARDED_PORT, port);
            }
        }
        headers.insert(&X_FORWARDED_SERVER, self.server.clone());
        if self.append_xff {
            headers.insert(&X_FORWARDED_FOR, self.client_ip.clone());
        }
    }
}

fn line(dst: &mut Vec<u8>, name: &str, value: &[u8]) {
    dst.extend_from_slice(name.as_bytes());
    dst.extend_from_slice(b": ");
    dst.extend_from_slice(value);
    dst.extend_from_slice(b"\r\n");
}
