//! TCP middlewares (reference §4.2): `inFlightConn` and `ipAllowList` (`ipWhiteList`
//! deprecated); exactly one type per middleware.

use serde::{Deserialize, Serialize};

use super::middleware::check_source_range;
use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

/// One `tcp.middlewares.<name>` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpMiddleware {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub in_flight_conn: Option<InFlightConn>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_allow_list: Option<TcpIpAllowList>,
    /// Deprecated alias of `ipAllowList`.
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_white_list: Option<TcpIpAllowList>,
}

/// Maximum simultaneous connections per client IP; extra connections are closed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InFlightConn {
    pub amount: i64,
}

/// Only accept connections from these IPs / CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TcpIpAllowList {
    /// Required.
    pub source_range: Vec<String>,
}

/// Traefik's TCP middleware type names.
pub const TCP_MIDDLEWARE_TYPES: &[&str] = &["inFlightConn", "ipAllowList", "ipWhiteList"];

// === impl TcpMiddleware ===

impl TcpMiddleware {
    /// The Traefik type names that are set.
    pub fn kinds(&self) -> Vec<&'static str> {
        [
            ("inFlightConn", self.in_flight_conn.is_some()),
            ("ipAllowList", self.ip_allow_list.is_some()),
            ("ipWhiteList", self.ip_white_list.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }

    /// The type, when exactly one is set.
    pub fn kind(&self) -> Option<&'static str> {
        match self.kinds()[..] {
            [one] => Some(one),
            _ => None,
        }
    }
}

impl Validate for TcpMiddleware {
    fn validate(&self, scope: &mut Scope<'_>) {
        let kinds = self.kinds();
        match kinds.len() {
            0 => scope.error(
                "",
                IssueKind::Missing,
                format!(
                    "middleware has no type; set one of {}",
                    TCP_MIDDLEWARE_TYPES.join(", ")
                ),
            ),
            1 => {}
            _ => scope.error(
                "",
                IssueKind::Conflict,
                format!(
                    "a middleware has exactly one type, found: {}",
                    kinds.join(", ")
                ),
            ),
        }
        if let Some(m) = &self.in_flight_conn {
            m.validate(&mut scope.at("inFlightConn"));
        }
        if let Some(m) = &self.ip_allow_list {
            m.validate(&mut scope.at("ipAllowList"));
        }
        if let Some(m) = &self.ip_white_list {
            let mut s = scope.at("ipWhiteList");
            s.warning("", IssueKind::Unsupported, "deprecated: use ipAllowList");
            m.validate(&mut s);
        }
    }
}

impl Validate for InFlightConn {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.amount == 0 {
            scope.error(
                "amount",
                IssueKind::Missing,
                "amount is required (a positive number)",
            );
        } else if self.amount < 0 {
            scope.error("amount", IssueKind::InvalidValue, "amount must be positive");
        }
    }
}

impl Validate for TcpIpAllowList {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.source_range.is_empty() {
            scope.error(
                "sourceRange",
                IssueKind::Missing,
                "sourceRange is required (IPs or CIDR ranges)",
            );
        }
        check_source_range(scope, "sourceRange", &self.source_range);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_and_validates() {
        let m: TcpMiddleware = decode_yaml("inFlightConn:\n  amount: 10");
        assert_eq!(m.kind(), Some("inFlightConn"));
        assert_eq!(m.in_flight_conn.as_ref().map(|c| c.amount), Some(10));
        assert!(validate_issues(&m).is_empty());
        let m: TcpMiddleware = decode_yaml("ipallowlist:\n  sourceRange: 127.0.0.1/32,192.168.1.7");
        assert_eq!(m.kinds(), ["ipAllowList"]);
        assert!(validate_issues(&m).is_empty());
    }

    #[test]
    fn reports_problems() {
        let none = validate_issues(&TcpMiddleware::default());
        assert_eq!(
            none,
            [": middleware has no type; set one of inFlightConn, ipAllowList, ipWhiteList"]
        );
        let m: TcpMiddleware =
            decode_yaml("inFlightConn:\n  amount: 0\nipWhiteList:\n  sourceRange: [nope]");
        assert_eq!(
            validate_issues(&m),
            [
                ": a middleware has exactly one type, found: inFlightConn, ipWhiteList",
                "inFlightConn.amount: amount is required (a positive number)",
                "ipWhiteList: deprecated: use ipAllowList",
                "ipWhiteList.sourceRange[0]: `nope` is not an IP address or CIDR range",
            ]
        );
        let m: TcpMiddleware = decode_yaml("ipAllowList: {}");
        assert_eq!(
            validate_issues(&m),
            ["ipAllowList.sourceRange: sourceRange is required (IPs or CIDR ranges)"]
        );
    }
}
