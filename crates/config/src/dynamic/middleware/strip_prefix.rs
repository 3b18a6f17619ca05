//! `stripPrefix`: remove the first matching prefix from the path.

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StripPrefix {
    /// Required; plain string prefixes, first match wins.
    pub prefixes: Vec<String>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force_slash: Option<bool>,
}

impl Validate for StripPrefix {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.prefixes.is_empty() {
            scope.error(
                "prefixes",
                IssueKind::Missing,
                "prefixes is required (at least one prefix)",
            );
        }
        for (i, p) in self.prefixes.iter().enumerate() {
            scope.check(!p.is_empty(), &format!("prefixes[{i}]"), || {
                "empty prefix".to_string()
            });
        }
        if self.force_slash.is_some() {
            scope.warning(
                "forceSlash",
                IssueKind::Unsupported,
                "deprecated: remove it (the stripped path always starts with `/`)",
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
        let s: StripPrefix = decode_yaml("prefixes: /foobar,/fiibar");
        assert_eq!(s.prefixes, ["/foobar", "/fiibar"]);
        assert!(validate_issues(&s).is_empty());
        assert_eq!(
            validate_issues(&StripPrefix::default()),
            ["prefixes: prefixes is required (at least one prefix)"]
        );
        let s: StripPrefix = decode_yaml("prefixes: ['']\nforceSlash: false");
        assert_eq!(
            validate_issues(&s),
            [
                "prefixes[0]: empty prefix",
                "forceSlash: deprecated: remove it (the stripped path always starts with `/`)",
            ]
        );
    }
}
