//! The gateway's own forwarded headers for a request nothing reads them from before it leaves
//! (no middleware, no captured headers): kept aside instead of inserted into the request's
//! map, and written by the HTTP/1.1 upstream fast path as it writes the head. Six map
//! insertions (each a hash of a custom name and a probe) and an allocation for the port were
//! a tenth of a proxied request's instructions. Every other way out (HTTP/2, hyper's client,
//! a TLS upstream) inserts them first ([`Deferred::insert`]), so a backend sees the same
//! fields either way.
//!
//! Four of the six fields are the same for every request of a connection ([`ConnLines`]:
//! made by its first deferred request, written with one copy); only `X-Forwarded-Host` and
//! `-Port` follow the request.

use std::sync::Arc;

use http::header::{HOST, HeaderMap, HeaderValue};

use super::{
    X_FORWARDED_FOR, X_FORWARDED_HOST, X_FORWARDED_PORT, X_FORWARDED_PROTO, X_FORWARDED_SERVER,
    X_REAL_IP, port_of,
};

/// A connection's part of the fields: `X-Real-Ip`, `X-Forwarded-Proto`, `-Server` and `-For`.
#[derive(Debug)]
pub(crate) struct ConnLines {
    /// `X-Real-Ip` and `X-Forwarded-For`.
    client_ip: HeaderValue,
    /// `X-Forwarded-Server`.
    server: HeaderValue,
    tls: bool,
    /// `X-Forwarded-For` is set (not `notAppendXForwardedFor`).
    append_xff: bool,
    /// The four as header lines.
    lines: Box<[u8]>,
}

impl ConnLines {
    pub(super) fn new(
        client_ip: &HeaderValue,
        server: &HeaderValue,
        tls: bool,
        append_xff: bool,
    ) -> Self {
        let mut lines = Vec::with_capacity(128);
        line(&mut lines, X_REAL_IP.as_str(), client_ip.as_bytes());
        line(
            &mut lines,
            X_FORWARDED_PROTO.as_str(),
            proto(tls).as_bytes(),
        );
        line(&mut lines, X_FORWARDED_SERVER.as_str(), server.as_bytes());
        if append_xff {
            line(&mut lines, X_FORWARDED_FOR.as_str(), client_ip.as_bytes());
        }
        Self {
            client_ip: client_ip.clone(),
            server: server.clone(),
            tls,
            append_xff,
            lines: lines.into_boxed_slice(),
        }
    }

    fn proto(&self) -> &'static str {
        proto(self.tls)
    }
}

/// `X-Forwarded-Proto` (never `ws`/`wss`: upgrades are not deferred).
fn proto(tls: bool) -> &'static str {
    if tls { "https" } else { "http" }
}

/// What [`ForwardedPolicy::rewrite`](super::ForwardedPolicy::rewrite) and
/// [`append_client`](super::ForwardedPolicy::append_client) would have set for an untrusted
/// client (whose own `X-Forwarded-*` are gone, so every field is set).
#[derive(Debug, Clone)]
pub(crate) struct Deferred {
    pub(super) conn: Arc<ConnLines>,
    /// `X-Forwarded-Host` (and the port of `X-Forwarded-Port`), when the request has one.
    pub(super) host: Option<HeaderValue>,
    /// An HTTP/2 request's authority, not in its map as `Host` (the handler leaves it out
    /// for the fast path): written first in the head, or inserted, unless the service set a
    /// `Host` of its own (`passHostHeader: false`).
    pub(crate) pending_host: Option<HeaderValue>,
}

// === impl Deferred ===

impl Deferred {
    /// `X-Forwarded-Proto`.
    pub(crate) fn proto(&self) -> &'static str {
        self.conn.proto()
    }

    /// `X-Forwarded-Port`: the host's port, else the scheme's.
    fn port<'a>(&self, host: &'a str) -> &'a str {
        port_of(host).unwrap_or(if self.conn.tls { "443" } else { "80" })
    }

    /// The host as text (`rewrite` sets neither field for one that is not).
    fn host(&self) -> Option<(&HeaderValue, &str)> {
        let value = self.host.as_ref()?;
        Some((value, value.to_str().ok()?))
    }

    /// Writes the fields as header lines, as the request head's own are written.
    pub(crate) fn write(&self, dst: &mut Vec<u8>) {
        dst.extend_from_slice(&self.conn.lines);
        if let Some((value, host)) = self.host() {
            let port = self.port(host);
            dst.reserve(40 + value.len() + port.len());
            dst.extend_from_slice(b"x-forwarded-host: ");
            dst.extend_from_slice(value.as_bytes());
            dst.extend_from_slice(b"\r\nx-forwarded-port: ");
            dst.extend_from_slice(port.as_bytes());
            dst.extend_from_slice(b"\r\n");
        }
    }

    /// The `Host` line to write first in the head, if the map has none.
    pub(crate) fn host_line(&self, headers: &HeaderMap) -> Option<&HeaderValue> {
        self.pending_host
            .as_ref()
            .filter(|_| !headers.contains_key(HOST))
    }

    /// Inserts the fields into `headers` (for every way out but the fast path's head), with
    /// the pending `Host` unless the request leaves as HTTP/2 (`:authority` carries it).
    pub(crate) fn insert(&self, headers: &mut HeaderMap, version: http::Version) {
        let c = &self.conn;
        headers.reserve(7);
        if version != http::Version::HTTP_2
            && let Some(h) = self.host_line(headers)
        {
            headers.insert(HOST, h.clone());
        }
        headers.insert(&X_REAL_IP, c.client_ip.clone());
        headers.insert(&X_FORWARDED_PROTO, HeaderValue::from_static(c.proto()));
        if let Some((value, host)) = self.host() {
            headers.insert(&X_FORWARDED_HOST, value.clone());
            if let Ok(port) = HeaderValue::from_str(self.port(host)) {
                headers.insert(&X_FORWARDED_PORT, port);
            }
        }
        headers.insert(&X_FORWARDED_SERVER, c.server.clone());
        if c.append_xff {
            headers.insert(&X_FORWARDED_FOR, c.client_ip.clone());
        }
    }
}

fn line(dst: &mut Vec<u8>, name: &str, value: &[u8]) {
    dst.extend_from_slice(name.as_bytes());
    dst.extend_from_slice(b": ");
    dst.extend_from_slice(value);
    dst.extend_from_slice(b"\r\n");
}
