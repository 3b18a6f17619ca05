//! A certificate as the API's `/api/certificates` shows it (Traefik 3.7's
//! `certificateRepresentation`): fingerprints, names, validity, issuer and key, with Go's
//! spellings (`SHA256-RSA`, `ECDSA`, `v3`).

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest::{SHA256, digest};
use rustls_pki_types::CertificateDer;
use waygate_api::Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{X509Certificate, X509Name};
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::SignatureAlgorithm;

/// `None` when the DER does not parse (the store would not have loaded it).
pub(crate) fn summarize(der: &CertificateDer<'_>) -> Option<Certificate> {
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    let fingerprint = hex(digest(&SHA256, der.as_ref()).as_ref());
    let spki = cert.tbs_certificate.subject_pki.raw;
    let (key_type, key_size) = key(&cert);
    let not_after = cert.validity().not_after.timestamp();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Some(Certificate {
        name: fingerprint.clone(),
        sans: sans(&cert),
        not_after: waygate_api::rfc3339(not_after),
        not_before: waygate_api::rfc3339(cert.validity().not_before.timestamp()),
        serial_number: cert.tbs_certificate.serial.to_string(),
        common_name: first(cert.subject(), Attr::CommonName),
        issuer_org: first(cert.issuer(), Attr::Organization),
        issuer_cn: first(cert.issuer(), Attr::CommonName),
        issuer_country: first(cert.issuer(), Attr::Country),
        organization: first(cert.subject(), Attr::Organization),
        country: first(cert.subject(), Attr::Country),
        version: format!("v{}", cert.version().0 + 1),
        key_type: key_type.to_string(),
        key_size,
        signature_algorithm: signature_algorithm(&cert),
        cert_fingerprint: fingerprint,
        public_key_fingerprint: hex(digest(&SHA256, spki).as_ref()),
        status: Certificate::status_at(not_after, now).to_string(),
        not_after_unix: not_after,
    })
}

enum Attr {
    CommonName,
    Organization,
    Country,
}

/// The first value of an attribute (Go's `Subject.Organization[0]`, …).
fn first(name: &X509Name<'_>, attr: Attr) -> String {
    let value = match attr {
        Attr::CommonName => name.iter_common_name().next(),
        Attr::Organization => name.iter_organization().next(),
        Attr::Country => name.iter_country().next(),
    };
    value
        .and_then(|v| v.as_str().ok())
        .unwrap_or("")
        .to_string()
}

/// DNS names and IP addresses, sorted together (as Traefik's `extractSANs`).
fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => out.push(d.to_string()),
                GeneralName::IPAddress(ip) => {
                    let ip = match ip.len() {
                        4 => <[u8; 4]>::try_from(*ip).ok().map(std::net::IpAddr::from),
                        16 => <[u8; 16]>::try_from(*ip).ok().map(std::net::IpAddr::from),
                        _ => None,
                    };
                    out.extend(ip.map(|ip| ip.to_string()));
                }
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// `RSA` with the modulus size, `ECDSA` with the curve size, else `Unknown` (Go's cases).
fn key(cert: &X509Certificate<'_>) -> (&'static str, u32) {
    let spki = &cert.tbs_certificate.subject_pki;
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = super::keypair::modulus_bits(rsa.modulus).unwrap_or(0);
            ("RSA", u32::try_from(bits).unwrap_or(0))
        }
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let bits = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => 256,
                Some("1.3.132.0.34") => 384,
                Some("1.3.132.0.35") => 521,
                Some("1.3.132.0.33") => 224,
                _ => 0,
            };
            ("ECDSA", bits)
        }
        _ => ("Unknown", 0),
    }
}

/// Go's `x509.SignatureAlgorithm.String()`; an algorithm Go does not know is `0`.
fn signature_algorithm(cert: &X509Certificate<'_>) -> String {
    let alg = &cert.signature_algorithm;
    let name = match alg.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.2" => "MD2-RSA",
        "1.2.840.113549.1.1.4" => "MD5-RSA",
        "1.2.840.113549.1.1.5" => "SHA1-RSA",
        "1.2.840.113549.1.1.11" => "SHA256-RSA",
        "1.2.840.113549.1.1.12" => "SHA384-RSA",
        "1.2.840.113549.1.1.13" => "SHA512-RSA",
        "1.2.840.10040.4.3" => "DSA-SHA1",
        "2.16.840.1.101.3.4.3.2" => "DSA-SHA256",
        "1.2.840.10045.4.1" => "ECDSA-SHA1",
        "1.2.840.10045.4.3.2" => "ECDSA-SHA256",
        "1.2.840.10045.4.3.3" => "ECDSA-SHA384",
        "1.2.840.10045.4.3.4" => "ECDSA-SHA512",
        "1.3.101.112" => "Ed25519",
        "1.2.840.113549.1.1.10" => match SignatureAlgorithm::try_from(alg) {
            Ok(SignatureAlgorithm::RSASSA_PSS(p)) => {
                match p.hash_algorithm_oid().to_id_string().as_str() {
                    "2.16.840.1.101.3.4.2.1" => "SHA256-RSAPSS",
                    "2.16.840.1.101.3.4.2.2" => "SHA384-RSAPSS",
                    "2.16.840.1.101.3.4.2.3" => "SHA512-RSAPSS",
                    _ => "0",
                }
            }
            _ => "0",
        },
        _ => "0",
    };
    name.to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_self_signed_summary() {
        let (cert, _) = super::super::testing::self_signed(&["b.example", "a.example"]);
        let s = summarize(&cert).expect("parses");
        assert_eq!(s.name.len(), 64);
        assert_eq!(s.name, s.cert_fingerprint);
        assert_eq!(s.sans, ["a.example", "b.example"]);
        assert_eq!(s.version, "v3");
        assert!(["RSA", "ECDSA"].contains(&s.key_type.as_str()), "{s:?}");
        assert!(s.key_size > 0);
        assert!(s.signature_algorithm != "0", "{s:?}");
        assert_eq!(s.status, "enabled");
        assert!(s.not_after.ends_with('Z'));
    }
}
