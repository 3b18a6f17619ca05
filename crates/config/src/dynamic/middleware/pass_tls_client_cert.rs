//! `passTLSClientCert`: pass the client certificate (PEM and/or selected fields) in headers.

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PassTlsClientCert {
    /// Send `X-Forwarded-Tls-Client-Cert`.
    pub pem: bool,
    /// Send `X-Forwarded-Tls-Client-Cert-Info` with these fields.
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub info: Option<TlsClientCertInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsClientCertInfo {
    pub not_after: bool,
    pub not_before: bool,
    pub sans: bool,
    pub serial_number: bool,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub subject: Option<TlsCertSubjectInfo>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub issuer: Option<TlsCertIssuerInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsCertSubjectInfo {
    pub country: bool,
    pub province: bool,
    pub locality: bool,
    pub organization: bool,
    pub organizational_unit: bool,
    pub common_name: bool,
    pub serial_number: bool,
    pub domain_component: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsCertIssuerInfo {
    pub country: bool,
    pub province: bool,
    pub locality: bool,
    pub organization: bool,
    pub common_name: bool,
    pub serial_number: bool,
    pub domain_component: bool,
}

impl Validate for PassTlsClientCert {
    fn validate(&self, scope: &mut Scope<'_>) {
        if !self.pem && self.info.is_none() {
            scope.warning(
                "",
                IssueKind::Missing,
                "neither pem nor info is set: the middleware does nothing",
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
        let p: PassTlsClientCert = decode_yaml(
            "pem: true\ninfo:\n  notAfter: true\n  sans: true\n  subject:\n    commonName: true\n    organizationalUnit: true\n  issuer:\n    domainComponent: true",
        );
        let info = p.info.as_ref().expect("info");
        assert!(info.not_after && info.sans && !info.not_before);
        assert_eq!(
            info.subject
                .as_ref()
                .map(|s| (s.common_name, s.organizational_unit)),
            Some((true, true))
        );
        assert_eq!(info.issuer.as_ref().map(|s| s.domain_component), Some(true));
        assert!(validate_issues(&p).is_empty());
        let p: PassTlsClientCert = decode_yaml("{}");
        assert_eq!(
            validate_issues(&p),
            [": neither pem nor info is set: the middleware does nothing"]
        );
    }
}
