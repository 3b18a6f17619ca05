//! DNS-01 challenge providers (`dnsChallenge.provider`, lego's names and environment
//! variables): `rfc2136` (dynamic update with TSIG), `exec`, `httpreq` and `cloudflare`, and
//! the propagation check that waits until the TXT record is visible.
//!
//! A provider publishes `_acme-challenge.<domain>. TXT <value>` before the challenge is
//! answered (`present`) and removes it afterwards (`cleanup`). Credentials and settings come
//! from environment variables, as in Traefik; a missing one is a clear error naming it.
//!
//! Layout: `provider` picks and dispatches the provider, one file per provider
//! (`rfc2136`, `exec`, `httpreq`, `cloudflare`), `env` reads lego-style variables,
//! `wire`/`zone` speak DNS (hickory-proto for the message format, tokio sockets), `http` is
//! the HTTPS client of the API providers, and `propagation` is the check run after `present`.

mod cloudflare;
mod env;
mod exec;
mod http;
mod httpreq;
mod propagation;
mod provider;
mod rfc2136;
mod wire;
mod zone;

pub use cloudflare::Cloudflare;
pub use exec::Exec;
pub use httpreq::HttpReq;
pub use propagation::{
    PropagationCheck, effective_fqdn, query_txt, wait_propagation, wait_propagation_with,
};
pub use provider::{DnsProvider, SUPPORTED_PROVIDERS};
pub use rfc2136::Rfc2136;

/// One DNS-01 record to publish or remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxtRecord {
    /// The domain being validated, without a `*.` prefix (`example.com`).
    pub domain: String,
    /// The record's owner name, absolute: `_acme-challenge.example.com.`.
    pub fqdn: String,
    /// The TXT value: base64url(SHA-256(key authorization)).
    pub value: String,
    /// The challenge token (for `RAW` modes of exec/httpreq).
    pub token: String,
    /// The key authorization (for `RAW` modes of exec/httpreq).
    pub key_auth: String,
}

/// A DNS provider failed; the message names the provider and what went wrong.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct DnsError(pub String);
