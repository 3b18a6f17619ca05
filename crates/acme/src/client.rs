//! The HTTP client that talks to the ACME server: HTTPS only, trusting `caCertificates`
//! (plus the system roots with `caSystemCertPool`, or the system roots alone when no CA is
//! given), verifying the server as `caServerName` when set, every request bounded by
//! `clientTimeout`. TLS is rustls on aws-lc-rs, like the rest of the gateway; a server
//! certificate that is one of `caCertificates` is trusted as Go does (`TrustedVerifier`), and
//! errors name the request and rustls' reason.

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
use waygate_proxy::tls::TrustedVerifier;

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
        let target = format!("{} {}", req.method(), req.uri());
        let fut = self.client.request(req);
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, fut).await {
                Ok(Ok(rsp)) => Ok(BytesResponse::from(rsp)),
                Ok(Err(e)) => Err(Error::Other(describe(&target, &e).into())),
                Err(_) => Err(Error::Str(
                    "request to the ACME server timed out (clientTimeout)",
                )),
            }
        })
    }
}

/// `target` and the error with its sources: "POST https://acme.test/dir: client error
/// (Connect): invalid peer certificate: UnknownIssuer", rather than hyper's bare "client
/// error (Connect)".
fn describe(target: &str, e: &(dyn std::error::Error + 'static)) -> String {
    format!("{target}: {}", error_chain(e))
}

/// An error and its sources, joined with ": "; rustls' reason is worded as for backends
/// (`tls::describe_error`). Also used by the DNS providers' HTTP client.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = String::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        match rustls_reason(err) {
            Some(reason) => msg.push_str(&waygate_proxy::tls::describe_error(reason)),
            None => msg.push_str(&err.to_string()),
        }
        cur = err.source();
    }
    msg
}

/// rustls' error inside `err`, through the `io::Error` layers tokio-rustls and hyper-rustls
/// wrap it in (an `io::Error`'s `source()` skips the error it holds).
fn rustls_reason<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(r) = err.downcast_ref::<rustls::Error>() {
        return Some(r);
    }
    let inner = err.downcast_ref::<std::io::Error>()?.get_ref()?;
    rustls_reason(inner)
}

/// The TLS client configuration for the ACME server. A server certificate that is itself one
/// of `caCertificates` is trusted as Go does, even with CA:TRUE (test ACME servers').
fn tls_config(cfg: &Acme) -> Result<ClientConfig, String> {
    let mut configured = Vec::new();
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
                .add(c.clone())
                .map_err(|e| format!("caCertificates: `{ca}`: {e}"))?;
            configured.push(c);
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
    let verifier: Arc<dyn ServerCertVerifier> = if configured.is_empty() {
        WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| {
                format!("no caCertificates, and the system trust store cannot be used: {e}")
            })?
    } else {
        TrustedVerifier::new(roots, configured, provider.clone())
            .map_err(|e| format!("caCertificates: {e}"))?
    };
    let verifier: Arc<dyn ServerCertVerifier> = if cfg.ca_server_name.is_empty() {
        verifier
    } else {
        let name = ServerName::try_from(cfg.ca_server_name.clone())
            .map_err(|e| format!("caServerName `{}`: {e}", cfg.ca_server_name))?;
        Arc::new(NamedVerifier {
            inner: verifier,
            name,
        })
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Verifies the server's certificate for `caServerName` instead of the URL's host.
#[derive(Debug)]
struct NamedVerifier {
    inner: Arc<dyn ServerCertVerifier>,
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

#[cfg(test)]
mod tests;
