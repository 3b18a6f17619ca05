//! `redirectScheme`: redirect to another scheme (and port).

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RedirectScheme {
    /// Required (`https`, `http`, …).
    pub scheme: String,
    /// Omitted from the URL for 80/http and 443/https.
    pub port: String,
    pub permanent: bool,
}

impl Validate for RedirectScheme {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.scheme.is_empty() {
            scope.error("scheme", IssueKind::Missing, "scheme is required");
        } else {
            let valid = self.scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && self
                    .scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            scope.check(valid, "scheme", || {
                format!("`{}` is not a URL scheme", self.scheme)
            });
        }
        if !self.port.is_empty() {
            let ok = self.port.parse::<u16>().is_ok_and(|p| p > 0);
            scope.check(ok, "port", || {
                format!("`{}` is not a port number", self.port)
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
        let r: RedirectScheme = decode_yaml("scheme: https\nport: 8443\npermanent: true");
        assert_eq!(r.port, "8443");
        assert!(validate_issues(&r).is_empty());
        assert_eq!(
            validate_issues(&RedirectScheme::default()),
            ["scheme: scheme is required"]
        );
        let r: RedirectScheme = decode_yaml("scheme: 'ht tp'\nport: https");
        assert_eq!(
            validate_issues(&r),
            [
                "scheme: `ht tp` is not a URL scheme",
                "port: `https` is not a port number"
            ]
        );
    }
}
