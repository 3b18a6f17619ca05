//! The three Cloudflare API v4 calls the provider needs, and the API's answer envelope
//! (`{"success":..,"errors":[{"code":..,"message":..}],"result":..}`).

use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, header};
use http_body_util::Full;
use serde::Deserialize;

use crate::dns::http::{HttpClient, excerpt};

/// How a request authenticates.
#[derive(Clone)]
pub(super) enum Auth {
    /// An API token: `Authorization: Bearer <token>`.
    Token(String),
    /// The global API key: `X-Auth-Email` and `X-Auth-Key`.
    Key { email: String, key: String },
}

/// The API client: base URL, credentials, deadline per request.
pub(super) struct Api {
    pub(super) base: String,
    pub(super) dns_auth: Auth,
    pub(super) zone_auth: Auth,
    pub(super) timeout: Duration,
    pub(super) client: HttpClient,
}

#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    errors: Vec<ApiError>,
    result: Option<T>,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct Zone {
    id: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct DnsRecord {
    id: String,
}

// === impl Api ===

impl Api {
    /// The id of the zone named exactly `name`, if the account has it.
    pub(super) async fn zone_id(&self, name: &str) -> Result<Option<String>, String> {
        let path = format!("/zones?name={}&per_page=50", encode(name));
        let zones: Vec<Zone> = self
            .call(Method::GET, &path, &self.zone_auth, None)
            .await?
            .unwrap_or_default();
        let exact = zones
            .iter()
            .position(|z| z.name.eq_ignore_ascii_case(name))
            .unwrap_or(0);
        Ok(zones.into_iter().nth(exact).map(|z| z.id))
    }

    /// Creates the TXT record; returns its id.
    pub(super) async fn create_txt(
        &self,
        zone_id: &str,
        name: &str,
        value: &str,
        ttl: u32,
    ) -> Result<String, String> {
        let body = serde_json::json!({"type": "TXT", "name": name, "content": value, "ttl": ttl});
        let path = format!("/zones/{}/dns_records", encode(zone_id));
        let record: Option<DnsRecord> = self
            .call(Method::POST, &path, &self.dns_auth, Some(body))
            .await?;
        record
            .map(|r| r.id)
            .ok_or_else(|| "the answer has no record id".to_string())
    }

    pub(super) async fn delete_record(&self, zone_id: &str, record_id: &str) -> Result<(), String> {
        let path = format!(
            "/zones/{}/dns_records/{}",
            encode(zone_id),
            encode(record_id)
        );
        self.call::<serde_json::Value>(Method::DELETE, &path, &self.dns_auth, None)
            .await?;
        Ok(())
    }

    /// One request; a non-2xx status or `"success": false` is an error listing the API's
    /// errors.
    async fn call<T: for<'de> Deserialize<'de>>(
        &self,
        method: Method,
        path: &str,
        auth: &Auth,
        body: Option<serde_json::Value>,
    ) -> Result<Option<T>, String> {
        let url = format!("{}{path}", self.base);
        let mut req = Request::builder()
            .method(method.clone())
            .uri(&url)
            .header(header::ACCEPT, "application/json")
            .header(
                header::USER_AGENT,
                concat!("waygate/", env!("CARGO_PKG_VERSION")),
            );
        req = match auth {
            Auth::Token(token) => req.header(header::AUTHORIZATION, format!("Bearer {token}")),
            Auth::Key { email, key } => req.header("X-Auth-Email", email).header("X-Auth-Key", key),
        };
        let body = match body {
            Some(json) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Bytes::from(json.to_string())
            }
            None => Bytes::new(),
        };
        let failed = |e: String| format!("{method} {url}: {e}");
        let req = req
            .body(Full::new(body))
            .map_err(|e| failed(e.to_string()))?;
        let (status, body) = self.client.send(req, self.timeout).await.map_err(failed)?;
        let envelope: Option<Envelope<T>> = serde_json::from_slice(&body).ok();
        match envelope {
            Some(env) if status.is_success() && env.success => Ok(env.result),
            Some(env) if !env.errors.is_empty() => {
                let errors: Vec<String> = env
                    .errors
                    .iter()
                    .map(|e| format!("{}: {}", e.code, e.message))
                    .collect();
                Err(failed(format!("{status}: {}", errors.join("; "))))
            }
            _ => Err(failed(format!("{status}: {}", excerpt(&body)))),
        }
    }
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = |a: &Auth| match a {
            Auth::Token(_) => "token <redacted>",
            Auth::Key { .. } => "email+key <redacted>",
        };
        f.debug_struct("Api")
            .field("base", &self.base)
            .field("dns_auth", &kind(&self.dns_auth))
            .field("zone_auth", &kind(&self.zone_auth))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Percent-encodes all but RFC 3986 unreserved characters (names and ids are plain ASCII).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
