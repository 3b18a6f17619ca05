//! The HTTP(S) client of the API-driven providers (`httpreq`, `cloudflare`): hyper-util's
//! pooled client over hyper-rustls, trusting the system roots (`rustls-native-certs`); plain
//! `http://` URLs are allowed. Each request runs under one deadline (lego's `*_HTTP_TIMEOUT`)
//! covering connect, headers and body; bodies are read up to [`MAX_BODY`] bytes.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Largest response body kept (API answers are small; error pages may not be).
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// A cheap-to-clone HTTPS client.
#[derive(Clone)]
pub(crate) struct HttpClient {
    client: Arc<Client<HttpsConnector<HttpConnector>, Full<Bytes>>>,
}

// === impl HttpClient ===

impl HttpClient {
    pub(crate) fn new() -> Result<Self, String> {
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for e in &native.errors {
            tracing::warn!(error = %e, "DNS provider client: some system CA certificates could not be loaded");
        }
        roots.add_parsable_certificates(native.certs);
        // The process-wide provider when the binary installed one, else aws-lc-rs (the only
        // provider compiled in).
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot build the TLS client: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            client: Arc::new(Client::builder(TokioExecutor::new()).build(connector)),
        })
    }

    /// Sends the request and reads the answer, all within `timeout`.
    pub(crate) async fn send(
        &self,
        req: Request<Full<Bytes>>,
        timeout: Duration,
    ) -> Result<(StatusCode, Bytes), String> {
        let run = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| crate::client::error_chain(&e))?;
            let status = resp.status();
            let body = Limited::new(resp.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("reading the body: {e}"))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(timeout, run)
            .await
            .unwrap_or_else(|_| {
                Err(format!(
                    "no complete answer within {}s",
                    timeout.as_secs_f32()
                ))
            })
    }
}

/// A body for an error message: UTF-8 (lossy), trimmed, at most 512 bytes.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let mut end = text.len().min(512);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        format!("{}...", &text[..end])
    } else {
        text.to_string()
    }
}
