//! `ipAllowList` (and its deprecated alias `ipWhiteList`): only let listed source IPs through.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::source_criterion::IpStrategy;
use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IpAllowList {
    /// Required: IPs and CIDR ranges.
    pub source_range: Vec<String>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_strategy: Option<IpStrategy>,
    /// Status of rejected requests (0 means the default, 403).
    pub reject_status_code: i64,
}

impl Default for IpAllowList {
    fn default() -> Self {
        Self {
            source_range: Vec::new(),
            ip_strategy: None,
            reject_status_code: 403,
        }
    }
}

/// Deprecated form of [`IpAllowList`] (no `rejectStatusCode`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IpWhiteList {
    pub source_range: Vec<String>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_strategy: Option<IpStrategy>,
}

/// Whether `s` is an IP address or a CIDR range (`10.0.0.0/8`, `::1`, `10.1.2.3/8`).
pub(crate) fn is_ip_or_cidr(s: &str) -> bool {
    let s = s.trim();
    s.parse::<IpAddr>().is_ok() || s.parse::<ipnet::IpNet>().is_ok()
}

/// Reports every entry of `list` (at `key[i]`) that is not an IP address or CIDR range.
pub(crate) fn check_source_range(scope: &mut Scope<'_>, key: &str, list: &[String]) {
    for (i, entry) in list.iter().enumerate() {
        if !is_ip_or_cidr(entry) {
            scope.error(
                &format!("{key}[{i}]"),
                IssueKind::InvalidValue,
                format!("`{entry}` is not an IP address or CIDR range"),
            );
        }
    }
}

fn validate_common(
    scope: &mut Scope<'_>,
    source_range: &[String],
    ip_strategy: Option<&IpStrategy>,
) {
    if source_range.is_empty() {
        scope.error(
            "sourceRange",
            IssueKind::Missing,
            "sourceRange is required (IPs or CIDR ranges)",
        );
    }
    check_source_range(scope, "sourceRange", source_range);
    if let Some(s) = ip_strategy {
        s.validate(&mut scope.at("ipStrategy"));
    }
}

impl Validate for IpAllowList {
    fn validate(&self, scope: &mut Scope<'_>) {
        validate_common(scope, &self.source_range, self.ip_strategy.as_ref());
        let code = self.reject_status_code;
        scope.check(
            code == 0 || (100..=599).contains(&code),
            "rejectStatusCode",
            || format!("{code} is not an HTTP status code"),
        );
    }
}

impl Validate for IpWhiteList {
    fn validate(&self, scope: &mut Scope<'_>) {
        scope.warning("", IssueKind::Unsupported, "deprecated: use ipAllowList");
        validate_common(scope, &self.source_range, self.ip_strategy.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_and_validates() {
        let m: IpAllowList = decode_yaml(
            "sourceRange: [127.0.0.1/32, 192.168.1.7, '::1', 'fd00::/8', 10.1.2.3/8]\nipStrategy:\n  depth: 2",
        );
        assert_eq!(m.source_range.len(), 5);
        assert_eq!(m.reject_status_code, 403);
        assert!(validate_issues(&m).is_empty());
        let m: IpAllowList =
            decode_yaml("sourceRange: 10.0.0.0/8,172.16.0.0/12\nrejectStatusCode: 404");
        assert_eq!(m.source_range, ["10.0.0.0/8", "172.16.0.0/12"]);
        assert_eq!(m.reject_status_code, 404);
        assert!(validate_issues(&m).is_empty());
    }

    #[test]
    fn reports_bad_ranges() {
        assert_eq!(
            validate_issues(&IpAllowList::default()),
            ["sourceRange: sourceRange is required (IPs or CIDR ranges)"]
        );
        let m: IpAllowList =
            decode_yaml("sourceRange: [10.0.0.0/33, example.com, 1.2.3.4]\nrejectStatusCode: 1000");
        assert_eq!(
            validate_issues(&m),
            [
                "sourceRange[0]: `10.0.0.0/33` is not an IP address or CIDR range",
                "sourceRange[1]: `example.com` is not an IP address or CIDR range",
                "rejectStatusCode: 1000 is not an HTTP status code",
            ]
        );
        let w: IpWhiteList = decode_yaml("sourceRange: [1.2.3.4]");
        assert_eq!(validate_issues(&w), [": deprecated: use ipAllowList"]);
    }
}
