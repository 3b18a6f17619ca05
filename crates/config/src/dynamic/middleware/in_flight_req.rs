//! `inFlightReq`: limit the number of simultaneous requests per source.

use serde::{Deserialize, Serialize};

use super::source_criterion::SourceCriterion;
use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InFlightReq {
    /// Required: maximum concurrent requests per source (over ⇒ 429).
    pub amount: i64,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_criterion: Option<SourceCriterion>,
}

impl Validate for InFlightReq {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.amount == 0 {
            scope.error(
                "amount",
                IssueKind::Missing,
                "amount is required (a positive number)",
            );
        } else if self.amount < 0 {
            scope.error("amount", IssueKind::InvalidValue, "amount must be positive");
        }
        if let Some(c) = &self.source_criterion {
            c.validate(&mut scope.at("sourceCriterion"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_and_validates() {
        let m: InFlightReq =
            decode_yaml("amount: 10\nsourceCriterion:\n  ipStrategy:\n    depth: 1");
        assert_eq!(m.amount, 10);
        assert!(validate_issues(&m).is_empty());
        assert_eq!(
            validate_issues(&InFlightReq::default()),
            ["amount: amount is required (a positive number)"]
        );
        let m: InFlightReq =
            decode_yaml("amount: -3\nsourceCriterion:\n  ipStrategy: {}\n  requestHost: true");
        assert_eq!(
            validate_issues(&m),
            [
                "amount: amount must be positive",
                "sourceCriterion: ipStrategy, requestHeaderName and requestHost are mutually exclusive, found: ipStrategy, requestHost",
            ]
        );
    }
}
