//! Certificate keys and requests: `keyType` → a fresh key pair for every order, the CSR
//! that carries the order's names, and the self-signed TLS-ALPN-01 challenge certificate
//! (RFC 8737). All crypto through rcgen on aws-lc-rs.

use std::sync::Arc;

use rcgen::{
    CertificateParams, CustomExtension, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256,
    PKCS_ECDSA_P384_SHA384, PKCS_RSA_SHA256, RsaKeySize, SanType,
};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate key type (`keyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Ec256,
    Ec384,
    Rsa2048,
    Rsa4096,
}

// === impl KeyType ===

impl KeyType {
    /// Traefik's names; unknown names fall back to RSA4096 as in Traefik. `RSA8192` is not
    /// offered by the crypto library: it also falls back, with a warning (second value).
    pub fn parse(name: &str) -> (Self, Option<String>) {
        match name {
            "EC256" => (Self::Ec256, None),
            "EC384" => (Self::Ec384, None),
            "RSA2048" => (Self::Rsa2048, None),
            "RSA4096" | "" => (Self::Rsa4096, None),
            "RSA8192" => (
                Self::Rsa4096,
                Some("keyType RSA8192 is not supported by Waygate; RSA4096 is used".into()),
            ),
            other => (
                Self::Rsa4096,
                Some(format!(
                    "unknown keyType `{other}` (EC256, EC384, RSA2048, RSA4096, RSA8192); \
                     RSA4096 is used"
                )),
            ),
        }
    }

    fn generate(self) -> Result<KeyPair, rcgen::Error> {
        match self {
            Self::Ec256 => KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256),
            Self::Ec384 => KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384),
            Self::Rsa2048 => KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048),
            Self::Rsa4096 => KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_4096),
        }
    }
}

/// A new key and the CSR (DER) for `names` (first = common name unless `disable_cn`).
/// Returns (CSR DER, private key PEM).
pub fn csr(
    names: &[String],
    key_type: KeyType,
    disable_cn: bool,
    emails: &[String],
) -> Result<(Vec<u8>, String), String> {
    let key = key_type
        .generate()
        .map_err(|e| format!("cannot generate a {key_type:?} key: {e}"))?;
    let mut params =
        CertificateParams::new(names.to_vec()).map_err(|e| format!("invalid name: {e}"))?;
    let mut dn = DistinguishedName::new();
    if !disable_cn && let Some(main) = names.first() {
        dn.push(DnType::CommonName, main.clone());
    }
    params.distinguished_name = dn;
    for e in emails {
        let email = e
            .clone()
            .try_into()
            .map_err(|_| format!("invalid email `{e}`"))?;
        params.subject_alt_names.push(SanType::Rfc822Name(email));
    }
    let csr = params
        .serialize_request(&key)
        .map_err(|e| format!("cannot build the CSR: {e}"))?;
    Ok((csr.der().to_vec(), key.serialize_pem()))
}

/// The TLS-ALPN-01 certificate for `name`: self-signed, with the `acmeIdentifier` extension
/// holding SHA-256 of the key authorization.
pub fn tls_alpn_certificate(name: &str, digest: &[u8]) -> Result<Arc<CertifiedKey>, String> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| e.to_string())?;
    let mut params = CertificateParams::new(vec![name.to_string()]).map_err(|e| e.to_string())?;
    params.distinguished_name = DistinguishedName::new();
    params
        .custom_extensions
        .push(CustomExtension::new_acme_identifier(digest));
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    // `CertifiedKey::from_der` would check the pair through webpki, which refuses the
    // critical acmeIdentifier extension; the pair is ours, so it is assembled directly.
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let signing = provider
        .key_provider
        .load_private_key(key_der)
        .map_err(|e| e.to_string())?;
    let chain = vec![CertificateDer::from(cert.der().to_vec())];
    Ok(Arc::new(CertifiedKey::new(chain, signing)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::FromDer;

    #[test]
    fn key_type_names() {
        assert_eq!(KeyType::parse("EC256"), (KeyType::Ec256, None));
        assert_eq!(KeyType::parse("").0, KeyType::Rsa4096, "Traefik's default");
        assert!(KeyType::parse("RSA8192").1.is_some());
        let (k, warn) = KeyType::parse("DSA");
        assert_eq!(k, KeyType::Rsa4096);
        assert!(warn.is_some_and(|w| w.contains("DSA")));
    }

    #[test]
    fn csr_carries_names_and_common_name() {
        let names = vec!["a.test".to_string(), "b.test".to_string()];
        let (der, pem) = csr(&names, KeyType::Ec256, false, &[]).expect("csr");
        assert!(pem.contains("PRIVATE KEY"));
        let (_, req) = x509_parser::certification_request::X509CertificationRequest::from_der(&der)
            .expect("parse csr");
        let cn = req
            .certification_request_info
            .subject
            .iter_common_name()
            .next();
        assert_eq!(cn.and_then(|c| c.as_str().ok()), Some("a.test"));
        let (no_cn, _) = csr(&names, KeyType::Ec256, true, &[]).expect("csr");
        let (_, req) =
            x509_parser::certification_request::X509CertificationRequest::from_der(&no_cn)
                .expect("parse csr");
        assert!(
            req.certification_request_info
                .subject
                .iter_common_name()
                .next()
                .is_none()
        );
    }

    #[test]
    fn tls_alpn_certificate_has_acme_identifier() {
        let key = tls_alpn_certificate("a.test", &[7u8; 32]).expect("cert");
        let der = key.end_entity_cert().expect("leaf");
        let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).expect("parse");
        let oid = x509_parser::der_parser::oid!(1.3.6.1.5.5.7.1.31);
        let ext = cert
            .extensions()
            .iter()
            .find(|e| e.oid == oid)
            .expect("acmeIdentifier");
        assert!(ext.critical);
        assert!(ext.value.ends_with(&[7u8; 32]));
    }
}
