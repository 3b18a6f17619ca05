//! `buffering`: read whole request/response bodies before passing them on (limits, retries).

use serde::{Deserialize, Serialize};

use super::circuit_breaker::{PredicateDialect, parse_predicate};
use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Buffering {
    /// 0 = unlimited; over ⇒ 413.
    pub max_request_body_bytes: i64,
    /// Kept in memory up to this, then spilled to disk.
    pub mem_request_body_bytes: i64,
    /// 0 = unlimited; over ⇒ 500.
    pub max_response_body_bytes: i64,
    pub mem_response_body_bytes: i64,
    /// e.g. `IsNetworkError() && Attempts() < 2`.
    pub retry_expression: String,
}

impl Default for Buffering {
    fn default() -> Self {
        Self {
            max_request_body_bytes: 0,
            mem_request_body_bytes: 1_048_576,
            max_response_body_bytes: 0,
            mem_response_body_bytes: 1_048_576,
            retry_expression: String::new(),
        }
    }
}

impl Validate for Buffering {
    fn validate(&self, scope: &mut Scope<'_>) {
        for (key, n) in [
            ("maxRequestBodyBytes", self.max_request_body_bytes),
            ("memRequestBodyBytes", self.mem_request_body_bytes),
            ("maxResponseBodyBytes", self.max_response_body_bytes),
            ("memResponseBodyBytes", self.mem_response_body_bytes),
        ] {
            scope.check(n >= 0, key, || format!("{key} must not be negative"));
        }
        if !self.retry_expression.trim().is_empty()
            && let Err(e) = parse_predicate(&self.retry_expression, PredicateDialect::Retry)
        {
            scope.error(
                "retryExpression",
                IssueKind::InvalidValue,
                format!("invalid expression: {e}"),
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
        let b: Buffering = decode_yaml(
            "maxRequestBodyBytes: 2000000\nretryExpression: IsNetworkError() && Attempts() < 2",
        );
        assert_eq!(b.max_request_body_bytes, 2_000_000);
        assert_eq!(b.mem_request_body_bytes, 1_048_576);
        assert_eq!(b.mem_response_body_bytes, 1_048_576);
        assert!(validate_issues(&b).is_empty());
        let b: Buffering = decode_yaml("maxResponseBodyBytes: -1\nretryExpression: Attempts() <");
        assert_eq!(
            validate_issues(&b),
            [
                "maxResponseBodyBytes: maxResponseBodyBytes must not be negative",
                "retryExpression: invalid expression: column 13: expected a number, found the end of the expression",
            ]
        );
    }
}
