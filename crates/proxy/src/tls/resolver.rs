//! Certificate selection per handshake: rustls asks the option's resolver, which looks the
//! SNI up in the certificate store of the table the handshake started with.

use std::sync::Arc;

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tracing::debug;

use super::normalize_server_name;
use super::store::CertStore;

/// Resolves certificates from a store; with `sniStrict`, refuses handshakes without SNI or
/// whose SNI no certificate covers.
#[derive(Debug)]
pub(crate) struct StoreResolver {
    store: Arc<CertStore>,
    sni_strict: bool,
}

// === impl StoreResolver ===

impl StoreResolver {
    pub(crate) fn new(store: Arc<CertStore>, sni_strict: bool) -> Self {
        Self { store, sni_strict }
    }

    /// The certificate for a server name (`None` = no SNI).
    pub(crate) fn select(&self, server_name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        let Some(name) = server_name.map(normalize_server_name) else {
            if self.sni_strict {
                debug!("TLS handshake refused: no SNI and sniStrict");
                return None;
            }
            return self.store.default_cert().cloned();
        };
        if let Some(key) = self.store.find(&name) {
            return Some(key.clone());
        }
        if self.sni_strict && !self.store.default_covers(&name) {
            debug!(sni = %name, "TLS handshake refused: no certificate for the SNI and sniStrict");
            return None;
        }
        self.store.default_cert().cloned()
    }
}

impl ResolvesServerCert for StoreResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.select(hello.server_name())
    }
}
