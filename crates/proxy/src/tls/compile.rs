//! The TLS half of a table: the certificate store and every TLS option's `ServerConfig`,
//! compiled from `tls` of the merged dynamic configuration. Problems become issues; a bad
//! certificate is skipped, a bad option is unusable (routers that use it are disabled).

use std::collections::HashMap;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::sign::CertifiedKey;
use rustls_pki_types::CertificateDer;
use waygate_config::dynamic::{TlsConfig, TlsOptions};
use waygate_config::{Issue, IssueKind};

use super::store::CertStore;
use super::{TlsShared, certificates, options};

/// Built TLS options, by name, and the `default` one.
pub(crate) struct TlsCompiler {
    options: HashMap<String, Result<Arc<ServerConfig>, String>>,
    default: Arc<ServerConfig>,
    /// The store's certificates (leaves), the generated default one excluded: what the API
    /// lists.
    leaves: Vec<CertificateDer<'static>>,
}

// === impl TlsCompiler ===

impl TlsCompiler {
    /// Compiles `tls`; `None` when not even the built-in default option can be built (which
    /// would be a bug in the defaults: TLS is then not served).
    pub(crate) fn new(
        tls: Option<&TlsConfig>,
        shared: &TlsShared,
        issues: &mut Vec<Issue>,
    ) -> Option<Self> {
        let empty = TlsConfig::default();
        let tls = tls.unwrap_or(&empty);
        let (store, leaves) = store(tls, shared, issues);
        let store = Arc::new(store);
        let mut built = HashMap::new();
        for (name, opts) in &tls.options {
            let result = options::build(opts, &store, shared);
            if let Err(e) = &result {
                issues.push(
                    Issue::error(
                        IssueKind::Unsupported,
                        format!("tls.options.{name}"),
                        format!("TLS option unusable: {e}"),
                    )
                    .with_item("tlsOption", name.clone()),
                );
            }
            built.insert(name.clone(), result);
        }
        let default = match built.get("default") {
            Some(Ok(cfg)) => cfg.clone(),
            _ => match options::build(&TlsOptions::default(), &store, shared) {
                Ok(cfg) => cfg,
                Err(e) => {
                    issues.push(Issue::error(
                        IssueKind::Unsupported,
                        "tls.options.default",
                        format!("the built-in default TLS option cannot be built: {e}"),
                    ));
                    return None;
                }
            },
        };
        built
            .entry("default".to_string())
            .or_insert_with(|| Ok(default.clone()));
        Some(Self {
            options: built,
            default,
            leaves,
        })
    }

    /// The store's certificates as the API shows them.
    pub(crate) fn summaries(&self) -> Vec<waygate_api::Certificate> {
        self.leaves
            .iter()
            .filter_map(super::summary::summarize)
            .collect()
    }

    /// The `default` option, used for handshakes whose SNI no TLS router claims.
    pub(crate) fn default_config(&self) -> &Arc<ServerConfig> {
        &self.default
    }

    /// The option `name` as referenced by `router` (empty = `default`). An unqualified name
    /// (from an entry point's `http.tls.options`) is also tried with the router's provider.
    pub(crate) fn option(
        &self,
        name: &str,
        router: &str,
    ) -> Result<(String, Arc<ServerConfig>), String> {
        let name = if name.is_empty() { "default" } else { name };
        let qualified = match (name.contains('@'), router.rsplit_once('@')) {
            (false, Some((_, provider))) => Some(format!("{name}@{provider}")),
            _ => None,
        };
        let (found, result) = std::iter::once(name.to_string())
            .chain(qualified)
            .find_map(|n| self.options.get(&n).map(|r| (n, r)))
            .ok_or_else(|| format!("TLS option `{name}` does not exist"))?;
        match result {
            Ok(cfg) => Ok((found, cfg.clone())),
            Err(e) => Err(format!("TLS option `{found}` is unusable: {e}")),
        }
    }
}

/// The `default` store: `tls.certificates` (those in the `default` store) and its default
/// certificate, else the generated one; with the store's leaf certificates, the generated
/// one excluded (Traefik's API leaves it out too).
fn store(
    tls: &TlsConfig,
    shared: &TlsShared,
    issues: &mut Vec<Issue>,
) -> (CertStore, Vec<CertificateDer<'static>>) {
    let provider = super::provider();
    let never = |_: &str, _: &str| false;
    let certs = certificates::listed(tls, &provider, &never, issues);
    let store = tls.stores.get("default");
    let mut default = shared.generated_default.clone();
    if store.is_some_and(|s| s.default_certificate.is_some()) {
        if let Some(key) = certificates::default_certificate(tls, &provider, &never, issues) {
            default = Some(key);
        }
    } else if let Some(g) = store.and_then(|s| s.default_generated_cert.as_ref()) {
        // The resolver obtains a certificate for `domain` (as for a router) and publishes it
        // among the certificates; once it is there it is the default. Until then the
        // generated self-signed one serves.
        match &g.domain {
            Some(d) if !d.main.is_empty() => {
                let wanted = || std::iter::once(&d.main).chain(&d.sans);
                let found = certs.iter().find(|(names, _)| {
                    wanted().all(|w| {
                        let w = super::normalize_server_name(w);
                        names.iter().any(|n| n == &w || super::store::covers(n, &w))
                    })
                });
                if let Some((_, key)) = found {
                    default = Some(key.clone());
                }
            }
            _ => issues.push(Issue::error(
                IssueKind::Missing,
                "tls.stores.default.defaultGeneratedCert.domain",
                "defaultGeneratedCert needs domain.main (the name to obtain the default \
                 certificate for); the generated self-signed default certificate is served",
            )),
        }
    }
    let generated = |k: &Arc<CertifiedKey>| {
        shared
            .generated_default
            .as_ref()
            .is_some_and(|g| Arc::ptr_eq(g, k))
    };
    let mut leaves: Vec<CertificateDer<'static>> = Vec::new();
    let keys = certs.iter().map(|(_, k)| k).chain(default.iter());
    for key in keys.filter(|k| !generated(k)) {
        if let Ok(leaf) = key.end_entity_cert()
            && !leaves.contains(leaf)
        {
            leaves.push(leaf.clone().into_owned());
        }
    }
    (CertStore::new(certs, default), leaves)
}
