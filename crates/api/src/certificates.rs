//! `/api/certificates[/{fingerprint}]` (Traefik 3.7): the certificates of the default TLS
//! store, filtered by `status`/`search` (common name, issuer, SANs), sorted by `sortBy`
//! (`name`/`cn`, `status`, `issuer`, `validUntil`), paginated. The data plane parses the
//! certificates; this module only presents them.

use http::StatusCode;
use serde::Serialize;

use crate::list::{self, Criterion};
use crate::query::Query;
use crate::reply::{self, Response};
use crate::state::ApiState;

pub(crate) const ENABLED: &str = "enabled";
pub(crate) const WARNING: &str = "warning";
pub(crate) const EXPIRED: &str = "expired";

/// Seconds in the 30 days before expiry during which a certificate is `warning`.
const WARN_BEFORE: i64 = 30 * 24 * 3600;

/// One certificate, as Traefik's `certificateRepresentation`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// SHA-256 fingerprint of the DER certificate (hex): the id in the URL.
    pub name: String,
    /// DNS names then IP addresses, sorted.
    pub sans: Vec<String>,
    /// RFC 3339.
    pub not_after: String,
    pub not_before: String,
    /// Decimal.
    pub serial_number: String,
    pub common_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub issuer_org: String,
    #[serde(rename = "issuerCN", skip_serializing_if = "String::is_empty")]
    pub issuer_cn: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub issuer_country: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub organization: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub country: String,
    /// `v1`, `v3`.
    pub version: String,
    /// `RSA`, `ECDSA` or `Unknown`.
    pub key_type: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub key_size: u32,
    /// Go's names: `SHA256-RSA`, `ECDSA-SHA384`, …
    pub signature_algorithm: String,
    pub cert_fingerprint: String,
    pub public_key_fingerprint: String,
    /// `enabled`, `warning` (expires within 30 days) or `expired`.
    pub status: String,
    /// `not_after` in seconds since the epoch (sorting by `validUntil`).
    #[serde(skip)]
    pub not_after_unix: i64,
}

fn common_name(c: &Certificate) -> &str {
    &c.common_name
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

// === impl Certificate ===

impl Certificate {
    /// The status of a certificate expiring at `not_after` (seconds since the epoch) at `now`.
    pub fn status_at(not_after: i64, now: i64) -> &'static str {
        let remaining = not_after.saturating_sub(now);
        if remaining < 0 {
            EXPIRED
        } else if remaining < WARN_BEFORE {
            WARNING
        } else {
            ENABLED
        }
    }

    fn issuer(&self) -> &str {
        if self.issuer_org.is_empty() {
            &self.issuer_cn
        } else {
            &self.issuer_org
        }
    }
}

/// The certificates' representations, unfiltered.
pub fn certificates(state: &ApiState<'_>) -> Vec<Certificate> {
    state.certificates.to_vec()
}

pub(crate) fn list(state: &ApiState<'_>, q: &Query) -> Response {
    let mut certs = certificates(state);
    if let Some(c) = Criterion::from_query(q) {
        certs.retain(|cert| {
            let mut fields = vec![
                cert.common_name.as_str(),
                cert.issuer_org.as_str(),
                cert.issuer_cn.as_str(),
            ];
            fields.extend(cert.sans.iter().map(String::as_str));
            c.with_status(&cert.status) && c.search_in(&fields)
        });
    }
    let desc = list::sort::descending(q);
    match q.get("sortBy") {
        "status" => list::sort::by(&mut certs, desc, common_name, |c| c.status.clone()),
        "issuer" => list::sort::by(&mut certs, desc, common_name, |c| c.issuer().to_string()),
        "validUntil" => list::sort::by(&mut certs, desc, common_name, |c| c.not_after_unix),
        _ => list::sort::by(&mut certs, desc, common_name, |c| c.common_name.clone()),
    }
    match list::paginate(q, certs.len()) {
        Ok(p) => reply::page(&certs[p.start..p.end], p.next),
        Err(msg) => reply::error(StatusCode::BAD_REQUEST, &msg),
    }
}

pub(crate) fn one(state: &ApiState<'_>, id: &str) -> Response {
    match state.certificates.iter().find(|c| c.name == id) {
        Some(c) => reply::json(c),
        None => reply::error(
            StatusCode::NOT_FOUND,
            &format!("certificate not found: {id}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_by_remaining_validity() {
        assert_eq!(Certificate::status_at(100, 200), EXPIRED);
        assert_eq!(Certificate::status_at(200 + WARN_BEFORE - 1, 200), WARNING);
        assert_eq!(Certificate::status_at(200 + WARN_BEFORE, 200), ENABLED);
    }
}
