//! `headers`: custom request/response headers, CORS and security headers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Headers {
    /// Header → value; an empty value removes the header.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_request_headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_response_headers: BTreeMap<String, String>,

    pub access_control_allow_credentials: bool,
    pub access_control_allow_headers: Vec<String>,
    pub access_control_allow_methods: Vec<String>,
    pub access_control_allow_origin_list: Vec<String>,
    pub access_control_allow_origin_list_regex: Vec<String>,
    pub access_control_expose_headers: Vec<String>,
    /// Seconds; sent on preflights when set, even to 0 (Traefik's `*int64`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_control_max_age: Option<i64>,
    pub add_vary_header: bool,

    pub allowed_hosts: Vec<String>,
    pub hosts_proxy_headers: Vec<String>,
    /// Header → value pairs meaning "the request was HTTPS".
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ssl_proxy_headers: BTreeMap<String, String>,

    pub sts_seconds: i64,
    pub sts_include_subdomains: bool,
    pub sts_preload: bool,
    #[serde(rename = "forceSTSHeader")]
    pub force_sts_header: bool,
    pub frame_deny: bool,
    pub custom_frame_options_value: String,
    pub content_type_nosniff: bool,
    pub browser_xss_filter: bool,
    #[serde(rename = "customBrowserXSSValue")]
    pub custom_browser_xss_value: String,
    pub content_security_policy: String,
    pub content_security_policy_report_only: String,
    /// HPKP.
    pub public_key: String,
    pub referrer_policy: String,
    pub permissions_policy: String,
    pub is_development: bool,

    // Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_redirect: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_temporary_redirect: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_force_host: Option<bool>,
}

/// RFC 9110 token characters (header names).
fn is_header_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn check_header_map(scope: &mut Scope<'_>, key: &str, map: &BTreeMap<String, String>) {
    for (name, value) in map {
        let at = format!("{key}.{name}");
        if !is_header_name(name) {
            scope.error(
                &at,
                IssueKind::InvalidValue,
                format!("`{name}` is not a valid header name"),
            );
        }
        if value.contains(['\r', '\n', '\0']) {
            scope.error(
                &at,
                IssueKind::InvalidValue,
                "header values must not contain line breaks or NUL",
            );
        }
    }
}

fn check_header_names(scope: &mut Scope<'_>, key: &str, names: &[String]) {
    for (i, name) in names.iter().enumerate() {
        if !is_header_name(name.trim()) && name != "*" {
            let msg = format!("`{name}` is not a valid header name");
            scope.error(&format!("{key}[{i}]"), IssueKind::InvalidValue, msg);
        }
    }
}

impl Validate for Headers {
    fn validate(&self, scope: &mut Scope<'_>) {
        check_header_map(scope, "customRequestHeaders", &self.custom_request_headers);
        check_header_map(
            scope,
            "customResponseHeaders",
            &self.custom_response_headers,
        );
        check_header_map(scope, "sslProxyHeaders", &self.ssl_proxy_headers);
        check_header_names(
            scope,
            "accessControlAllowHeaders",
            &self.access_control_allow_headers,
        );
        check_header_names(
            scope,
            "accessControlExposeHeaders",
            &self.access_control_expose_headers,
        );
        check_header_names(scope, "hostsProxyHeaders", &self.hosts_proxy_headers);
        for (i, re) in self
            .access_control_allow_origin_list_regex
            .iter()
            .enumerate()
        {
            scope.regex(&format!("accessControlAllowOriginListRegex[{i}]"), re);
        }
        for (key, value) in [
            (
                "accessControlMaxAge",
                self.access_control_max_age.unwrap_or_default(),
            ),
            ("stsSeconds", self.sts_seconds),
        ] {
            scope.check(value >= 0, key, || format!("{key} must not be negative"));
        }
        let deprecated = [
            (
                "featurePolicy",
                self.feature_policy.is_some(),
                "use permissionsPolicy",
            ),
            (
                "sslRedirect",
                self.ssl_redirect.is_some(),
                "use the redirectScheme middleware",
            ),
            (
                "sslTemporaryRedirect",
                self.ssl_temporary_redirect.is_some(),
                "use the redirectScheme middleware",
            ),
            (
                "sslHost",
                self.ssl_host.is_some(),
                "use the redirectRegex middleware",
            ),
            (
                "sslForceHost",
                self.ssl_force_host.is_some(),
                "use the redirectRegex middleware",
            ),
        ];
        for (key, set, instead) in deprecated {
            if set {
                scope.warning(
                    key,
                    IssueKind::Unsupported,
                    format!("deprecated: {instead}"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_traefik_spellings() {
        let h: Headers = decode_yaml(
            "customRequestHeaders:\n  X-Script-Name: test\n  X-Remove: ''\n\
             accessControlAllowMethods: [GET, OPTIONS, PUT]\naccessControlAllowOriginList: '*'\n\
             accessControlAllowOriginListRegex: ['^https://(.*\\.)?example\\.com$']\naccessControlMaxAge: 100\n\
             addVaryHeader: true\nsslProxyHeaders:\n  X-Forwarded-Proto: https\nstsSeconds: 31536000\n\
             forceSTSHeader: true\nstsIncludeSubdomains: true\nframeDeny: true\ncustomFrameOptionsValue: SAMEORIGIN\n\
             browserXssFilter: true\ncustomBrowserXSSValue: '0'\ncontentTypeNosniff: true\n\
             contentSecurityPolicy: default-src 'self'\npermissionsPolicy: camera=()\nisDevelopment: false",
        );
        assert_eq!(
            h.custom_request_headers.get("X-Remove").map(String::as_str),
            Some("")
        );
        assert_eq!(h.access_control_allow_methods, ["GET", "OPTIONS", "PUT"]);
        assert_eq!(h.access_control_allow_origin_list, ["*"]);
        assert!(h.force_sts_header);
        assert_eq!(h.custom_browser_xss_value, "0");
        assert_eq!(h.sts_seconds, 31_536_000);
        assert!(validate_issues(&h).is_empty());
        // Keys are case-insensitive (labels are often lower-cased).
        let h: Headers = decode_yaml("forcestsheader: true\ncustombrowserxssvalue: x");
        assert!(h.force_sts_header);
        assert_eq!(h.custom_browser_xss_value, "x");
    }

    #[test]
    fn reports_problems_and_deprecations() {
        let h: Headers = decode_yaml(
            "customResponseHeaders:\n  'Bad Name': x\naccessControlAllowOriginListRegex: ['(']\nstsSeconds: -1\n\
             sslRedirect: true\nfeaturePolicy: vibrate 'none'",
        );
        let issues = validate_issues(&h);
        assert_eq!(issues.len(), 5, "{issues:?}");
        assert_eq!(
            issues[0],
            "customResponseHeaders.Bad Name: `Bad Name` is not a valid header name"
        );
        assert!(
            issues[1]
                .starts_with("accessControlAllowOriginListRegex[0]: invalid regular expression")
        );
        assert_eq!(issues[2], "stsSeconds: stsSeconds must not be negative");
        assert_eq!(
            issues[3],
            "featurePolicy: deprecated: use permissionsPolicy"
        );
        assert_eq!(
            issues[4],
            "sslRedirect: deprecated: use the redirectScheme middleware"
        );
    }
}
