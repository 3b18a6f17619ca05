//! `replacePath`: replace the request path (the original goes to `X-Replaced-Path`).

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplacePath {
    pub path: String,
}

impl Validate for ReplacePath {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.path.is_empty() {
            scope.warning(
                "path",
                IssueKind::Missing,
                "path is empty: requests are sent with an empty path",
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
        let r: ReplacePath = decode_yaml("path: /foo");
        assert_eq!(r.path, "/foo");
        assert!(validate_issues(&r).is_empty());
        assert_eq!(
            validate_issues(&ReplacePath::default()),
            ["path: path is empty: requests are sent with an empty path"]
        );
    }
}
