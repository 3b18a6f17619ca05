//! `/api/version`: `{"Version", "Codename", "startDate", "disableDashboardAd"?,
//! "dashboardName"?}`, written as Traefik's renderer writes it (no trailing newline,
//! `application/json; charset=UTF-8`).

use std::time::{SystemTime, UNIX_EPOCH};

use http::StatusCode;
use serde::Serialize;

use crate::reply::{self, Response};
use crate::state::ApiState;

#[derive(Serialize)]
struct VersionJson<'a> {
    #[serde(rename = "Version")]
    version: &'a str,
    #[serde(rename = "Codename")]
    codename: &'a str,
    #[serde(rename = "startDate")]
    start_date: String,
    #[serde(
        rename = "disableDashboardAd",
        skip_serializing_if = "std::ops::Not::not"
    )]
    disable_dashboard_ad: bool,
    #[serde(rename = "dashboardName", skip_serializing_if = "str::is_empty")]
    dashboard_name: &'a str,
}

/// The version document.
pub fn version(state: &ApiState<'_>) -> serde_json::Value {
    serde_json::to_value(document(state)).unwrap_or_default()
}

pub(crate) fn respond(state: &ApiState<'_>) -> Response {
    let body = reply::encode(&document(state), false);
    reply::with_type(StatusCode::OK, "application/json; charset=UTF-8", body)
}

fn document<'a>(state: &'a ApiState<'_>) -> VersionJson<'a> {
    let api = state.static_cfg.api.as_ref();
    VersionJson {
        version: &state.version.version,
        codename: &state.version.codename,
        start_date: rfc3339_time(state.version.start_date),
        disable_dashboard_ad: api.is_some_and(|a| a.disable_dashboard_ad),
        dashboard_name: api.map_or("", |a| a.dashboard_name.as_str()),
    }
}

/// Seconds since the epoch as RFC 3339 in UTC, as Go writes a whole-second `time.Time`
/// (certificates' validity).
pub fn rfc3339(secs: i64) -> String {
    rfc3339_parts(secs, 0)
}

/// Go's `time.RFC3339Nano` in UTC: `2024-05-01T12:00:00.5Z` (fraction without trailing
/// zeros, none when whole).
fn rfc3339_time(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    rfc3339_parts(secs, d.subsec_nanos())
}

/// Seconds since the epoch (may be negative) and nanoseconds, as RFC 3339 in UTC.
fn rfc3339_parts(secs: i64, nanos: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // d is 1..=31 and m 1..=12 by construction.
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_like_go() {
        assert_eq!(rfc3339_parts(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_parts(951_782_400, 500_000_000),
            "2000-02-29T00:00:00.5Z"
        );
        assert_eq!(
            rfc3339_parts(1_767_225_599, 1),
            "2025-12-31T23:59:59.000000001Z"
        );
        assert_eq!(rfc3339_parts(-1, 0), "1969-12-31T23:59:59Z");
    }
}
