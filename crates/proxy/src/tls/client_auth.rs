//! `clientAuth` of a TLS option: Go's five `clientAuthType` values mapped onto rustls client
//! certificate verifiers.
//!
//! | Go | here |
//! |---|---|
//! | `NoClientCert` | no certificate requested |
//! | `RequestClientCert` | requested, not required, chain not verified |
//! | `RequireAnyClientCert` | required, chain not verified |
//! | `VerifyClientCertIfGiven` | requested; verified against `caFiles` when given |
//! | `RequireAndVerifyClientCert` | required and verified against `caFiles` |
//!
//! As in Traefik, `caFiles` without a `clientAuthType` means `RequireAndVerifyClientCert`,
//! and the two verifying types need `caFiles`. Unverified certificates still prove
//! possession of their key (the handshake signature is checked), as in Go.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, UnixTime};
use waygate_config::dynamic::ClientAuth;

use super::pem;

/// The verifier for `clientAuth` (absent = `NoClientCert`).
pub(crate) fn verifier(
    auth: Option<&ClientAuth>,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, String> {
    let ca_files = auth.map_or(&[][..], |a| a.ca_files.as_slice());
    let kind = match auth.map(|a| a.client_auth_type.as_str()) {
        Some(t) if !t.is_empty() => t,
        _ if !ca_files.is_empty() => "RequireAndVerifyClientCert",
        _ => "NoClientCert",
    };
    let any = |mandatory| -> Arc<dyn ClientCertVerifier> {
        Arc::new(AnyClientCert {
            mandatory,
            algs: provider.signature_verification_algorithms,
        })
    };
    match kind {
        "NoClientCert" => Ok(WebPkiClientVerifier::no_client_auth()),
        "RequestClientCert" => Ok(any(false)),
        "RequireAnyClientCert" => Ok(any(true)),
        "VerifyClientCertIfGiven" | "RequireAndVerifyClientCert" => {
            if ca_files.is_empty() {
                return Err(format!(
                    "clientAuth.clientAuthType {kind} needs clientAuth.caFiles"
                ));
            }
            let mut roots = RootCertStore::empty();
            for file in ca_files {
                for cert in pem::certificates(file)? {
                    roots
                        .add(cert)
                        .map_err(|e| format!("clientAuth.caFiles: {e}"))?;
                }
            }
            let builder =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
            let builder = if kind == "VerifyClientCertIfGiven" {
                builder.allow_unauthenticated()
            } else {
                builder
            };
            builder.build().map_err(|e| format!("clientAuth: {e}"))
        }
        other => Err(format!("unknown clientAuth.clientAuthType `{other}`")),
    }
}

/// Accepts any client certificate (Go's `RequestClientCert` / `RequireAnyClientCert`).
#[derive(Debug)]
struct AnyClientCert {
    mandatory: bool,
    algs: WebPkiSupportedAlgorithms,
}

// === impl AnyClientCert ===

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}
