//! Reading certificates and keys named by the configuration: a file path or inline PEM (a
//! value that starts with `-----BEGIN`), as Traefik accepts for `certFile`, `keyFile` and
//! `caFiles`.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use waygate_config::types::is_inline_content;

/// Every certificate of a PEM file or inline value, in order (leaf first for a chain).
pub(crate) fn certificates(value: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let parsed: Result<Vec<_>, _> = if is_inline_content(value) {
        CertificateDer::pem_slice_iter(value.as_bytes()).collect()
    } else {
        CertificateDer::pem_file_iter(value)
            .map_err(|e| format!("cannot read `{value}`: {e}"))?
            .collect()
    };
    let certs = parsed.map_err(|e| format!("{}: invalid PEM: {e}", origin(value)))?;
    if certs.is_empty() {
        return Err(format!("{}: no CERTIFICATE block", origin(value)));
    }
    Ok(certs)
}

/// The first private key (PKCS#8, PKCS#1 or SEC1) of a PEM file or inline value.
pub(crate) fn private_key(value: &str) -> Result<PrivateKeyDer<'static>, String> {
    let key = if is_inline_content(value) {
        PrivateKeyDer::from_pem_slice(value.as_bytes())
    } else {
        PrivateKeyDer::from_pem_file(value)
    };
    key.map_err(|e| format!("{}: no usable private key: {e}", origin(value)))
}

/// How to name a value in errors: the path, or "inline PEM" (never the key material).
pub(crate) fn origin(value: &str) -> String {
    if is_inline_content(value) {
        "inline PEM".to_string()
    } else {
        format!("`{value}`")
    }
}
