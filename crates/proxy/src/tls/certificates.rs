//! The certificates of the `default` store as `tls.certificates` and
//! `tls.stores.default.defaultCertificate` name them: loaded when a table is compiled, and
//! loaded the same way by `waygate check` ([`check`], which also loads the servers
//! transports' client certificates), so both report the same problems with the same words
//! (a key aws-lc-rs cannot sign with, a key of another certificate, …).

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use waygate_config::dynamic::{CertAndStores, DynamicConfig, TlsConfig};
use waygate_config::types::is_inline_content;
use waygate_config::{Issue, IssueKind};

use super::keypair;
use super::store::names;

/// A certificate with the names it is valid for.
pub(crate) type Named = (Vec<String>, Arc<CertifiedKey>);

/// Which certificate/key pairs to leave out (`check` leaves out those whose files are
/// missing: validation already says so).
pub(crate) type Skip<'a> = &'a dyn Fn(&str, &str) -> bool;

/// `tls.certificates` of the `default` store; the others become issues (in the list's
/// order, whatever the order the files were loaded in).
pub(crate) fn listed(
    tls: &TlsConfig,
    provider: &CryptoProvider,
    skip: Skip<'_>,
    issues: &mut Vec<Issue>,
) -> Vec<Named> {
    let in_store =
        |c: &&CertAndStores| c.stores.is_empty() || c.stores.iter().any(|s| s == "default");
    let wanted: Vec<(&str, &str)> = tls
        .certificates
        .iter()
        .filter(in_store)
        .filter(|c| !skip(&c.cert_file, &c.key_file))
        .map(|c| (c.cert_file.as_str(), c.key_file.as_str()))
        .collect();
    let mut loaded = load_all(&wanted, provider).into_iter();
    let mut certs = Vec::new();
    for (i, c) in tls.certificates.iter().enumerate() {
        let path = format!("tls.certificates[{i}]");
        if !in_store(&c) {
            issues.push(Issue::warning(
                IssueKind::Unsupported,
                format!("{path}.stores"),
                "only the `default` TLS store is used; this certificate is ignored",
            ));
            continue;
        }
        if skip(&c.cert_file, &c.key_file) {
            continue;
        }
        match loaded.next() {
            Some(Ok(entry)) => certs.push(entry),
            Some(Err(e)) => issues.push(
                Issue::error(IssueKind::File, path, format!("certificate skipped: {e}"))
                    .with_item("tlsCertificate", c.cert_file.clone()),
            ),
            None => {}
        }
    }
    certs
}

/// Certificates per loading thread below which one thread loads them all.
const PER_THREAD: usize = 256;

/// Loads every (certificate, key) pair, in order. Reading 20,000 small files and parsing the
/// keys of 10,000 certificates took seconds of a start, most of it waiting on the reads:
/// large lists are split among a few threads.
fn load_all(pairs: &[(&str, &str)], provider: &CryptoProvider) -> Vec<Result<Named, String>> {
    let load = |(cert, key): &(&str, &str)| {
        keypair::certified_key(cert, key, provider).and_then(|key| {
            let leaf = key
                .end_entity_cert()
                .map_err(|e| format!("no end-entity certificate: {e}"))?;
            Ok((names(leaf)?, key))
        })
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let threads = (cores * 2).min(8).min(pairs.len().div_ceil(PER_THREAD));
    if threads <= 1 {
        return pairs.iter().map(load).collect();
    }
    let chunk = pairs.len().div_ceil(threads);
    let load = &load;
    std::thread::scope(|s| {
        let parts: Vec<_> = pairs
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(load).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// `tls.stores.default.defaultCertificate`, when set and usable.
pub(crate) fn default_certificate(
    tls: &TlsConfig,
    provider: &CryptoProvider,
    skip: Skip<'_>,
    issues: &mut Vec<Issue>,
) -> Option<Arc<CertifiedKey>> {
    let c = tls.stores.get("default")?.default_certificate.as_ref()?;
    if skip(&c.cert_file, &c.key_file) {
        return None;
    }
    keypair::certified_key(&c.cert_file, &c.key_file, provider)
        .inspect_err(|e| {
            issues.push(Issue::error(
                IssueKind::File,
                "tls.stores.default.defaultCertificate",
                format!("default certificate not used (the generated one is served): {e}"),
            ));
        })
        .ok()
}

/// What loading the certificates of `config` would report, for `waygate check`: the
/// `default` store's and the servers transports' client `certificates`. Pairs with an empty
/// or missing file are left to validation, which reports those already.
pub fn check(config: &DynamicConfig) -> Vec<Issue> {
    let missing =
        |v: &str| v.is_empty() || (!is_inline_content(v) && !std::path::Path::new(v).is_file());
    let skip = |cert: &str, key: &str| missing(cert) || missing(key);
    let provider = super::provider();
    let mut issues = Vec::new();
    if let Some(tls) = &config.tls {
        listed(tls, &provider, &skip, &mut issues);
        default_certificate(tls, &provider, &skip, &mut issues);
    }
    let transports = config.http.iter().flat_map(|h| &h.servers_transports);
    for (name, t) in transports {
        for (i, c) in t.certificates.iter().enumerate() {
            if skip(&c.cert_file, &c.key_file) {
                continue;
            }
            if let Err(e) = keypair::certified_key(&c.cert_file, &c.key_file, &provider) {
                issues.push(
                    Issue::error(
                        IssueKind::File,
                        format!("http.serversTransports.{name}.certificates[{i}]"),
                        format!("client certificate unusable: {e}"),
                    )
                    .with_item("serversTransport", name.clone()),
                );
            }
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use waygate_config::dynamic::{CertAndStores, TlsConfig};

    use super::*;
    use crate::tls::testing::self_signed_pem;

    /// A list long enough to be loaded by several threads: every certificate is found with
    /// its own names, in the list's order, and the issues name the entries they concern.
    #[test]
    fn a_long_list_loads_in_order_with_its_issues() {
        let n = 3 * PER_THREAD + 7;
        let pems: Vec<(String, String)> = (0..4)
            .map(|i| self_signed_pem(&[&format!("c{i}.test")]))
            .collect();
        let certificates = (0..n)
            .map(|i| {
                let (cert, key) = &pems[i % pems.len()];
                let stores = if i == 5 {
                    vec!["other".into()]
                } else {
                    Vec::new()
                };
                // Entry 300 has another certificate's key.
                let key = if i == 300 { &pems[1].1 } else { key };
                CertAndStores {
                    cert_file: cert.clone(),
                    key_file: key.clone(),
                    stores,
                }
            })
            .collect();
        let tls = TlsConfig {
            certificates,
            ..TlsConfig::default()
        };
        let mut issues = Vec::new();
        let skip = |_: &str, _: &str| false;
        let certs = listed(&tls, &crate::tls::provider(), &skip, &mut issues);
        assert_eq!(certs.len(), n - 2);
        let expected = (0..n).filter(|i| *i != 5 && *i != 300);
        for (got, i) in certs.iter().zip(expected) {
            let name = format!("c{}.test", i % pems.len());
            assert!(got.0.contains(&name), "entry {i}: {:?}", got.0);
        }
        let paths: Vec<&str> = issues.iter().map(|i| i.key_path.as_str()).collect();
        assert_eq!(
            paths,
            ["tls.certificates[5].stores", "tls.certificates[300]"]
        );
        assert!(issues[1].message.contains("do not match"), "{issues:?}");
    }
}
