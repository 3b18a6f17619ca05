//! `redirectRegex`: redirect when `regex` matches `scheme://host[:port]/path?query`.

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RedirectRegex {
    /// Required.
    pub regex: String,
    /// `$1` / `${1}` refer to groups.
    pub replacement: String,
    pub permanent: bool,
}

impl Validate for RedirectRegex {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.regex.is_empty() {
            scope.error("regex", IssueKind::Missing, "regex is required");
        } else {
            scope.regex("regex", &self.regex);
        }
        if self.replacement.is_empty() {
            scope.warning(
                "replacement",
                IssueKind::Missing,
                "replacement is empty: redirects go to an empty URL",
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
        let r: RedirectRegex = decode_yaml(
            "regex: ^http://localhost/(.*)\nreplacement: http://mydomain/${1}\npermanent: true",
        );
        assert!(r.permanent);
        assert!(validate_issues(&r).is_empty());
        assert_eq!(
            validate_issues(&RedirectRegex::default()),
            [
                "regex: regex is required",
                "replacement: replacement is empty: redirects go to an empty URL"
            ]
        );
        let issues = validate_issues(&decode_yaml::<RedirectRegex>("regex: '(a'\nreplacement: x"));
        assert_eq!(issues.len(), 1);
        assert!(issues[0].starts_with("regex: invalid regular expression"));
    }
}
