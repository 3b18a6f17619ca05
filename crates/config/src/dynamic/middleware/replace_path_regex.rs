//! `replacePathRegex`: rewrite the escaped request path with a regex.

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplacePathRegex {
    pub regex: String,
    pub replacement: String,
}

impl Validate for ReplacePathRegex {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.regex.is_empty() {
            scope.warning(
                "regex",
                IssueKind::Missing,
                "regex is empty: it matches every path",
            );
        } else {
            scope.regex("regex", &self.regex);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_and_validates() {
        let r: ReplacePathRegex = decode_yaml("regex: ^/foo/(.*)\nreplacement: /bar/$1");
        assert_eq!(r.replacement, "/bar/$1");
        assert!(validate_issues(&r).is_empty());
        let issues = validate_issues(&decode_yaml::<ReplacePathRegex>("regex: '[z-a]'"));
        assert_eq!(issues.len(), 1);
        assert!(issues[0].starts_with("regex: invalid regular expression"));
    }
}
