//! The HTTP client that talks to the ACME server: HTTPS only, trusting `caCertificates`
//! (plus the system roots with `caSystemCertPool`, or the system roots alone when no CA is
//! given), verifying the server as `caServerName` when set, every request bounded by
//! `clientTimeout`. TLS is rustls on aws-lc-rs, like the rest of the gateway.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper_rustls::HttpsConnectorBuilder;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use instant_acme::{BodyWrapper, BytesResponse, Error, HttpClient};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use waygate_config::static_config::Acme;

type Inner = Client<hyper_rustls::HttpsConnector<HttpConnector>, BodyWrapper<Bytes>>;

/// instant-acme's HTTP client, configured from the resolver.
pub struct AcmeHttp {
    client: Inner,
    timeout: Duration,
}

// === impl AcmeHttp ===

impl AcmeHttp {
    /// Builds the client; `Err` names the CA file that could not be used.
    pub fn new(cfg: &Acme) -> Result<Self, String> {
        let config = tls_config(cfg)?;
        let connector = HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_only()
            .enable_http1()
            .enable_http2()
            .build();
        let timeout = cfg
            .client_timeout
            .to_std()
            .filter(|d| !d.is_zero())
            .unwrap_or(Duration::from_secs(120));
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        })
    }
}

impl HttpClient for AcmeHttp {
    fn request(
        &self,
        req: http::Request<BodyWrapper<Bytes>>,
    ) -> Pin<Box<dyn Future<Output = Result<BytesResponse, Error>> + Send>> {
        let fut = self.client.request(req);
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, fut).await {
                Ok(Ok(rsp)) => Ok(BytesResponse::from(rsp)),
                Ok(Err(e)) => Err(Error::Other(Box::new(e))),
                Err(_) => Err(Error::Str(
                    "request to the ACME server timed out (clientTimeout)",
                )),
            }
        })
    }
}

/// The TLS client configuration for the ACME server.
fn tls_config(cfg: &Acme) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    for ca in &cfg.ca_certificates {
        let certs: Result<Vec<_>, _> = if waygate_config::types::is_inline_content(ca) {
            CertificateDer::pem_slice_iter(ca.as_bytes()).collect()
        } else {
            CertificateDer::pem_file_iter(ca)
                .map_err(|e| format!("caCertificates: cannot read `{ca}`: {e}"))?
                .collect()
        };
        let certs = certs.map_err(|e| format!("caCertificates: `{ca}`: invalid PEM: {e}"))?;
        if certs.is_empty() {
            return Err(format!("caCertificates: `{ca}` has no CERTIFICATE block"));
        }
        for c in certs {
            roots
                .add(c)
                .map_err(|e| format!("caCertificates: `{ca}`: {e}"))?;
        }
    }
    if cfg.ca_certificates.is_empty() || cfg.ca_system_cert_pool {
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let roots = Arc::new(roots);
    let config = if cfg.ca_server_name.is_empty() {
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        let name = ServerName::try_from(cfg.ca_server_name.clone())
            .map_err(|e| format!("caServerName `{}`: {e}", cfg.ca_server_name))?;
        let inner = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| format!("caCertificates: {e}"))?;
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NamedVerifier { inner, name }))
            .with_no_client_auth()
    };
    Ok(config)
}

/// Verifies the server's certificate for `caServerName` instead of the URL's host.
#[derive(Debug)]
struct NamedVerifier {
    inner: Arc<WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl ServerCertVerifier for NamedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
