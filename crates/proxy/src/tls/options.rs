//! One TLS option (`tls.options.<name>`) → one rustls `ServerConfig`, built once per table.

use std::sync::Arc;

use rustls::server::NoServerSessionStorage;
use rustls::version::{TLS12, TLS13};
use rustls::{ServerConfig, SupportedProtocolVersion};
use waygate_config::dynamic::TlsOptions;

use super::names;
use super::resolver::StoreResolver;
use super::store::CertStore;
use super::{TlsShared, client_auth};

/// Builds the `ServerConfig` of an option; `Err` names the first setting that cannot be
/// served (the option is then unusable, and routers that use it are disabled).
pub(crate) fn build(
    opts: &TlsOptions,
    store: &Arc<CertStore>,
    shared: &TlsShared,
) -> Result<Arc<ServerConfig>, String> {
    let versions = versions(&opts.min_version, &opts.max_version)?;
    let mut provider = super::provider();
    names::restrict_cipher_suites(&mut provider, &opts.cipher_suites)?;
    if !opts.curve_preferences.is_empty() {
        let mut groups = Vec::new();
        for name in &opts.curve_preferences {
            let group = names::curve(name).map_err(|e| format!("curvePreferences: {e}"))?;
            if !groups
                .iter()
                .any(|g: &&dyn rustls::crypto::SupportedKxGroup| g.name() == group.name())
            {
                groups.push(group);
            }
        }
        provider.kx_groups = groups;
    }
    let provider = Arc::new(provider);
    let verifier = client_auth::verifier(opts.client_auth.as_ref(), &provider)?;
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|e| format!("no usable configuration: {e}"))?
        .with_client_cert_verifier(verifier)
        .with_cert_resolver(Arc::new(StoreResolver::new(store.clone(), opts.sni_strict)));
    // The server's order decides the suite, as in Go (and so Traefik) since Go 1.17; testssl
    // rates a server without a cipher order HIGH.
    cfg.ignore_client_order = true;
    // `acme-tls/1` belongs to the ACME TLS-ALPN-01 challenge, served before this configuration is chosen
    // (`crate::acme`).
    cfg.alpn_protocols = opts
        .alpn_protocols
        .iter()
        .filter(|p| p.as_str() != "acme-tls/1")
        .map(|p| p.as_bytes().to_vec())
        .collect();
    if opts.disable_session_tickets {
        // Go's servers resume only through tickets: disabling them disables resumption.
        cfg.session_storage = Arc::new(NoServerSessionStorage {});
        cfg.send_tls13_tickets = 0;
    } else if let Some(ticketer) = &shared.ticketer {
        cfg.ticketer = ticketer.clone();
    }
    Ok(Arc::new(cfg))
}

/// The protocol versions between `minVersion` (default TLS 1.2) and `maxVersion`.
fn versions(min: &str, max: &str) -> Result<Vec<&'static SupportedProtocolVersion>, String> {
    let rank = |v: &str, key: &str, default: u8| match v {
        "" => Ok(default),
        "VersionTLS12" => Ok(12),
        "VersionTLS13" => Ok(13),
        "VersionTLS10" | "VersionTLS11" => Err(format!(
            "{key}: {v} is not offered by Waygate (TLS 1.0 and 1.1 are insecure)"
        )),
        other => Err(format!("{key}: unknown TLS version `{other}`")),
    };
    let (min, max) = (rank(min, "minVersion", 12)?, rank(max, "maxVersion", 13)?);
    let out: Vec<_> = [(12, &TLS12), (13, &TLS13)]
        .into_iter()
        .filter(|(v, _)| (min..=max).contains(v))
        .map(|(_, p)| p)
        .collect();
    if out.is_empty() {
        return Err("minVersion is above maxVersion".to_string());
    }
    Ok(out)
}
