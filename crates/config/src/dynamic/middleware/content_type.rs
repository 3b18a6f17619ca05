//! `contentType`: enable `Content-Type` sniffing when the backend sent none (`contentType: {}`).

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContentType {
    /// Deprecated and ignored: the middleware's presence enables detection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_detect: Option<bool>,
}

impl Validate for ContentType {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.auto_detect.is_some() {
            scope.warning(
                "autoDetect",
                IssueKind::Unsupported,
                "deprecated: use `contentType: {}` (the middleware itself enables detection) and remove autoDetect",
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
        let c: ContentType = decode_yaml("{}");
        assert_eq!(c.auto_detect, None);
        assert!(validate_issues(&c).is_empty());
        let c: ContentType = decode_yaml("autoDetect: true");
        assert_eq!(c.auto_detect, Some(true));
        let issues = validate_issues(&c);
        assert_eq!(issues.len(), 1);
        assert!(issues[0].starts_with("autoDetect: deprecated: use `contentType: {}`"));
    }
}
