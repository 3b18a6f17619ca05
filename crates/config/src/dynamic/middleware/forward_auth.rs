//! `forwardAuth`: delegate authentication to an external HTTP service.

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ForwardAuth {
    /// Required: absolute `http://` or `https://` URL of the auth server.
    pub address: String,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls: Option<ClientTls>,
    /// Deprecated in Traefik 3.7; unset keeps the legacy header handling (see the proxy's
    /// `forward_auth`), so unset and `false` differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_forward_header: Option<bool>,
    pub auth_response_headers: Vec<String>,
    pub auth_response_headers_regex: String,
    /// Only these headers are sent to the auth server; `None` = all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_request_headers: Option<Vec<String>>,
    pub add_auth_cookies_to_response: Vec<String>,
    pub header_field: String,
    pub forward_body: bool,
    /// −1 = unlimited.
    pub max_body_size: i64,
    /// `None` = unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_response_body_size: Option<i64>,
    pub preserve_location_header: bool,
    pub preserve_request_method: bool,
    #[serde(rename = "authSigninURL")]
    pub auth_signin_url: String,
}

impl Default for ForwardAuth {
    fn default() -> Self {
        Self {
            address: String::new(),
            tls: None,
            trust_forward_header: None,
            auth_response_headers: Vec::new(),
            auth_response_headers_regex: String::new(),
            auth_request_headers: None,
            add_auth_cookies_to_response: Vec::new(),
            header_field: String::new(),
            forward_body: false,
            max_body_size: -1,
            max_response_body_size: None,
            preserve_location_header: false,
            preserve_request_method: false,
            auth_signin_url: String::new(),
        }
    }
}

/// TLS client settings (forwardAuth, rateLimit redis).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientTls {
    pub ca: String,
    pub cert: String,
    pub key: String,
    pub insecure_skip_verify: bool,
    /// Deprecated and ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_optional: Option<bool>,
}

impl Validate for ClientTls {
    fn validate(&self, scope: &mut Scope<'_>) {
        match (self.cert.is_empty(), self.key.is_empty()) {
            (false, true) => scope.error(
                "key",
                IssueKind::Missing,
                "key is required when cert is set",
            ),
            (true, false) => scope.error(
                "cert",
                IssueKind::Missing,
                "cert is required when key is set",
            ),
            _ => {}
        }
        if self.ca_optional.is_some() {
            scope.warning(
                "caOptional",
                IssueKind::Unsupported,
                "deprecated: caOptional is ignored (client authentication is a server-side option); remove it",
            );
        }
    }
}

impl Validate for ForwardAuth {
    fn validate(&self, scope: &mut Scope<'_>) {
        if self.address.is_empty() {
            scope.error("address", IssueKind::Missing, "address is required");
        } else if let Err(e) = crate::validate::values::check_url(&self.address, &["http", "https"])
        {
            scope.error("address", IssueKind::InvalidValue, e);
        }
        if let Some(tls) = &self.tls {
            tls.validate(&mut scope.at("tls"));
        }
        if !self.auth_response_headers_regex.is_empty() {
            scope.regex(
                "authResponseHeadersRegex",
                &self.auth_response_headers_regex,
            );
        }
        scope.check(self.max_body_size >= -1, "maxBodySize", || {
            "maxBodySize must be -1 (unlimited) or more".to_string()
        });
        if let Some(n) = self.max_response_body_size {
            scope.check(n >= -1, "maxResponseBodySize", || {
                "maxResponseBodySize must be -1 (unlimited) or more".to_string()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn checks_urls() {
        for ok in [
            "http://auth",
            "https://auth.example.com:8443/verify?x=1",
            "HTTP://[::1]:80/",
            "http://u:p@h",
        ] {
            assert_eq!(
                crate::validate::values::check_url(ok, &["http", "https"]),
                Ok(()),
                "{ok}"
            );
        }
        for bad in [
            "auth:80",
            "ftp://x",
            "http://",
            "http:///path",
            "http://h:99999",
            "http://[::1",
            "http://a b",
        ] {
            assert!(
                crate::validate::values::check_url(bad, &["http", "https"]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn decodes_and_validates() {
        let f: ForwardAuth = decode_yaml(
            "address: https://auth.example.com/verify\ntrustForwardHeader: true\nauthResponseHeaders: X-User,X-Groups\n\
             authResponseHeadersRegex: ^X-Auth-\ntls:\n  ca: /ca.pem\n  insecureSkipVerify: true\nauthSigninURL: https://login\nmaxResponseBodySize: 1024",
        );
        assert_eq!(f.auth_response_headers, ["X-User", "X-Groups"]);
        assert_eq!(f.max_body_size, -1);
        assert_eq!(f.trust_forward_header, Some(true));
        assert_eq!(f.auth_request_headers, None);
        assert_eq!(f.auth_signin_url, "https://login");
        assert_eq!(f.tls.as_ref().map(|t| t.insecure_skip_verify), Some(true));
        assert!(validate_issues(&f).is_empty());
    }

    #[test]
    fn reports_problems() {
        assert_eq!(
            validate_issues(&ForwardAuth::default()),
            ["address: address is required"]
        );
        let f: ForwardAuth = decode_yaml(
            "address: auth:9000\nauthResponseHeadersRegex: '('\ntls:\n  cert: c.pem\n  caOptional: true\nmaxBodySize: -5",
        );
        let issues = validate_issues(&f);
        assert_eq!(issues.len(), 5, "{issues:?}");
        assert_eq!(
            issues[0],
            "address: `auth:9000` is not an absolute URL (expected http://host[:port])"
        );
        assert_eq!(issues[1], "tls.key: key is required when cert is set");
        assert!(issues[2].starts_with("tls.caOptional: deprecated:"));
        assert!(issues[3].starts_with("authResponseHeadersRegex: invalid regular expression"));
        assert_eq!(
            issues[4],
            "maxBodySize: maxBodySize must be -1 (unlimited) or more"
        );
    }
}
