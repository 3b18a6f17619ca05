//! Go's names for cipher suites and curves (what `cipherSuites` and `curvePreferences`
//! contain in Traefik configuration), mapped onto the aws-lc-rs provider's.

use rustls::SupportedCipherSuite;
use rustls::crypto::aws_lc_rs::{cipher_suite as cs, kx_group};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};

/// What a Go cipher suite name stands for here.
enum Suite {
    /// A TLS 1.2 suite rustls offers.
    Tls12(SupportedCipherSuite),
    /// A TLS 1.3 suite: valid in Go's list but not configurable (all are always enabled).
    Tls13,
}

/// Resolves a Go cipher suite name. `Err` says why the name cannot be served.
fn cipher_suite(name: &str) -> Result<Suite, String> {
    let suite = match name {
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" => cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" => cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"
        | "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" => {
            cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        }
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" => cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" => cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305" | "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" => {
            cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        }
        "TLS_AES_128_GCM_SHA256" | "TLS_AES_256_GCM_SHA384" | "TLS_CHACHA20_POLY1305_SHA256" => {
            return Ok(Suite::Tls13);
        }
        _ if GO_INSECURE.contains(&name) => {
            return Err(format!(
                "cipher suite `{name}` is not offered by Waygate (CBC, RC4, 3DES and \
                 RSA key exchange are not implemented by rustls); use the ECDHE GCM or \
                 CHACHA20 suites"
            ));
        }
        _ => return Err(format!("unknown cipher suite `{name}`")),
    };
    Ok(Suite::Tls12(suite))
}

/// Restricts `provider` to the TLS 1.2 suites named in `names` (Go names, in that order);
/// TLS 1.3 suites are not configurable (as in Go) and all stay enabled. An empty list keeps
/// the provider's defaults. Shared by `tls.options` and `serversTransports`.
pub(crate) fn restrict_cipher_suites(
    provider: &mut CryptoProvider,
    names: &[String],
) -> Result<(), String> {
    if names.is_empty() {
        return Ok(());
    }
    let mut tls12 = Vec::new();
    for name in names {
        match cipher_suite(name).map_err(|e| format!("cipherSuites: {e}"))? {
            Suite::Tls12(s) if !tls12.contains(&s) => tls12.push(s),
            Suite::Tls12(_) | Suite::Tls13 => {}
        }
    }
    provider
        .cipher_suites
        .retain(|s| matches!(s, SupportedCipherSuite::Tls13(_)));
    provider.cipher_suites.extend(tls12);
    Ok(())
}

/// Resolves a Go curve name (`curvePreferences`).
pub(crate) fn curve(name: &str) -> Result<&'static dyn SupportedKxGroup, String> {
    Ok(match name {
        "X25519" | "x25519" => kx_group::X25519,
        "CurveP256" | "secp256r1" => kx_group::SECP256R1,
        "CurveP384" | "secp384r1" => kx_group::SECP384R1,
        "X25519MLKEM768" => kx_group::X25519MLKEM768,
        "CurveP521" | "secp521r1" => {
            return Err(format!(
                "curve `{name}` is not offered by Waygate's TLS provider; use X25519, \
                 CurveP256, CurveP384 or X25519MLKEM768"
            ));
        }
        _ => return Err(format!("unknown curve `{name}`")),
    })
}

/// Go's cipher suites that rustls does not implement (Go's `tls.InsecureCipherSuites()` and
/// the CBC/RSA-key-exchange suites of `tls.CipherSuites()`).
const GO_INSECURE: &[&str] = &[
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_FALLBACK_SCSV",
];
