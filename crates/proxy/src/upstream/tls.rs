//! Backend TLS for `https://` servers (reference §3.3 and §1.14): the TLS part of a servers
//! transport ([`TlsSettings`], part of the pool key), the rustls `ClientConfig` built from it
//! once per transport (cached in [`Pools`](super::Pools)), and the per-server [`Connector`]
//! that runs the handshake after the TCP dial.
//!
//! Trust: `rootCAs` (files or inline PEM) when given, else the system roots; a server
//! certificate that is itself one of the `rootCAs` is accepted as Go does, even with CA:TRUE
//! ([`TrustedVerifier`]); with `insecureSkipVerify` any certificate is accepted (handshake
//! signatures are still checked).
//! ALPN offers `h2, http/1.1` unless `disableHTTP2`; upgrade requests (WebSocket) offer only
//! `http/1.1`, as Go does for requests that require HTTP/1.

mod verify;

use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::sign::SingleCertAndKey;
use rustls::version::{TLS12, TLS13};
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tracing::warn;
use waygate_config::dynamic::ServersTransport;
use waygate_config::static_config::ServersTransportDefaults;

use crate::rescue::ProxyError;
use crate::tls::{TrustedVerifier, keypair, names, pem};

/// The TLS settings of one servers transport, as configured (hashable: part of the pool key).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TlsSettings {
    /// SNI and the name verified; empty = the server URL's host.
    pub server_name: String,
    pub insecure_skip_verify: bool,
    /// Files or inline PEM; empty = the system roots.
    pub root_cas: Vec<String>,
    /// Client certificate and key (file or inline PEM) for mTLS to the backend.
    pub certificates: Vec<(String, String)>,
    pub cipher_suites: Vec<String>,
    pub min_version: String,
    pub max_version: String,
    pub disable_http2: bool,
    /// A URI SAN the backend's certificate must carry.
    pub peer_cert_uri: String,
}

/// The handshake with one server: configs (ALPN with and without `h2`) and the name to verify.
#[derive(Debug)]
pub(crate) struct Connector {
    config: Arc<ClientConfig>,
    config_h1: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    peer_cert_uri: Option<String>,
}

// === impl TlsSettings ===

impl TlsSettings {
    /// The TLS part of `http.serversTransports.<name>`; `Err` names what Waygate cannot do.
    pub fn from_dynamic(t: &ServersTransport) -> Result<Self, String> {
        if !t.peer_cert_sans.is_empty() {
            return Err("peerCertSANs is not implemented by Waygate yet (peerCertURI is)".into());
        }
        if t.spiffe.is_some() {
            return Err("spiffe is not implemented by Waygate yet".into());
        }
        Ok(Self {
            server_name: t.server_name.clone(),
            insecure_skip_verify: t.insecure_skip_verify,
            root_cas: t.root_cas.clone(),
            certificates: t
                .certificates
                .iter()
                .map(|c| (c.cert_file.clone(), c.key_file.clone()))
                .collect(),
            cipher_suites: t.cipher_suites.clone(),
            min_version: t.min_version.clone(),
            max_version: t.max_version.clone(),
            disable_http2: t.disable_http2,
            peer_cert_uri: t.peer_cert_uri.clone(),
        })
    }

    /// The static `serversTransport` defaults, which apply to `default@internal`.
    pub fn from_static(d: &ServersTransportDefaults) -> Result<Self, String> {
        if d.spiffe.is_some() {
            return Err("spiffe is not implemented by Waygate yet".into());
        }
        Ok(Self {
            insecure_skip_verify: d.insecure_skip_verify,
            root_cas: d.root_cas.clone(),
            ..Self::default()
        })
    }

    /// Builds the client configuration. `system_roots` is only called without `rootCAs`.
    pub(crate) fn client_config(
        &self,
        system_roots: impl FnOnce() -> Arc<RootCertStore>,
    ) -> Result<Arc<ClientConfig>, String> {
        let mut provider = crate::tls::provider();
        names::restrict_cipher_suites(&mut provider, &self.cipher_suites)?;
        let provider = Arc::new(provider);
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions(&self.min_version, &self.max_version)?)
            .map_err(|e| format!("no usable TLS configuration: {e}"))?;
        let builder = if self.insecure_skip_verify {
            builder
                .dangerous()
                .with_custom_certificate_verifier(verify::AnyServerCert::accept_all(&provider))
        } else {
            let mut configured = Vec::new();
            let roots = if self.root_cas.is_empty() {
                system_roots()
            } else {
                let mut roots = RootCertStore::empty();
                for ca in &self.root_cas {
                    for cert in pem::certificates(ca).map_err(|e| format!("rootCAs: {e}"))? {
                        roots
                            .add(cert.clone())
                            .map_err(|e| format!("rootCAs: {e}"))?;
                        configured.push(cert);
                    }
                }
                Arc::new(roots)
            };
            let verifier: Arc<dyn ServerCertVerifier> = if roots.is_empty() {
                verify::AnyServerCert::trust_none(&provider)
            } else {
                TrustedVerifier::new(roots, configured, provider.clone())
                    .map_err(|e| format!("rootCAs: {e}"))?
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(verifier)
        };
        let mut cfg = match self.certificates.first() {
            // Go would pick among several by the server's request; the first one is used here.
            Some((cert, key)) => {
                let key = keypair::certified_key(cert, key, &provider)
                    .map_err(|e| format!("certificates: {e}"))?;
                builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(key)))
            }
            None => builder.with_no_client_auth(),
        };
        cfg.alpn_protocols = if self.disable_http2 {
            vec![b"http/1.1".to_vec()]
        } else {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        };
        Ok(Arc::new(cfg))
    }
}

/// The system trust store (loaded once per gateway; unreadable entries are logged).
pub(crate) fn system_roots() -> Arc<RootCertStore> {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        warn!(error = %e, "cannot load a system root certificate");
    }
    let mut roots = RootCertStore::empty();
    let (_, ignored) = roots.add_parsable_certificates(found.certs);
    if ignored > 0 {
        warn!(ignored, "system root certificates ignored as unparsable");
    }
    Arc::new(roots)
}

/// The protocol versions between `minVersion` and `maxVersion` (Go's names). rustls has no
/// TLS 1.0/1.1: a lower minimum means TLS 1.2, a lower maximum cannot be served.
fn versions(min: &str, max: &str) -> Result<Vec<&'static SupportedProtocolVersion>, String> {
    let rank = |v: &str, key: &str, default: u8| match v {
        "" => Ok(default),
        "VersionTLS10" | "VersionTLS11" | "VersionTLS12" => Ok(12),
        "VersionTLS13" => Ok(13),
        other => Err(format!("{key}: unknown TLS version `{other}`")),
    };
    if matches!(max, "VersionTLS10" | "VersionTLS11") {
        return Err(format!(
            "maxVersion: {max} is not offered by Waygate (TLS 1.2 is the lowest)"
        ));
    }
    let (lo, hi) = (rank(min, "minVersion", 12)?, rank(max, "maxVersion", 13)?);
    if lo > hi {
        return Err(format!("minVersion {min} is above maxVersion {max}"));
    }
    Ok([(12, &TLS12), (13, &TLS13)]
        .into_iter()
        .filter(|(v, _)| (lo..=hi).contains(v))
        .map(|(_, p)| p)
        .collect())
}

// === impl Connector ===

impl Connector {
    /// `host` is the server URL's host, the name verified unless `serverName` is set.
    pub(crate) fn new(
        config: Arc<ClientConfig>,
        settings: &TlsSettings,
        host: &str,
    ) -> Result<Self, String> {
        let name = if settings.server_name.is_empty() {
            host.trim_start_matches('[').trim_end_matches(']')
        } else {
            settings.server_name.as_str()
        };
        let server_name = ServerName::try_from(name.to_string())
            .map_err(|e| format!("invalid TLS server name `{name}`: {e}"))?;
        let mut h1 = (*config).clone();
        h1.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            config,
            config_h1: Arc::new(h1),
            server_name,
            peer_cert_uri: Some(settings.peer_cert_uri.clone()).filter(|u| !u.is_empty()),
        })
    }

    /// Runs the handshake on `tcp`; `true` with the stream when the server chose HTTP/2.
    pub(crate) async fn connect(
        &self,
        tcp: TcpStream,
        http1_only: bool,
        addr: &str,
    ) -> Result<(TlsStream<TcpStream>, bool), ProxyError> {
        let config = if http1_only {
            &self.config_h1
        } else {
            &self.config
        };
        let stream = TlsConnector::from(config.clone())
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| handshake_error(addr, &e))?;
        let (_, session) = stream.get_ref();
        if let Some(uri) = &self.peer_cert_uri {
            let leaf = session.peer_certificates().and_then(|c| c.first());
            verify::check_uri_san(leaf, uri)
                .map_err(|e| ProxyError::UpstreamTls(format!("TLS with {addr}: {e}")))?;
        }
        let h2 = session.alpn_protocol() == Some(b"h2");
        Ok((stream, h2))
    }
}

/// A failed handshake with `addr`, with rustls' reason. A refused certificate or a peer that
/// does not speak TLS is a configuration problem ([`ProxyError::UpstreamTls`]), as Go's
/// `CertificateVerificationError` and `RecordHeaderError` are to Traefik.
fn handshake_error(addr: &str, e: &std::io::Error) -> ProxyError {
    let reason = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    let msg = match reason {
        Some(r) => format!(
            "TLS handshake with {addr}: {}",
            crate::tls::describe_error(r)
        ),
        None => format!("TLS handshake with {addr}: {e}"),
    };
    match reason {
        Some(rustls::Error::InvalidCertificate(_) | rustls::Error::InvalidMessage(_)) => {
            ProxyError::UpstreamTls(msg)
        }
        _ => ProxyError::Upstream(msg),
    }
}

#[cfg(test)]
mod tests;
