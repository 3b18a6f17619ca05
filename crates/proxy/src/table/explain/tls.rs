//! The **tls** stage for an `https://` request: the TLS option the entry point picks for the
//! SNI (from its TLS routers' `Host()` values), and the certificate that option's resolver
//! presents, found by an in-memory handshake (`tls::probe`).

use std::net::IpAddr;

use rustls_pki_types::CertificateDer;
use serde::Serialize;
use waygate_config::dynamic::DynamicConfig;
use x509_parser::extensions::GeneralName;
use x509_parser::x509::X509Name;

use crate::tls::SniOptions;

/// The handshake an `https://` request would get.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsExplanation {
    /// The server name sent (none for an IP address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// The TLS option (`default` when no TLS router's `Host()` claims the name).
    pub option: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateSeen>,
    /// Why the handshake fails (e.g. `sniStrict` and no certificate for the name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The leaf certificate presented.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSeen {
    pub subject: String,
    /// DNS names and IP addresses.
    pub sans: Vec<String>,
    pub issuer: String,
    /// RFC 2822-ish UTC date, as x509-parser prints it.
    pub not_after: String,
    /// Whether its names cover the SNI (a browser would accept the name).
    pub covers_sni: bool,
    /// The generated self-signed `WAYGATE DEFAULT CERT`: no certificate matched.
    pub generated_default: bool,
}

pub(super) fn explain(
    sni_options: &SniOptions,
    sni: Option<&str>,
    dynamic: &DynamicConfig,
) -> TlsExplanation {
    let selected = sni_options.select_named(sni);
    let mut out = TlsExplanation {
        sni: sni.map(str::to_string),
        option: selected.option.clone(),
        certificate: None,
        error: None,
    };
    let strict = dynamic
        .tls
        .as_ref()
        .and_then(|t| t.options.get(&selected.option))
        .is_some_and(|o| o.sni_strict);
    match crate::tls::presented_chain(&selected.config, sni) {
        Ok(chain) => out.certificate = chain.first().and_then(|leaf| describe(leaf, sni)),
        Err(e) if strict => {
            out.error = Some(format!(
                "TLS handshake refused: option `{}` has sniStrict and no certificate \
                 covers {} ({e})",
                selected.option,
                sni.map_or_else(
                    || "a handshake without SNI".to_string(),
                    |s| format!("`{s}`")
                ),
            ));
        }
        Err(e) => out.error = Some(format!("TLS handshake refused: {e}")),
    }
    out
}

fn describe(leaf: &CertificateDer<'_>, sni: Option<&str>) -> Option<CertificateSeen> {
    let (_, cert) = x509_parser::parse_x509_certificate(leaf.as_ref()).ok()?;
    let cn = |name: &X509Name<'_>| {
        name.iter_common_name()
            .next()
            .and_then(|c| c.as_str().ok())
            .map(str::to_string)
    };
    let subject = cn(cert.subject()).unwrap_or_else(|| cert.subject().to_string());
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push(d.to_string()),
                GeneralName::IPAddress(ip) => {
                    let ip = match ip.len() {
                        4 => <[u8; 4]>::try_from(*ip).ok().map(IpAddr::from),
                        16 => <[u8; 16]>::try_from(*ip).ok().map(IpAddr::from),
                        _ => None,
                    };
                    sans.extend(ip.map(|ip| ip.to_string()));
                }
                _ => {}
            }
        }
    }
    // The store indexes the common name too.
    let covers_sni = sni.is_some_and(|s| {
        std::iter::once(&subject)
            .chain(&sans)
            .any(|n| crate::tls::name_covers(&n.to_ascii_lowercase(), s))
    });
    Some(CertificateSeen {
        covers_sni,
        generated_default: subject == crate::tls::DEFAULT_CN,
        issuer: cn(cert.issuer()).unwrap_or_else(|| cert.issuer().to_string()),
        not_after: cert.validity().not_after.to_string(),
        subject,
        sans,
    })
}
