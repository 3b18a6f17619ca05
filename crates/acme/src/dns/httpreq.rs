//! `httpreq`: ask the user's own HTTP endpoint to publish and remove the record (lego's
//! "HTTP request" provider).
//!
//! `POST <HTTPREQ_ENDPOINT>/present` and `/cleanup` (the endpoint's path is kept, its query
//! dropped, as lego's URL join does) with `Content-Type: application/json` and the body
//! `{"fqdn":"_acme-challenge.example.com.","value":"..."}`, or with `HTTPREQ_MODE=RAW`
//! `{"domain":"example.com","token":"...","keyAuth":"..."}`. Basic authentication when both
//! `HTTPREQ_USERNAME` and `HTTPREQ_PASSWORD` are set. Any non-2xx status is an error carrying
//! the start of the body.
//!
//! Variables (each also as `<NAME>_FILE`): `HTTPREQ_ENDPOINT` (required, `http://` or
//! `https://`), `HTTPREQ_MODE`, `HTTPREQ_USERNAME`, `HTTPREQ_PASSWORD`,
//! `HTTPREQ_HTTP_TIMEOUT` (30), `HTTPREQ_PROPAGATION_TIMEOUT` (60),
//! `HTTPREQ_POLLING_INTERVAL` (2), in seconds.

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::{Method, Request, Uri, header};
use http_body_util::Full;

use super::env::Env;
use super::http::{HttpClient, excerpt};
use super::{DnsError, TxtRecord};

/// Settings of the `httpreq` provider (see the module doc).
pub struct HttpReq {
    endpoint: Uri,
    raw: bool,
    authorization: Option<String>,
    http_timeout: Duration,
    pub(crate) propagation_timeout: Duration,
    pub(crate) polling_interval: Duration,
    client: HttpClient,
}

// === impl HttpReq ===

impl HttpReq {
    pub(crate) fn from_env(env: &Env<'_>) -> Result<Self, DnsError> {
        let raw_endpoint = env.required(&["HTTPREQ_ENDPOINT"])?;
        let endpoint: Uri = raw_endpoint.parse().map_err(|e| {
            env.error(format!(
                "HTTPREQ_ENDPOINT={raw_endpoint:?} is not a URL: {e}"
            ))
        })?;
        if !matches!(endpoint.scheme_str(), Some("http" | "https"))
            || endpoint.authority().is_none()
        {
            return Err(env.error(format!(
                "HTTPREQ_ENDPOINT={raw_endpoint:?} must be an http:// or https:// URL"
            )));
        }
        let username = env.get(&["HTTPREQ_USERNAME"])?;
        let password = env.get(&["HTTPREQ_PASSWORD"])?;
        let authorization = match (username, password) {
            (Some(u), Some(p)) => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )),
            _ => None,
        };
        Ok(Self {
            endpoint,
            raw: env.get(&["HTTPREQ_MODE"])?.as_deref() == Some("RAW"),
            authorization,
            http_timeout: env.seconds("HTTPREQ_HTTP_TIMEOUT", Duration::from_secs(30))?,
            propagation_timeout: env
                .seconds("HTTPREQ_PROPAGATION_TIMEOUT", Duration::from_secs(60))?,
            polling_interval: env.seconds("HTTPREQ_POLLING_INTERVAL", Duration::from_secs(2))?,
            client: HttpClient::new().map_err(|e| env.error(e))?,
        })
    }

    pub(crate) async fn present(&self, rec: &TxtRecord) -> Result<(), DnsError> {
        self.post("present", rec).await
    }

    pub(crate) async fn cleanup(&self, rec: &TxtRecord) -> Result<(), DnsError> {
        self.post("cleanup", rec).await
    }

    async fn post(&self, action: &str, rec: &TxtRecord) -> Result<(), DnsError> {
        let body = if self.raw {
            serde_json::json!({"domain": rec.domain, "token": rec.token, "keyAuth": rec.key_auth})
        } else {
            serde_json::json!({"fqdn": rec.fqdn, "value": rec.value})
        };
        let url = self.url(action);
        let failed = |e: String| DnsError(format!("httpreq: POST {url} for {}: {e}", rec.fqdn));
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(&url)
            .header(header::CONTENT_TYPE, "application/json")
            .header(
                header::USER_AGENT,
                concat!("waygate/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(auth) = &self.authorization {
            req = req.header(header::AUTHORIZATION, auth);
        }
        let req = req
            .body(Full::new(Bytes::from(body.to_string())))
            .map_err(|e| failed(e.to_string()))?;
        let (status, body) = self
            .client
            .send(req, self.http_timeout)
            .await
            .map_err(failed)?;
        if !status.is_success() {
            return Err(failed(format!("{status}: {}", excerpt(&body))));
        }
        Ok(())
    }

    /// `<endpoint path>/<action>`, scheme and authority kept, query dropped.
    fn url(&self, action: &str) -> String {
        let scheme = self.endpoint.scheme_str().unwrap_or("http");
        // Credentials belong in HTTPREQ_USERNAME/PASSWORD; userinfo is not sent (nor shown).
        let authority = self
            .endpoint
            .authority()
            .map(|a| a.as_str())
            .unwrap_or_default();
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        let path = self.endpoint.path().trim_end_matches('/');
        format!("{scheme}://{authority}{path}/{action}")
    }
}

impl std::fmt::Debug for HttpReq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpReq")
            .field("endpoint", &self.url(""))
            .field("raw", &self.raw)
            .field(
                "basic_auth",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .field("http_timeout", &self.http_timeout)
            .finish_non_exhaustive()
    }
}
