//! Verification keys of the `jwt` middleware: an HMAC secret, a PEM public key (SPKI or a
//! certificate; RSA, P-256, P-384 or Ed25519), or a JWK set (RFC 7517). Each key knows the
//! algorithms it can verify, so a token's `alg` can never make one key act as another kind
//! (an RSA public key used as an HMAC secret, the classic confusion). Errors name what is
//! wrong, never key material.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use rustls_pki_types::pem::SectionKind;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use Algorithm::{
    ES256, ES384, EdDSA, HS256, HS384, HS512, PS256, PS384, PS512, RS256, RS384, RS512,
};

pub(super) const HMAC: &[Algorithm] = &[HS256, HS384, HS512];
pub(super) const RSA: &[Algorithm] = &[RS256, RS384, RS512, PS256, PS384, PS512];
/// What a JWK set may verify unless `algorithms` says otherwise: never HMAC.
pub(super) const ASYMMETRIC: &[Algorithm] = &[
    RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA,
];

/// One key and what it may verify.
pub(super) struct Key {
    pub(super) kid: Option<String>,
    /// Algorithms this key can verify (narrowed by a JWK's `alg`).
    pub(super) algs: Vec<Algorithm>,
    pub(super) key: DecodingKey,
}

/// The keys of one source, looked up by `kid`.
#[derive(Default)]
pub(super) struct KeySet {
    pub(super) keys: Vec<Key>,
}

/// Why no key was found for a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Miss {
    /// The `kid` is not in the set.
    UnknownKid,
    /// No `kid`, and not exactly one key for the algorithm.
    NoKid,
    /// The key named cannot verify the token's algorithm.
    WrongAlg,
}

// === impl KeySet ===

impl KeySet {
    pub(super) fn one(key: Key) -> Self {
        Self { keys: vec![key] }
    }

    /// The key for a token of `alg` naming `kid`. A single static key (secret or public
    /// key) ignores `kid`, as Hub does.
    pub(super) fn find(&self, kid: Option<&str>, alg: Algorithm) -> Result<&Key, Miss> {
        let key = match (kid, &self.keys[..]) {
            (_, [only]) if only.kid.is_none() => only,
            (Some(kid), keys) => keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .ok_or(Miss::UnknownKid)?,
            (None, keys) => {
                let mut fit = keys.iter().filter(|k| k.algs.contains(&alg));
                match (fit.next(), fit.next()) {
                    (Some(one), None) => one,
                    _ => return Err(Miss::NoKid),
                }
            }
        };
        if key.algs.contains(&alg) {
            Ok(key)
        } else {
            Err(Miss::WrongAlg)
        }
    }
}

/// The HMAC key of `signingSecret` (base64-decoded first if so configured).
pub(super) fn secret(secret: &str, base64: bool) -> Result<Key, String> {
    let key = if base64 {
        DecodingKey::from_base64_secret(secret)
            .map_err(|_| "signingSecret is not valid base64".to_string())?
    } else {
        DecodingKey::from_secret(secret.as_bytes())
            .map_err(|_| "signingSecret is empty".to_string())?
    };
    Ok(Key {
        kid: None,
        algs: HMAC.to_vec(),
        key,
    })
}

/// The key of `publicKey`: the first `PUBLIC KEY` or `CERTIFICATE` block of a PEM value.
pub(super) fn public_key(pem: &str) -> Result<Key, String> {
    let mut rd = pem.as_bytes();
    loop {
        match rustls_pki_types::pem::from_buf(&mut rd) {
            Ok(Some((SectionKind::PublicKey, der))) => return spki(&der),
            Ok(Some((SectionKind::Certificate, der))) => {
                let (_, cert) = x509_parser::parse_x509_certificate(&der)
                    .map_err(|_| "publicKey: the certificate does not parse".to_string())?;
                return spki(cert.tbs_certificate.subject_pki.raw);
            }
            Ok(Some(_)) => continue,
            Ok(None) => return Err("publicKey: no PUBLIC KEY or CERTIFICATE block".to_string()),
            Err(_) => return Err("publicKey: invalid PEM".to_string()),
        }
    }
}

/// A DER SubjectPublicKeyInfo: RSA, EC P-256/P-384 or Ed25519.
fn spki(der: &[u8]) -> Result<Key, String> {
    let (_, info) = SubjectPublicKeyInfo::from_der(der)
        .map_err(|_| "publicKey: the public key does not parse".to_string())?;
    let data = &info.subject_public_key.data;
    let (key, algs) = match info.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.1" => (DecodingKey::from_rsa_der(data), RSA.to_vec()),
        "1.2.840.10045.2.1" => {
            let curve = info
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let alg = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => ES256,
                Some("1.3.132.0.34") => ES384,
                _ => return Err("publicKey: only P-256 and P-384 EC keys are supported".into()),
            };
            (DecodingKey::from_ec_der(data), vec![alg])
        }
        "1.3.101.112" => (DecodingKey::from_ed_der(data), vec![EdDSA]),
        other => return Err(format!("publicKey: unsupported key type (OID {other})")),
    };
    Ok(Key {
        kid: None,
        algs,
        key,
    })
}

/// The keys of a JWK set document. Keys for encryption (`use: enc`), of unknown types or
/// curves, are skipped; `allowed` bounds what each key may verify.
pub(super) fn jwk_set(json: &[u8], allowed: &[Algorithm]) -> Result<KeySet, String> {
    let set: JwkSet = serde_json::from_slice(json).map_err(|e| format!("not a JWK set: {e}"))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
            continue;
        }
        let family: Vec<Algorithm> = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => RSA.to_vec(),
            AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
                EllipticCurve::P256 => vec![ES256],
                EllipticCurve::P384 => vec![ES384],
                _ => continue,
            },
            AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
                vec![EdDSA]
            }
            AlgorithmParameters::OctetKey(_) => HMAC.to_vec(),
            _ => continue,
        };
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        let named = jwk.common.key_algorithm.and_then(algorithm);
        let algs = family
            .into_iter()
            .filter(|a| allowed.contains(a) && named.is_none_or(|n| n == *a))
            .collect();
        keys.push(Key {
            kid: jwk.common.key_id.clone(),
            algs,
            key,
        });
    }
    Ok(KeySet { keys })
}

/// A JWK `alg` as a signing algorithm (`None` for encryption algorithms).
fn algorithm(a: KeyAlgorithm) -> Option<Algorithm> {
    Algorithm::try_from(a).ok()
}
