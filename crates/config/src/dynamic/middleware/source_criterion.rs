//! `sourceCriterion` and `ipStrategy`: how rateLimit, inFlightReq and ipAllowList identify a
//! request's source.

use serde::{Deserialize, Serialize};

use super::ip_allow_list::check_source_range;
use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

/// At most one of the three; none means the connection's remote IP.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SourceCriterion {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_strategy: Option<IpStrategy>,
    pub request_header_name: String,
    pub request_host: bool,
}

/// Which IP of `X-Forwarded-For` is the client's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IpStrategy {
    /// Nth IP from the right of `X-Forwarded-For` (0 = unused).
    pub depth: i64,
    /// Scan right to left for the first IP not in these (ignored when `depth` > 0).
    #[serde(rename = "excludedIPs")]
    pub excluded_ips: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_subnet: Option<i64>,
}

impl Validate for SourceCriterion {
    fn validate(&self, scope: &mut Scope<'_>) {
        let set: Vec<&str> = [
            ("ipStrategy", self.ip_strategy.is_some()),
            ("requestHeaderName", !self.request_header_name.is_empty()),
            ("requestHost", self.request_host),
        ]
        .into_iter()
        .filter_map(|(k, on)| on.then_some(k))
        .collect();
        if set.len() > 1 {
            scope.error(
                "",
                IssueKind::Conflict,
                format!(
                    "ipStrategy, requestHeaderName and requestHost are mutually exclusive, found: {}",
                    set.join(", ")
                ),
            );
        }
        if let Some(s) = &self.ip_strategy {
            s.validate(&mut scope.at("ipStrategy"));
        }
    }
}

impl Validate for IpStrategy {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.depth < 0 {
            scope.warning(
                "depth",
                IssueKind::InvalidValue,
                "a negative depth is ignored",
            );
        }
        check_source_range(scope, "excludedIPs", &self.excluded_ips);
        if self.depth > 0 && !self.excluded_ips.is_empty() {
            scope.warning(
                "excludedIPs",
                IssueKind::Conflict,
                "excludedIPs is ignored when depth is set",
            );
        }
        if let Some(n) = self.ipv6_subnet {
            scope.check((0..=128).contains(&n), "ipv6Subnet", || {
                format!("ipv6Subnet must be between 0 and 128, found {n}")
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
        let c: SourceCriterion = decode_yaml("ipStrategy:\n  depth: 2\n  ipv6Subnet: 64");
        assert_eq!(c.ip_strategy.as_ref().map(|s| s.depth), Some(2));
        assert!(validate_issues(&c).is_empty());
        let c: SourceCriterion = decode_yaml("ipStrategy: {}");
        assert_eq!(c.ip_strategy, Some(IpStrategy::default()));
        let c: SourceCriterion = decode_yaml("ipstrategy:\n  excludedIPs: 10.0.0.0/8, 192.168.1.7");
        assert_eq!(c.ip_strategy.map(|s| s.excluded_ips.len()), Some(2));
        let c: SourceCriterion = decode_yaml("requestHost: true");
        assert!(validate_issues(&c).is_empty());
    }

    #[test]
    fn reports_conflicts_and_bad_values() {
        let c: SourceCriterion = decode_yaml(
            "requestHeaderName: X-User\nrequestHost: true\nipStrategy:\n  depth: 1\n  excludedIPs: [10.0.0.300]\n  ipv6Subnet: 129",
        );
        assert_eq!(
            validate_issues(&c),
            [
                ": ipStrategy, requestHeaderName and requestHost are mutually exclusive, found: ipStrategy, requestHeaderName, requestHost",
                "ipStrategy.excludedIPs[0]: `10.0.0.300` is not an IP address or CIDR range",
                "ipStrategy.excludedIPs: excludedIPs is ignored when depth is set",
                "ipStrategy.ipv6Subnet: ipv6Subnet must be between 0 and 128, found 129",
            ]
        );
    }
}
