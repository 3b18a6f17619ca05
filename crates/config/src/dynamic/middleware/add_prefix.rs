//! `addPrefix`: prepends a prefix to the request path.

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AddPrefix {
    /// Required; must start with `/`.
    pub prefix: String,
}

impl Validate for AddPrefix {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.prefix.is_empty() {
            scope.error("prefix", IssueKind::Missing, "prefix is required");
        } else if !self.prefix.starts_with('/') {
            scope.error(
                "prefix",
                IssueKind::InvalidValue,
                "prefix must start with `/`",
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
        let m: AddPrefix = decode_yaml("prefix: /api");
        assert_eq!(m.prefix, "/api");
        assert!(validate_issues(&m).is_empty());
        let issues = validate_issues(&decode_yaml::<AddPrefix>("prefix: api"));
        assert_eq!(issues, ["prefix: prefix must start with `/`"]);
        let issues = validate_issues(&AddPrefix::default());
        assert_eq!(issues, ["prefix: prefix is required"]);
    }
}
