//! A certificate chain with its private key, as `tls.certificates`, the default certificate and
//! a servers transport's client `certificates` name them.
//!
//! rustls' own `CertifiedKey::from_der` parses the leaf with webpki to compare public keys,
//! and webpki refuses X.509 v1 certificates, which Go serves; every failure then reads
//! "certificate and key do not match". Here the public keys are compared with x509-parser
//! (which reads v1 certificates), and a key the crypto library cannot sign with says why,
//! e.g. an RSA key under 2048 bits, which aws-lc-rs refuses while Go accepts 1024.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::PrivateKeyDer;
use x509_parser::der_parser::der::parse_der_sequence;
use x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::pem::{certificates, origin, private_key};

/// RSA modulus sizes aws-lc-rs signs with.
const RSA_BITS: std::ops::RangeInclusive<usize> = 2048..=8192;

/// The chain of `cert` with the key of `key` (files or inline PEM), checked to belong
/// together. Errors name the file and the reason.
pub(crate) fn certified_key(
    cert: &str,
    key: &str,
    provider: &CryptoProvider,
) -> Result<Arc<CertifiedKey>, String> {
    let chain = certificates(cert)?;
    let der = private_key(key)?;
    // rustls' generic loader tries RSA first: on an ECDSA key that failed attempt cost as
    // much as the load itself (10,000 ECDSA certificates: ~1 s of the start), so EC keys go
    // to the ECDSA loader directly.
    let ecdsa = is_ec(&der)
        .then(|| rustls::crypto::aws_lc_rs::sign::any_ecdsa_type(&der).ok())
        .flatten();
    let signing = match ecdsa {
        Some(k) => k,
        None => provider
            .key_provider
            .load_private_key(der.clone_key())
            .map_err(|e| format!("{}: {}", origin(key), unusable(&der, &e)))?,
    };
    let (_, leaf) = X509Certificate::from_der(chain[0].as_ref())
        .map_err(|e| format!("{}: invalid certificate: {e}", origin(cert)))?;
    // A key type without a public-key encoding cannot be compared; rustls accepts it too.
    if let Some(public) = signing.public_key()
        && public.as_ref() != leaf.tbs_certificate.subject_pki.raw
    {
        return Err(format!(
            "{}: certificate and key do not match (the key in {} belongs to another certificate)",
            origin(cert),
            origin(key)
        ));
    }
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}

/// Whether `key` is an elliptic-curve key: SEC1, or PKCS#8 whose algorithm is
/// id-ecPublicKey (1.2.840.10045.2.1, in the first bytes of the structure).
fn is_ec(key: &PrivateKeyDer<'_>) -> bool {
    const EC_OID: [u8; 9] = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    match key {
        PrivateKeyDer::Sec1(_) => true,
        PrivateKeyDer::Pkcs8(k) => {
            let head = &k.secret_pkcs8_der()[..k.secret_pkcs8_der().len().min(32)];
            head.windows(EC_OID.len()).any(|w| w == EC_OID)
        }
        _ => false,
    }
}

/// Why the crypto provider refused `key`.
fn unusable(key: &PrivateKeyDer<'_>, err: &rustls::Error) -> String {
    match rsa_bits(key) {
        Some(bits) if !RSA_BITS.contains(&bits) => format!(
            "RSA key of {bits} bits: aws-lc-rs (Waygate's TLS library) signs only with RSA keys \
             of {} to {} bits",
            RSA_BITS.start(),
            RSA_BITS.end()
        ),
        _ => format!(
            "unusable private key (supported: RSA 2048-8192 bits, ECDSA P-256/P-384/P-521, \
             Ed25519): {err}"
        ),
    }
}

/// The modulus size of an RSA private key (PKCS#1, or PKCS#8 holding one), in bits.
fn rsa_bits(key: &PrivateKeyDer<'_>) -> Option<usize> {
    let pkcs1 = match key {
        PrivateKeyDer::Pkcs1(k) => k.secret_pkcs1_der(),
        PrivateKeyDer::Pkcs8(k) => {
            // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING }
            let (_, info) = parse_der_sequence(k.secret_pkcs8_der()).ok()?;
            let fields = info.as_sequence().ok()?;
            let alg = fields.get(1)?.as_sequence().ok()?.first()?.as_oid().ok()?;
            if *alg != OID_PKCS1_RSAENCRYPTION {
                return None;
            }
            fields.get(2)?.as_slice().ok()?
        }
        _ => return None,
    };
    // RSAPrivateKey ::= SEQUENCE { version, modulus INTEGER, ... }
    let (_, rsa) = parse_der_sequence(pkcs1).ok()?;
    modulus_bits(rsa.as_sequence().ok()?.get(1)?.as_slice().ok()?)
}

/// The size in bits of an RSA modulus given as big-endian bytes (leading zeros ignored).
pub(crate) fn modulus_bits(modulus: &[u8]) -> Option<usize> {
    let start = modulus.iter().position(|b| *b != 0)?;
    let top = modulus[start];
    Some((modulus.len() - start - 1) * 8 + (8 - top.leading_zeros() as usize))
}

#[cfg(test)]
mod tests;
