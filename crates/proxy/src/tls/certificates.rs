//! The certificates of the `default` store as `tls.certificates` and
//! `tls.stores.default.defaultCertificate` name them: loaded when a table is compiled, and
//! loaded the same way by `waygate check` ([`check`], which also loads the servers
//! transports' client certificates), so both report the same problems with the same words
//! (a key aws-lc-rs cannot sign with, a key of another certificate, …).

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use waygate_config::dynamic::{DynamicConfig, TlsConfig};
use waygate_config::types::is_inline_content;
use waygate_config::{Issue, IssueKind};

use super::keypair;
use super::store::names;

/// A certificate with the names it is valid for.
pub(crate) type Named = (Vec<String>, Arc<CertifiedKey>);

/// Which certificate/key pairs to leave out (`check` leaves out those whose files are
/// missing: validation already says so).
pub(crate) type Skip<'a> = &'a dyn Fn(&str, &str) -> bool;

/// `tls.certificates` of the `default` store; the others become issues.
pub(crate) fn listed(
    tls: &TlsConfig,
    provider: &CryptoProvider,
    skip: Skip<'_>,
    issues: &mut Vec<Issue>,
) -> Vec<Named> {
    let mut certs = Vec::new();
    for (i, c) in tls.certificates.iter().enumerate() {
        let path = format!("tls.certificates[{i}]");
        if !c.stores.is_empty() && !c.stores.iter().any(|s| s == "default") {
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
        let loaded = keypair::certified_key(&c.cert_file, &c.key_file, provider).and_then(|key| {
            let leaf = key
                .end_entity_cert()
                .map_err(|e| format!("no end-entity certificate: {e}"))?;
            Ok((names(leaf)?, key))
        });
        match loaded {
            Ok(entry) => certs.push(entry),
            Err(e) => issues.push(
                Issue::error(IssueKind::File, path, format!("certificate skipped: {e}"))
                    .with_item("tlsCertificate", c.cert_file.clone()),
            ),
        }
    }
    certs
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
