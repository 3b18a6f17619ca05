//! `circuitBreaker`: opens when `expression` holds, serving `responseCode` for a while.

mod expr;

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::types::Duration;
use crate::validate::{Scope, Validate};

pub use self::expr::{
    CompareOp, Predicate, PredicateDialect, PredicateError, PredicateMetric, PredicateNumber,
    parse_predicate,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CircuitBreaker {
    /// Required; e.g. `NetworkErrorRatio() > 0.30`.
    pub expression: String,
    pub check_period: Duration,
    pub fallback_duration: Duration,
    pub recovery_duration: Duration,
    pub response_code: i64,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self {
            expression: String::new(),
            check_period: Duration::from_millis(100),
            fallback_duration: Duration::from_secs(10),
            recovery_duration: Duration::from_secs(10),
            response_code: 503,
        }
    }
}

impl CircuitBreaker {
    /// The parsed `expression`.
    pub fn parsed_expression(&self) -> Result<Predicate, PredicateError> {
        parse_predicate(&self.expression, PredicateDialect::CircuitBreaker)
    }
}

impl Validate for CircuitBreaker {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.expression.trim().is_empty() {
            scope.error("expression", IssueKind::Missing, "expression is required");
        } else if let Err(e) = self.parsed_expression() {
            scope.error(
                "expression",
                IssueKind::InvalidValue,
                format!("invalid expression: {e}"),
            );
        }
        for (key, d) in [
            ("checkPeriod", self.check_period),
            ("fallbackDuration", self.fallback_duration),
            ("recoveryDuration", self.recovery_duration),
        ] {
            scope.check(!d.is_negative(), key, || {
                format!("{key} must not be negative")
            });
        }
        scope.check(
            (100..=599).contains(&self.response_code),
            "responseCode",
            || format!("{} is not an HTTP status code", self.response_code),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn defaults_and_valid_config() {
        let cb: CircuitBreaker = decode_yaml("expression: NetworkErrorRatio() > 0.30");
        assert_eq!(cb.check_period, Duration::from_millis(100));
        assert_eq!(cb.fallback_duration, Duration::from_secs(10));
        assert_eq!(cb.recovery_duration, Duration::from_secs(10));
        assert_eq!(cb.response_code, 503);
        assert!(validate_issues(&cb).is_empty());
        let cb: CircuitBreaker = decode_yaml(
            "expression: ResponseCodeRatio(500, 600, 0, 600) > 0.25 || LatencyAtQuantileMS(50.0) > 100\n\
             checkPeriod: 1s\nfallbackDuration: 30\nresponseCode: 502",
        );
        assert_eq!(cb.fallback_duration, Duration::from_secs(30));
        assert!(validate_issues(&cb).is_empty());
    }

    #[test]
    fn invalid_config() {
        assert_eq!(
            validate_issues(&CircuitBreaker::default()),
            ["expression: expression is required"]
        );
        let cb: CircuitBreaker = decode_yaml(
            "expression: 'NetworkErrorRatio() > 0.5 && RecentRequests#10 > 10'\ncheckPeriod: -1s\nresponseCode: 42",
        );
        let issues = validate_issues(&cb);
        assert_eq!(issues.len(), 3, "{issues:?}");
        assert!(
            issues[0]
                .starts_with("expression: invalid expression: column 44: invalid window `#10`")
        );
        // The seeds' expressions are Waygate extensions, accepted.
        for e in [
            "NetworkErrorRatio() > 0.5 && RecentRequests#10s > 10",
            "ConsecutiveErrors() > 3",
        ] {
            let cb = CircuitBreaker {
                expression: e.into(),
                ..CircuitBreaker::default()
            };
            assert!(validate_issues(&cb).is_empty(), "{e}");
        }
        assert_eq!(issues[1], "checkPeriod: checkPeriod must not be negative");
        assert_eq!(issues[2], "responseCode: 42 is not an HTTP status code");
    }
}
