//! The **tls** stage: TLS termination on entry points.
//!
//! Per table (`compile`): the certificate store (`store`, Traefik's `default` store, filled by
//! `certificates`, which `waygate check` runs too; `keypair` pairs a chain with its key), one
//! rustls `ServerConfig` per TLS option (`options`, with `names` for Go's cipher suite and
//! curve names and `client_auth` for `clientAuth`), and per entry point the map from server
//! name to TLS option built from its TLS routers' `Host()` values (`sni`).
//!
//! Per connection (`accept`): the entry point's accept loop peeks the first byte; a TLS
//! record (0x16) goes through `accept::handshake`, which reads the ClientHello, picks the
//! option's `ServerConfig` by SNI from the table current at that moment, and completes the
//! handshake; the certificate is chosen by that config's resolver (`resolver`) from the same
//! table's store. New certificates and options therefore apply to the next handshake after a
//! reload; listeners are never rebound.
//!
//! State that outlives tables ([`TlsShared`]): the generated default certificate and the
//! session-ticket keys. Crypto comes from one provider, aws-lc-rs (`provider()`).

mod accept;
mod certificates;
mod client_auth;
mod compile;
mod default_cert;
pub(crate) mod keypair;
pub(crate) mod names;
mod options;
pub(crate) mod pem;
mod probe;
mod resolver;
mod sni;
mod store;
mod summary;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
mod trusted;

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::server::ProducesTickets;
use rustls::sign::CertifiedKey;
use tracing::warn;

pub(crate) use self::accept::TlsInfo;
pub(crate) use self::accept::{TLS_HANDSHAKE, handshake};
pub use self::certificates::check as check_certificates;
pub(crate) use self::compile::TlsCompiler;
pub(crate) use self::default_cert::DEFAULT_CN;
pub(crate) use self::probe::presented_chain;
pub(crate) use self::sni::{SniOptions, SniOptionsBuilder};
pub(crate) use self::store::covers as name_covers;
pub(crate) use self::trusted::signature_error;
pub use self::trusted::{TrustedVerifier, describe as describe_error};

/// TLS state that outlives tables: created once per gateway, handed to every compilation.
#[derive(Debug, Clone)]
pub struct TlsShared {
    /// The self-signed `WAYGATE DEFAULT CERT`, if it could be generated.
    generated_default: Option<Arc<CertifiedKey>>,
    /// Session-ticket keys (rotated by rustls), shared by every option and every table so a
    /// reload does not invalidate tickets already issued.
    ticketer: Option<Arc<dyn ProducesTickets>>,
}

// === impl TlsShared ===

impl TlsShared {
    /// Generates the default certificate and the ticket keys. Failures are logged; handshakes
    /// that would need what failed fail instead.
    pub fn new() -> Self {
        let generated_default = default_cert::generate()
            .inspect_err(|e| warn!(error = %e, "cannot generate the default TLS certificate"))
            .ok();
        let ticketer = rustls::crypto::aws_lc_rs::Ticketer::new()
            .inspect_err(|e| warn!(error = %e, "cannot create TLS session-ticket keys"))
            .ok();
        Self {
            generated_default,
            ticketer,
        }
    }
}

impl Default for TlsShared {
    fn default() -> Self {
        Self::new()
    }
}

/// The crypto provider every TLS configuration is built from (aws-lc-rs). One function, so
/// a switch of provider stays a one-line change.
pub(crate) fn provider() -> CryptoProvider {
    rustls::crypto::aws_lc_rs::default_provider()
}

/// A server name as certificates and rules compare it: lowercase, without a trailing dot.
pub(crate) fn normalize_server_name(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}
