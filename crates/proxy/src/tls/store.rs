//! The certificate store of one table (Traefik's `default` TLS store): the certificates of
//! `tls.certificates`, indexed by the DNS names and IP addresses they are valid for, and the
//! store's default certificate.
//!
//! Selection per handshake follows Traefik: the lowercased SNI is looked up among exact names
//! first, then among one-label wildcards (`*.example.com` matches `a.example.com`, not
//! `a.b.example.com` nor `example.com`); when several certificates carry the same name, the
//! one whose sorted, comma-joined name list is greatest wins (Traefik's reverse-lexicographic
//! scan).

use std::collections::HashMap;
use std::sync::Arc;

use rustls::sign::CertifiedKey;
use rustls_pki_types::CertificateDer;
use x509_parser::extensions::GeneralName;

/// Certificates by the names they are valid for, and the default certificate.
#[derive(Debug, Default)]
pub(crate) struct CertStore {
    exact: HashMap<String, Arc<CertifiedKey>>,
    /// `"example.com"` for a `*.example.com` name.
    wildcard: HashMap<String, Arc<CertifiedKey>>,
    default: Option<Arc<CertifiedKey>>,
    /// The default certificate's names: with `sniStrict`, a server name that the default
    /// certificate covers is still served.
    default_names: Vec<String>,
}

// === impl CertStore ===

impl CertStore {
    /// Indexes `certs` (each with the names it is valid for); `default` is served when no
    /// name matches.
    pub(crate) fn new(
        mut certs: Vec<(Vec<String>, Arc<CertifiedKey>)>,
        default: Option<Arc<CertifiedKey>>,
    ) -> Self {
        let mut store = CertStore {
            default_names: default
                .as_ref()
                .and_then(|d| d.end_entity_cert().ok())
                .and_then(|c| names(c).ok())
                .unwrap_or_default(),
            default,
            ..CertStore::default()
        };
        for (names, _) in &mut certs {
            names.sort();
            names.dedup();
        }
        // Greatest comma-joined key first; the first certificate to claim a name keeps it.
        certs.sort_by_cached_key(|(names, _)| std::cmp::Reverse(names.join(",")));
        for (names, key) in certs {
            for name in names {
                match name.strip_prefix("*.") {
                    Some(suffix) => store.wildcard.entry(suffix.to_string()),
                    None => store.exact.entry(name),
                }
                .or_insert_with(|| key.clone());
            }
        }
        store
    }

    /// The certificate for `server_name` (lowercase, no trailing dot), if one covers it.
    pub(crate) fn find(&self, server_name: &str) -> Option<&Arc<CertifiedKey>> {
        self.exact.get(server_name).or_else(|| {
            let (_, parent) = server_name.split_once('.')?;
            self.wildcard.get(parent)
        })
    }

    /// The default certificate.
    pub(crate) fn default_cert(&self) -> Option<&Arc<CertifiedKey>> {
        self.default.as_ref()
    }

    /// Whether the default certificate is valid for `server_name`.
    pub(crate) fn default_covers(&self, server_name: &str) -> bool {
        self.default_names.iter().any(|n| covers(n, server_name))
    }
}

/// Whether certificate name `name` (possibly `*.suffix`) covers `server_name`.
pub(crate) fn covers(name: &str, server_name: &str) -> bool {
    match name.strip_prefix("*.") {
        Some(suffix) => server_name
            .split_once('.')
            .is_some_and(|(_, parent)| parent == suffix),
        None => name == server_name,
    }
}

/// The names a certificate is valid for, lowercased: its DNS and IP subject alternative
/// names, and its subject common name (Traefik indexes the CN too).
pub(crate) fn names(cert: &CertificateDer<'_>) -> Result<Vec<String>, String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref())
        .map_err(|e| format!("invalid certificate: {e}"))?;
    let mut out = Vec::new();
    if let Some(cn) = parsed
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .filter(|cn| !cn.is_empty())
    {
        out.push(cn.to_ascii_lowercase());
    }
    if let Ok(Some(san)) = parsed.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => out.push(d.to_ascii_lowercase()),
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
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::testing::{cert_for, self_signed};

    #[test]
    fn exact_then_wildcard_then_default() {
        let a = cert_for(&["a.example.com"]);
        let wild = cert_for(&["*.example.com"]);
        let default = cert_for(&["default.test"]);
        let store = CertStore::new(
            vec![
                (vec!["a.example.com".into()], a.clone()),
                (vec!["*.example.com".into()], wild.clone()),
            ],
            Some(default.clone()),
        );
        let is = |name: &str, want: &Arc<CertifiedKey>| {
            assert!(
                store.find(name).is_some_and(|k| Arc::ptr_eq(k, want)),
                "{name}"
            );
        };
        is("a.example.com", &a);
        is("b.example.com", &wild);
        assert!(store.find("x.b.example.com").is_none());
        assert!(store.find("example.com").is_none());
        assert!(store.find("other.test").is_none());
        assert!(store.default_covers("default.test"));
        assert!(!store.default_covers("other.test"));
    }

    #[test]
    fn same_name_greatest_key_wins() {
        let small = cert_for(&["a.test"]);
        let big = cert_for(&["a.test", "z.test"]);
        let store = CertStore::new(
            vec![
                (vec!["a.test".into()], small),
                (vec!["z.test".into(), "a.test".into()], big.clone()),
            ],
            None,
        );
        assert!(store.find("a.test").is_some_and(|k| Arc::ptr_eq(k, &big)));
    }

    #[test]
    fn names_from_certificate() {
        let (cert, _) = self_signed(&["Www.Example.com", "*.example.org", "127.0.0.1"]);
        let names = names(&cert).expect("parse");
        assert!(names.contains(&"www.example.com".to_string()));
        assert!(names.contains(&"*.example.org".to_string()));
        assert!(names.contains(&"127.0.0.1".to_string()));
    }
}
