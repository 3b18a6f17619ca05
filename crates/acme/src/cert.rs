//! What a stored certificate is: its names and its expiry, read from the PEM chain.

use std::time::{Duration, SystemTime};

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The leaf certificate's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    /// DNS names (SANs and common name), lowercased.
    pub names: Vec<String>,
    pub not_after: SystemTime,
}

/// Reads the leaf (first certificate) of a PEM chain.
pub fn facts(pem: &[u8]) -> Result<CertFacts, String> {
    let leaf = CertificateDer::pem_slice_iter(pem)
        .next()
        .ok_or("no CERTIFICATE block")?
        .map_err(|e| format!("invalid PEM: {e}"))?;
    let (_, cert) = x509_parser::parse_x509_certificate(leaf.as_ref())
        .map_err(|e| format!("invalid certificate: {e}"))?;
    let mut names: Vec<String> = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok())
        .map(str::to_ascii_lowercase)
        .collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            if let x509_parser::extensions::GeneralName::DNSName(d) = n {
                names.push(d.to_ascii_lowercase());
            }
        }
    }
    names.sort();
    names.dedup();
    let secs = u64::try_from(cert.validity().not_after.timestamp()).unwrap_or(0);
    Ok(CertFacts {
        names,
        not_after: SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
    })
}

/// Whether certificate name `pattern` (maybe `*.suffix`) covers `name` (maybe `*.suffix`).
pub fn covers(pattern: &str, name: &str) -> bool {
    let (pattern, name) = (pattern.to_ascii_lowercase(), name.to_ascii_lowercase());
    if pattern == name {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) if !name.starts_with("*.") => name
            .split_once('.')
            .is_some_and(|(_, parent)| parent == suffix),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_expiry_from_pem() {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params =
            rcgen::CertificateParams::new(vec!["B.test".into(), "a.test".into()]).expect("params");
        params.not_after = rcgen::date_time_ymd(2030, 1, 2);
        let cert = params.self_signed(&key).expect("cert");
        let f = facts(cert.pem().as_bytes()).expect("facts");
        assert!(f.names.contains(&"a.test".to_string()) && f.names.contains(&"b.test".to_string()));
        let expected = SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_542_400);
        assert_eq!(f.not_after, expected);
        assert!(facts(b"nothing").is_err());
    }

    #[test]
    fn coverage() {
        assert!(covers("a.test", "A.test"));
        assert!(covers("*.test", "a.test"));
        assert!(!covers("*.test", "a.b.test"));
        assert!(!covers("a.test", "*.test"));
        assert!(covers("*.test", "*.test"));
    }
}
