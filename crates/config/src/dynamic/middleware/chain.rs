//! `chain`: a named list of other middlewares.

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Chain {
    /// Required: middleware names (`name` or `name@provider`).
    pub middlewares: Vec<String>,
}

impl Validate for Chain {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.middlewares.is_empty() {
            scope.error(
                "middlewares",
                IssueKind::Missing,
                "middlewares is required (at least one name)",
            );
        }
        for (i, m) in self.middlewares.iter().enumerate() {
            scope.check(!m.trim().is_empty(), &format!("middlewares[{i}]"), || {
                "empty middleware name".to_string()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_and_validates() {
        let c: Chain = decode_yaml("middlewares: [auth, strip@file]");
        assert_eq!(c.middlewares, ["auth", "strip@file"]);
        assert!(validate_issues(&c).is_empty());
        assert_eq!(
            validate_issues(&Chain::default()),
            ["middlewares: middlewares is required (at least one name)"]
        );
        let c: Chain = decode_yaml("middlewares: ['a', ' ']");
        assert_eq!(
            validate_issues(&c),
            ["middlewares[1]: empty middleware name"]
        );
    }
}
