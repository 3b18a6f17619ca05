//! The collector connection's TLS (`tls.ca`, `tls.cert`/`tls.key`, `tls.insecureSkipVerify`),
//! as Traefik's `ClientTLS`: `ca` and `cert`/`key` are file paths or the PEM itself; without
//! `ca` the system roots are trusted.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{self, WebPkiSupportedAlgorithms};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use waygate_config::static_config::ClientTls;

use super::ExportError;

/// `insecureSkipVerify`: any certificate for any name (the handshake signature is still
/// checked, so the server owns the key it presents).
#[derive(Debug)]
struct AcceptAny(WebPkiSupportedAlgorithms);

/// A client configuration (the connector sets ALPN: `h2` for gRPC).
pub(crate) fn client_config(tls: Option<&ClientTls>) -> Result<ClientConfig, ExportError> {
    let tls = tls.cloned().unwrap_or_default();
    let builder = ClientConfig::builder();
    let builder = if tls.insecure_skip_verify {
        let provider = builder.crypto_provider().clone();
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(
                provider.signature_verification_algorithms,
            )))
    } else {
        let mut roots = RootCertStore::empty();
        if tls.ca.is_empty() {
            let native = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(native.certs);
        } else {
            for cert in certs(&tls.ca)? {
                roots
                    .add(cert)
                    .map_err(|e| ExportError::Tls(format!("tls.ca: {e}")))?;
            }
        }
        builder.with_root_certificates(roots)
    };
    Ok(if tls.cert.is_empty() && tls.key.is_empty() {
        builder.with_no_client_auth()
    } else {
        let key = PrivateKeyDer::from_pem_slice(&pem_bytes(&tls.key)?)
            .map_err(|e| ExportError::Tls(format!("tls.key: {e}")))?;
        builder
            .with_client_auth_cert(certs(&tls.cert)?, key)
            .map_err(|e| ExportError::Tls(format!("tls.cert/tls.key: {e}")))?
    })
}

/// A path to a PEM file, or the PEM itself.
fn pem_bytes(value: &str) -> Result<Vec<u8>, ExportError> {
    if value.contains("-----BEGIN") {
        return Ok(value.as_bytes().to_vec());
    }
    std::fs::read(value).map_err(|e| ExportError::Tls(format!("{value}: {e}")))
}

fn certs(value: &str) -> Result<Vec<CertificateDer<'static>>, ExportError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem_bytes(value)?)
        .collect::<Result<_, _>>()
        .map_err(|e| ExportError::Tls(format!("{value}: {e}")))?;
    if certs.is_empty() {
        return Err(ExportError::Tls(format!("{value}: no certificate")));
    }
    Ok(certs)
}

// === impl AcceptAny ===

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
