//! `cloudflare`: publish the record through Cloudflare's API v4, written from its
//! documentation (`https://api.cloudflare.com/client/v4`):
//!
//! - zone id: `GET /zones?name=<name>&per_page=50`, trying the record's name, then each parent
//!   (at least two labels), until a zone is returned; ids are cached per provider;
//! - `present`: `POST /zones/{zone_id}/dns_records` with `{"type":"TXT","name":..,
//!   "content":..,"ttl":..}`; the returned record id is remembered;
//! - `cleanup`: `DELETE /zones/{zone_id}/dns_records/{record_id}` for the remembered id.
//!
//! Authentication (each also as `<NAME>_FILE`): `CF_API_EMAIL` + `CF_API_KEY` (aliases
//! `CLOUDFLARE_EMAIL`, `CLOUDFLARE_API_KEY`; sent as `X-Auth-Email`/`X-Auth-Key`, preferred
//! when both are set, as in lego), else `CF_DNS_API_TOKEN` (alias `CLOUDFLARE_DNS_API_TOKEN`,
//! `Authorization: Bearer`), with `CF_ZONE_API_TOKEN` (alias `CLOUDFLARE_ZONE_API_TOKEN`)
//! used for the zone lookups when set. Other variables: `CLOUDFLARE_TTL` (120, lego's
//! minimum), `CLOUDFLARE_PROPAGATION_TIMEOUT` (120), `CLOUDFLARE_POLLING_INTERVAL` (2),
//! `CLOUDFLARE_HTTP_TIMEOUT` (30), in seconds.
//!
//! Waygate-only: `CLOUDFLARE_BASE_URL` replaces `https://api.cloudflare.com/client/v4` (lego
//! has the setting in its Go config only, not as a variable); meant for tests and API proxies.
//! Where lego finds the zone with SOA queries to the system resolvers, we ask the API, so no
//! DNS is needed before the record exists.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::env::Env;
use super::http::HttpClient;
use super::{DnsError, TxtRecord};

mod api;

use api::{Api, Auth};

const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";
/// lego refuses lower TTLs.
const MIN_TTL: u32 = 120;

/// Settings and state of the `cloudflare` provider (see the module doc).
pub struct Cloudflare {
    api: Api,
    ttl: u32,
    pub(crate) propagation_timeout: Duration,
    pub(crate) polling_interval: Duration,
    /// Zone name → zone id.
    zones: Mutex<HashMap<String, String>>,
    /// (fqdn, value) → (zone id, record id) of the records `present` created.
    records: Mutex<HashMap<(String, String), (String, String)>>,
}

// === impl Cloudflare ===

impl Cloudflare {
    pub(crate) fn from_env(env: &Env<'_>) -> Result<Self, DnsError> {
        let email = env.get(&["CLOUDFLARE_EMAIL", "CF_API_EMAIL"])?;
        let key = env.get(&["CLOUDFLARE_API_KEY", "CF_API_KEY"])?;
        let (dns_auth, zone_auth) = match (email, key) {
            (Some(email), Some(key)) => {
                let auth = Auth::Key { email, key };
                (auth.clone(), auth)
            }
            _ => {
                let token = env.get(&["CLOUDFLARE_DNS_API_TOKEN", "CF_DNS_API_TOKEN"])?.ok_or_else(|| {
                    env.error(
                        "missing credentials: set CF_DNS_API_TOKEN (or CLOUDFLARE_DNS_API_TOKEN), \
                         or CF_API_EMAIL and CF_API_KEY (or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)",
                    )
                })?;
                let zone = env.get(&["CLOUDFLARE_ZONE_API_TOKEN", "CF_ZONE_API_TOKEN"])?;
                (
                    Auth::Token(token.clone()),
                    Auth::Token(zone.unwrap_or(token)),
                )
            }
        };
        let ttl = env.int("CLOUDFLARE_TTL")?.unwrap_or(MIN_TTL);
        if ttl < MIN_TTL {
            return Err(env.error(format!(
                "invalid TTL, TTL ({ttl}) must be greater than {MIN_TTL}"
            )));
        }
        let base = env
            .get(&["CLOUDFLARE_BASE_URL"])?
            .unwrap_or_else(|| DEFAULT_BASE_URL.into());
        Ok(Self {
            api: Api {
                base: base.trim_end_matches('/').to_string(),
                dns_auth,
                zone_auth,
                timeout: env.seconds("CLOUDFLARE_HTTP_TIMEOUT", Duration::from_secs(30))?,
                client: HttpClient::new().map_err(|e| env.error(e))?,
            },
            ttl,
            propagation_timeout: env
                .seconds("CLOUDFLARE_PROPAGATION_TIMEOUT", Duration::from_secs(120))?,
            polling_interval: env.seconds("CLOUDFLARE_POLLING_INTERVAL", Duration::from_secs(2))?,
            zones: Mutex::default(),
            records: Mutex::default(),
        })
    }

    pub(crate) async fn present(&self, rec: &TxtRecord) -> Result<(), DnsError> {
        let failed = |e: String| {
            DnsError(format!(
                "cloudflare: failed to create TXT record {}: {e}",
                rec.fqdn
            ))
        };
        let zone_id = self.zone_id(&rec.fqdn).await.map_err(failed)?;
        let name = rec.fqdn.trim_end_matches('.');
        let id = self
            .api
            .create_txt(&zone_id, name, &rec.value, self.ttl)
            .await
            .map_err(failed)?;
        tracing::info!(provider = "cloudflare", fqdn = %rec.fqdn, record.id = %id, "TXT record created");
        lock(&self.records).insert((rec.fqdn.clone(), rec.value.clone()), (zone_id, id));
        Ok(())
    }

    pub(crate) async fn cleanup(&self, rec: &TxtRecord) -> Result<(), DnsError> {
        let key = (rec.fqdn.clone(), rec.value.clone());
        let Some((zone_id, id)) = lock(&self.records).remove(&key) else {
            return Err(DnsError(format!(
                "cloudflare: unknown record ID for '{}'",
                rec.fqdn
            )));
        };
        self.api.delete_record(&zone_id, &id).await.map_err(|e| {
            DnsError(format!(
                "cloudflare: failed to delete TXT record {} ({id}): {e}",
                rec.fqdn
            ))
        })
    }

    /// The id of the zone holding `fqdn`: the name itself, then each parent.
    async fn zone_id(&self, fqdn: &str) -> Result<String, String> {
        let name = fqdn.trim_end_matches('.').to_ascii_lowercase();
        let labels: Vec<&str> = name.split('.').collect();
        for start in 0..labels.len().saturating_sub(1) {
            let candidate = labels[start..].join(".");
            if let Some(id) = lock(&self.zones).get(&candidate) {
                return Ok(id.clone());
            }
            if let Some(id) = self.api.zone_id(&candidate).await? {
                lock(&self.zones).insert(candidate, id.clone());
                return Ok(id);
            }
        }
        Err(format!(
            "no Cloudflare zone found for {name} or its parents"
        ))
    }
}

impl std::fmt::Debug for Cloudflare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cloudflare")
            .field("api", &self.api)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// The maps hold plain data: a panic elsewhere cannot leave them inconsistent.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
