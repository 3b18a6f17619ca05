//! The generated default certificate: self-signed, CN `WAYGATE DEFAULT CERT` (Traefik's is
//! `TRAEFIK DEFAULT CERT`), served when no certificate matches the server name and
//! `tls.stores.default.defaultCertificate` is not set. Generated once per gateway and reused
//! by every table, so reloads do not change it.

use std::sync::Arc;

use rcgen::{CertificateParams, DnType, KeyPair};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The subject common name of the generated default certificate.
pub(crate) const DEFAULT_CN: &str = "WAYGATE DEFAULT CERT";

/// Generates the default certificate (ECDSA P-256).
pub(crate) fn generate() -> Result<Arc<CertifiedKey>, String> {
    let key = KeyPair::generate().map_err(|e| e.to_string())?;
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    params
        .distinguished_name
        .push(DnType::CommonName, DEFAULT_CN);
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let ck = CertifiedKey::from_der(vec![cert.der().clone()], der, &super::provider())
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(ck))
}
