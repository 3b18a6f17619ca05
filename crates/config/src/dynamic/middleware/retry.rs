//! `retry`: re-send a request to the service on network errors (and, since 3.7, statuses).

use serde::{Deserialize, Serialize};

use super::errors::check_status_ranges;
use crate::issue::IssueKind;
use crate::types::Duration;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Retry {
    /// Required; 1 means no retry.
    pub attempts: i64,
    /// First backoff interval (0 = retry immediately).
    pub initial_interval: Duration,
    /// Overall time limit (0 = none).
    pub timeout: Duration,
    /// Statuses (codes and ranges) that trigger a retry.
    pub status: Vec<String>,
    pub max_request_body_bytes: i64,
    pub disable_retry_on_network_error: bool,
    pub retry_non_idempotent_method: bool,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 0,
            initial_interval: Duration::ZERO,
            timeout: Duration::ZERO,
            status: Vec::new(),
            max_request_body_bytes: 2 * 1024 * 1024,
            disable_retry_on_network_error: false,
            retry_non_idempotent_method: false,
        }
    }
}

impl Validate for Retry {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.attempts == 0 {
            scope.error(
                "attempts",
                IssueKind::Missing,
                "attempts is required (1 means no retry)",
            );
        } else if self.attempts < 0 {
            scope.error(
                "attempts",
                IssueKind::InvalidValue,
                "attempts must be positive",
            );
        }
        for (key, d) in [
            ("initialInterval", self.initial_interval),
            ("timeout", self.timeout),
        ] {
            scope.check(!d.is_negative(), key, || {
                format!("{key} must not be negative")
            });
        }
        // A negative `maxRequestBodyBytes` is Traefik's "no limit".
        check_status_ranges(scope, "status", &self.status);
        // Traefik refuses to build such a middleware.
        if self.disable_retry_on_network_error && self.status.is_empty() {
            scope.error(
                "disableRetryOnNetworkError",
                IssueKind::Conflict,
                "retry middleware requires at least HTTP status codes or retry on TCP \
                 (with network-error retries disabled, set `status`)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_and_validates() {
        let r: Retry = decode_yaml("attempts: 4\ninitialInterval: 100ms");
        assert_eq!(r.attempts, 4);
        assert_eq!(r.initial_interval, Duration::from_millis(100));
        assert_eq!(r.max_request_body_bytes, 2_097_152);
        assert!(validate_issues(&r).is_empty());
        let r: Retry = decode_yaml(
            "attempts: 2\nstatus: 502-504\ntimeout: 5s\ndisableRetryOnNetworkError: true",
        );
        assert_eq!(r.status, ["502-504"]);
        assert!(validate_issues(&r).is_empty());
    }

    #[test]
    fn reports_problems() {
        assert_eq!(
            validate_issues(&Retry::default()),
            ["attempts: attempts is required (1 means no retry)"]
        );
        let r: Retry = decode_yaml("attempts: -1\ninitialInterval: -1s\nstatus: [abc]");
        assert_eq!(
            validate_issues(&r),
            [
                "attempts: attempts must be positive",
                "initialInterval: initialInterval must not be negative",
                "status[0]: invalid status `abc`: `abc` is not a status code",
            ]
        );
    }
}
