//! Verifying a server's certificate against configured trusted certificates (`rootCAs` of a
//! servers transport, `caCertificates` of an ACME resolver) the way Go does.
//!
//! A chain to one of them is verified by webpki (rustls' verifier). Go has one more rule:
//! a leaf that is itself in the trusted pool is its own trust anchor (`CertPool.contains` in
//! `x509.Certificate.Verify`), even when it says CA:TRUE, as the self-signed certificates of
//! test ACME servers and internal backends often do; webpki refuses those
//! (`CaUsedAsEndEntity`). When webpki refuses a leaf that is byte for byte one of the
//! configured certificates, Go's checks of a leaf decide instead: no unknown critical
//! extension, within its validity period, an extended key usage (if any) allowing server
//! auth, and valid for the server name (SANs only, as Go and webpki).

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{WebPkiServerVerifier, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::keypair::modulus_bits;

/// webpki's verification, plus Go's acceptance of a leaf that is a configured certificate.
#[derive(Debug)]
pub struct TrustedVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    /// The certificates as configured (not the system roots).
    configured: Vec<CertificateDer<'static>>,
}

// === impl TrustedVerifier ===

impl TrustedVerifier {
    /// `roots` holds `configured` (and possibly the system roots); `Err` when webpki's
    /// verifier cannot be built (an empty `roots`).
    pub fn new(
        roots: Arc<RootCertStore>,
        configured: Vec<CertificateDer<'static>>,
        provider: Arc<CryptoProvider>,
    ) -> Result<Arc<Self>, String> {
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(Self { webpki, configured }))
    }
}

impl ServerCertVerifier for TrustedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(_) if self.configured.iter().any(|c| c == end_entity) => {
                anchored_leaf(end_entity, server_name, now)?;
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki
            .verify_tls12_signature(message, cert, dss)
            .map_err(|e| signature_error(cert, e))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki
            .verify_tls13_signature(message, cert, dss)
            .map_err(|e| signature_error(cert, e))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// A failed check of the server's handshake signature, with the real reason when it is a
/// key aws-lc-rs does not verify with: rustls reports an RSA key under 2048 bits (which Go
/// accepts from 1024) as a bad signature.
pub(crate) fn signature_error(cert: &CertificateDer<'_>, err: rustls::Error) -> rustls::Error {
    let bits = X509Certificate::from_der(cert.as_ref())
        .ok()
        .and_then(|(_, c)| match c.public_key().parsed() {
            Ok(PublicKey::RSA(rsa)) => modulus_bits(rsa.modulus),
            _ => None,
        });
    match bits {
        Some(bits) if bits < 2048 => {
            CertificateError::Other(OtherError(Arc::new(SmallRsaKey(bits)))).into()
        }
        _ => err,
    }
}

/// The server's RSA key is too small for aws-lc-rs' signature verification.
#[derive(Debug)]
struct SmallRsaKey(usize);

impl std::fmt::Display for SmallRsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the server's RSA key has {} bits: aws-lc-rs (Waygate's TLS library) verifies \
             signatures only from RSA keys of 2048 bits or more",
            self.0
        )
    }
}

impl std::error::Error for SmallRsaKey {}

/// rustls' error for a handshake, readable: webpki's reasons come as
/// `Other(OtherError(CaUsedAsEndEntity))`; this says `invalid peer certificate:
/// CaUsedAsEndEntity` and, for that one, how Go's rule applies.
pub fn describe(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => {
            let reason = other.to_string();
            let hint = match reason.as_str() {
                "CaUsedAsEndEntity" => {
                    " (the server presents a CA certificate as its own; it is trusted when \
                     that very certificate is among the trusted ones)"
                }
                "UnsupportedCertVersion" => {
                    " (an X.509 v1 certificate: rustls' certificate parser, webpki, reads v3 \
                     only)"
                }
                _ => "",
            };
            format!("invalid peer certificate: {reason}{hint}")
        }
        other => other.to_string(),
    }
}

/// Go's checks of a leaf that is its own trust anchor (`isValid` for a leaf, then
/// `VerifyHostname`).
fn anchored_leaf(
    der: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    // webpki's parse refuses unknown critical extensions, as Go's `isValid` does.
    let parsed = ParsedCertificate::try_from(der)?;
    let (_, cert) = X509Certificate::from_der(der.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let time = |t: i64| UnixTime::since_unix_epoch(Duration::from_secs(t.max(0).unsigned_abs()));
    let validity = cert.validity();
    let (not_before, not_after) = (
        validity.not_before.timestamp(),
        validity.not_after.timestamp(),
    );
    let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    if secs < not_before {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before: time(not_before),
        }
        .into());
    }
    if secs > not_after {
        return Err(CertificateError::ExpiredContext {
            time: now,
            not_after: time(not_after),
        }
        .into());
    }
    let eku = cert
        .extended_key_usage()
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    if let Some(eku) = eku
        && !eku.value.any
        && !eku.value.server_auth
    {
        return Err(CertificateError::InvalidPurpose.into());
    }
    verify_server_name(&parsed, server_name)
}

#[cfg(test)]
mod tests;
