//! `stripPrefixRegex`: remove the first regex match anchored at the path's start.

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StripPrefixRegex {
    /// Required: regexes tried in order.
    pub regex: Vec<String>,
}

impl Validate for StripPrefixRegex {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.regex.is_empty() {
            scope.error(
                "regex",
                IssueKind::Missing,
                "regex is required (at least one regex)",
            );
        }
        for (i, re) in self.regex.iter().enumerate() {
            scope.regex(&format!("regex[{i}]"), re);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_and_validates() {
        let s: StripPrefixRegex = decode_yaml("regex: ['/foo/[a-z0-9]+/[0-9]+/']");
        assert_eq!(s.regex.len(), 1);
        assert!(validate_issues(&s).is_empty());
        assert_eq!(
            validate_issues(&StripPrefixRegex::default()),
            ["regex: regex is required (at least one regex)"]
        );
        let issues = validate_issues(&decode_yaml::<StripPrefixRegex>("regex: ['^/ok', '(']"));
        assert_eq!(issues.len(), 1);
        assert!(issues[0].starts_with("regex[1]: invalid regular expression"));
    }
}
