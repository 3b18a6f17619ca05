//! `errors`: serve an error page from another service for selected response statuses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorPage {
    /// Codes and ranges: `"500"`, `"500,502"`, `"500-599"`.
    pub status: Vec<String>,
    /// Code or range → status sent to the client.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub status_rewrites: BTreeMap<String, i64>,
    /// Required: the service serving the error page.
    pub service: String,
    /// Path on `service`; `{status}`, `{originalStatus}`, `{url}` placeholders.
    pub query: String,
    /// Original headers forwarded to `service`: `None` = all, empty = none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_request_headers: Option<Vec<String>>,
}

/// Parses one status entry (`"500"`, `"500-599"`, `"500,502-504"`) into inclusive ranges.
pub fn parse_status_ranges(entry: &str) -> Result<Vec<(u16, u16)>, String> {
    let code = |s: &str| {
        let s = s.trim();
        s.parse::<u16>()
            .ok()
            .filter(|_| s.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("`{s}` is not a status code"))
    };
    entry
        .split(',')
        .map(|part| match part.split_once('-') {
            Some((from, to)) => Ok((code(from)?, code(to)?)),
            None => code(part).map(|c| (c, c)),
        })
        .collect()
}

/// Checks a list of status entries at `key[i]`: malformed entries are errors, codes outside
/// 100–599 and empty ranges (which Traefik accepts but never match) are warnings.
pub(crate) fn check_status_ranges(scope: &mut Scope<'_>, key: &str, list: &[String]) {
    for (i, entry) in list.iter().enumerate() {
        let at = format!("{key}[{i}]");
        check_status_entry(scope, &at, entry);
    }
}

fn check_status_entry(scope: &mut Scope<'_>, at: &str, entry: &str) {
    match parse_status_ranges(entry) {
        Err(e) => scope.error(
            at,
            IssueKind::InvalidValue,
            format!("invalid status `{entry}`: {e}"),
        ),
        Ok(ranges) => {
            for (from, to) in ranges {
                if !(100..=599).contains(&from) || !(100..=599).contains(&to) {
                    let msg = format!("`{entry}`: status codes are between 100 and 599");
                    scope.warning(at, IssueKind::InvalidValue, msg);
                } else if from > to {
                    let msg = format!("`{entry}`: the range {from}-{to} is empty");
                    scope.warning(at, IssueKind::InvalidValue, msg);
                }
            }
        }
    }
}

impl Validate for ErrorPage {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.service.is_empty() {
            scope.error("service", IssueKind::Missing, "service is required");
        }
        if self.status.is_empty() && self.status_rewrites.is_empty() {
            scope.warning(
                "status",
                IssueKind::Missing,
                "no status set: the error page is never served",
            );
        }
        check_status_ranges(scope, "status", &self.status);
        for (range, code) in &self.status_rewrites {
            let at = format!("statusRewrites.{range}");
            check_status_entry(scope, &at, range);
            scope.check((100..=599).contains(code), &at, || {
                format!("{code} is not an HTTP status code")
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn parses_status_entries() {
        assert_eq!(parse_status_ranges("500"), Ok(vec![(500, 500)]));
        assert_eq!(parse_status_ranges("500-599"), Ok(vec![(500, 599)]));
        assert_eq!(
            parse_status_ranges("500, 502-504"),
            Ok(vec![(500, 500), (502, 504)])
        );
        for bad in ["", "5xx", "500-", "-500", "500-600-700", "+500", "99999"] {
            assert!(parse_status_ranges(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn decodes_and_validates() {
        let e: ErrorPage = decode_yaml(
            "status: ['500,502', '503-599']\nstatusRewrites:\n  '500-503': 502\nservice: errs\nquery: /{status}.html\nerrorRequestHeaders: []",
        );
        assert_eq!(e.status, ["500,502", "503-599"]);
        assert_eq!(e.status_rewrites.get("500-503"), Some(&502));
        assert_eq!(e.error_request_headers, Some(vec![]));
        assert!(validate_issues(&e).is_empty());
        let e: ErrorPage = decode_yaml("status: 404,500\nservice: errs");
        assert_eq!(e.status, ["404", "500"]);
        assert_eq!(e.error_request_headers, None);
        assert!(validate_issues(&e).is_empty());
    }

    #[test]
    fn reports_problems() {
        assert_eq!(
            validate_issues(&ErrorPage::default()),
            [
                "service: service is required",
                "status: no status set: the error page is never served"
            ]
        );
        let e: ErrorPage = decode_yaml(
            "status: [5xx, 599-500, '700']\nservice: s\nstatusRewrites:\n  '404': 1000",
        );
        assert_eq!(
            validate_issues(&e),
            [
                "status[0]: invalid status `5xx`: `5xx` is not a status code",
                "status[1]: `599-500`: the range 599-500 is empty",
                "status[2]: `700`: status codes are between 100 and 599",
                "statusRewrites.404: 1000 is not an HTTP status code",
            ]
        );
    }
}
