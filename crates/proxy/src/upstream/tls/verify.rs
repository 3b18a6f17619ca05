//! Checks on the backend's certificate beyond rustls' own: `insecureSkipVerify` (accept any
//! chain and name, but still check that the server owns the key it presented), an empty
//! trust store (every certificate has an unknown issuer; webpki refuses to be built without
//! roots) and `peerCertURI` (the leaf must carry that URI SAN).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{self, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::tls::signature_error;

/// Verification without a chain check: `insecureSkipVerify` accepts any certificate for any
/// name (Go's `InsecureSkipVerify`); an empty trust store rejects every one.
#[derive(Debug)]
pub(super) struct AnyServerCert {
    algs: WebPkiSupportedAlgorithms,
    accept: bool,
}

// === impl AnyServerCert ===

impl AnyServerCert {
    /// `insecureSkipVerify`.
    pub(super) fn accept_all(provider: &CryptoProvider) -> Arc<Self> {
        Arc::new(Self {
            algs: provider.signature_verification_algorithms,
            accept: true,
        })
    }

    /// No trusted roots at all (a system without a trust store).
    pub(super) fn trust_none(provider: &CryptoProvider) -> Arc<Self> {
        Arc::new(Self {
            algs: provider.signature_verification_algorithms,
            accept: false,
        })
    }
}

impl ServerCertVerifier for AnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.accept {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls12_signature(message, cert, dss, &self.algs)
            .map_err(|e| signature_error(cert, e))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crypto::verify_tls13_signature(message, cert, dss, &self.algs)
            .map_err(|e| signature_error(cert, e))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// `Ok` when `leaf` has a URI SAN equal to `uri`; `Err` says what was found instead.
pub(super) fn check_uri_san(leaf: Option<&CertificateDer<'_>>, uri: &str) -> Result<(), String> {
    let leaf = leaf.ok_or("the backend sent no certificate")?;
    let (_, cert) = X509Certificate::from_der(leaf)
        .map_err(|e| format!("cannot parse the backend certificate: {e}"))?;
    let sans = cert
        .subject_alternative_name()
        .map_err(|e| format!("invalid subjectAltName in the backend certificate: {e}"))?;
    let uris: Vec<&str> = sans
        .iter()
        .flat_map(|ext| ext.value.general_names.iter())
        .filter_map(|n| match n {
            GeneralName::URI(u) => Some(*u),
            _ => None,
        })
        .collect();
    if uris.contains(&uri) {
        Ok(())
    } else {
        Err(format!(
            "peerCertURI `{uri}` does not match the certificate's URI SANs {uris:?}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_with(sans: Vec<rcgen::SanType>) -> CertificateDer<'static> {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.subject_alt_names = sans;
        params.self_signed(&key).expect("cert").der().clone()
    }

    #[test]
    fn uri_san_must_match() {
        let uri = "spiffe://example.org/backend";
        let cert = cert_with(vec![rcgen::SanType::URI(
            rcgen::string::Ia5String::try_from(uri).expect("ia5"),
        )]);
        assert_eq!(check_uri_san(Some(&cert), uri), Ok(()));
        let err = check_uri_san(Some(&cert), "spiffe://example.org/other").err();
        assert!(err.is_some_and(|e| e.contains("does not match")));
        let dns = cert_with(vec![rcgen::SanType::DnsName(
            rcgen::string::Ia5String::try_from("a.test").expect("ia5"),
        )]);
        assert!(check_uri_san(Some(&dns), uri).is_err());
        assert!(check_uri_san(None, uri).is_err());
    }
}
