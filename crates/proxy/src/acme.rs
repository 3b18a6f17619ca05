//! The data plane's side of ACME challenges: what the ACME resolvers publish while an order
//! is being validated, and how the gateway answers the CA's validation requests.
//!
//! - **HTTP-01**: the internal router `acme-http@internal` (``PathPrefix(`/.well-known/acme-challenge/`)``,
//!   top priority, on each `httpChallenge.entryPoint`) sends requests to the service
//!   `acme-http@internal`, which answers the key authorization for (token, host without
//!   port), or 404 (reference §9).
//! - **TLS-ALPN-01**: a ClientHello offering only `acme-tls/1` for a name with a pending
//!   challenge is answered with the challenge certificate and closed after the handshake
//!   (RFC 8737), on any TLS entry point.
//!
//! The store outlives tables (one per gateway); resolvers write it, handshakes and requests
//! read it.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use http::header::HOST;
use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::rescue::text;
use crate::{Request, Response};

/// The ALPN protocol of TLS-ALPN-01 (RFC 8737).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// The internal service answering HTTP-01 challenges.
pub const ACME_HTTP_SERVICE: &str = "acme-http@internal";

/// The path prefix of HTTP-01 challenge requests.
pub const ACME_HTTP_PREFIX: &str = "/.well-known/acme-challenge/";

/// Pending challenges, shared by every resolver and every entry point.
#[derive(Debug, Default)]
pub struct AcmeChallenges {
    /// token → (host → key authorization).
    http: RwLock<HashMap<String, HashMap<String, String>>>,
    /// server name → challenge certificate.
    tls_alpn: RwLock<HashMap<String, Arc<CertifiedKey>>>,
}

// === impl AcmeChallenges ===

impl AcmeChallenges {
    /// Publishes an HTTP-01 key authorization for `token` on `host`.
    pub fn put_http(&self, token: &str, host: &str, key_authorization: &str) {
        let mut map = self.http.write().unwrap_or_else(PoisonError::into_inner);
        map.entry(token.to_string())
            .or_default()
            .insert(host.to_ascii_lowercase(), key_authorization.to_string());
    }

    /// Withdraws an HTTP-01 challenge.
    pub fn remove_http(&self, token: &str, host: &str) {
        let mut map = self.http.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(hosts) = map.get_mut(token) {
            hosts.remove(&host.to_ascii_lowercase());
            if hosts.is_empty() {
                map.remove(token);
            }
        }
    }

    /// The key authorization for `token` requested on `host` (without port).
    pub fn http(&self, token: &str, host: &str) -> Option<String> {
        let map = self.http.read().unwrap_or_else(PoisonError::into_inner);
        map.get(token)?.get(&host.to_ascii_lowercase()).cloned()
    }

    /// Publishes the TLS-ALPN-01 certificate for `name`.
    pub fn put_tls_alpn(&self, name: &str, cert: Arc<CertifiedKey>) {
        let mut map = self
            .tls_alpn
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        map.insert(name.to_ascii_lowercase(), cert);
    }

    /// Withdraws the TLS-ALPN-01 certificate for `name`.
    pub fn remove_tls_alpn(&self, name: &str) {
        let mut map = self
            .tls_alpn
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        map.remove(&name.to_ascii_lowercase());
    }

    /// A server configuration answering the TLS-ALPN-01 challenge for `name`, if one is
    /// pending: only TLS 1.2/1.3 with `acme-tls/1`, and only the challenge certificate.
    pub(crate) fn tls_alpn_config(&self, name: &str) -> Option<Arc<ServerConfig>> {
        let cert = self
            .tls_alpn
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()?;
        let mut cfg = ServerConfig::builder_with_provider(Arc::new(crate::tls::provider()))
            .with_safe_default_protocol_versions()
            .ok()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Fixed(cert)));
        cfg.alpn_protocols = vec![ACME_TLS_ALPN.to_vec()];
        Some(Arc::new(cfg))
    }

    /// Answers an HTTP-01 validation request (the `acme-http@internal` service).
    pub(crate) fn serve_http(&self, req: &Request) -> Response {
        let token = req
            .uri()
            .path()
            .strip_prefix(ACME_HTTP_PREFIX)
            .map(|t| t.strip_suffix('/').unwrap_or(t))
            .filter(|t| !t.is_empty() && !t.contains('/'));
        let host = req
            .uri()
            .host()
            .map(str::to_string)
            .or_else(|| {
                let h = req.headers().get(HOST)?.to_str().ok()?;
                Some(strip_port(h).to_string())
            })
            .unwrap_or_default();
        match token.and_then(|t| self.http(t, &host)) {
            Some(key_auth) => {
                let mut resp = Response::new(crate::Body::full(key_auth));
                resp.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("text/plain"),
                );
                resp
            }
            None => text(http::StatusCode::NOT_FOUND, "404 page not found\n"),
        }
    }
}

/// `host` without a `:port` suffix (IPv6 literals keep their brackets).
fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if !h.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            if h.starts_with('[') || !h.contains(':') {
                h
            } else {
                host
            }
        }
        _ => host,
    }
}

/// Whether a ClientHello asks for the TLS-ALPN-01 protocol.
pub(crate) fn offers_acme_tls(hello: &ClientHello<'_>) -> bool {
    hello
        .alpn()
        .is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN))
}

/// Always the same certificate.
#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str, host: &str) -> Request {
        http::Request::builder()
            .uri(uri)
            .header(HOST, host)
            .body(crate::Body::Empty)
            .expect("request")
    }

    #[test]
    fn http_challenge_by_token_and_host() {
        let c = AcmeChallenges::default();
        c.put_http("tok", "A.example.com", "tok.thumb");
        let ok = c.serve_http(&get("/.well-known/acme-challenge/tok", "a.example.com:80"));
        assert_eq!(ok.status(), http::StatusCode::OK);
        let other_host = c.serve_http(&get("/.well-known/acme-challenge/tok", "b.example.com"));
        assert_eq!(other_host.status(), http::StatusCode::NOT_FOUND);
        let nested = c.serve_http(&get("/.well-known/acme-challenge/tok/x", "a.example.com"));
        assert_eq!(nested.status(), http::StatusCode::NOT_FOUND);
        c.remove_http("tok", "a.example.com");
        assert!(c.http("tok", "a.example.com").is_none());
    }

    #[test]
    fn ports_are_stripped() {
        assert_eq!(strip_port("a.test:5002"), "a.test");
        assert_eq!(strip_port("a.test"), "a.test");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
        assert_eq!(strip_port("::1"), "::1");
    }
}
