//! HTTP middlewares (reference §4.1): one optional section per type; exactly one must be set.

mod add_prefix;
mod basic_auth;
mod buffering;
mod chain;
mod circuit_breaker;
mod compress;
mod content_type;
mod digest_auth;
mod encoded_characters;
mod errors;
mod forward_auth;
mod grpc_web;
mod headers;
mod in_flight_req;
mod ip_allow_list;
mod jwt;
mod pass_tls_client_cert;
mod rate_limit;
mod redirect_regex;
mod redirect_scheme;
mod replace_path;
mod replace_path_regex;
mod retry;
mod source_criterion;
mod strip_prefix;
mod strip_prefix_regex;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

pub use self::add_prefix::AddPrefix;
pub use self::basic_auth::BasicAuth;
pub use self::buffering::Buffering;
pub use self::chain::Chain;
pub use self::circuit_breaker::{
    CircuitBreaker, CompareOp, Predicate, PredicateDialect, PredicateError, PredicateMetric,
    PredicateNumber, parse_predicate,
};
pub use self::compress::Compress;
pub use self::content_type::ContentType;
pub use self::digest_auth::DigestAuth;
pub use self::encoded_characters::EncodedCharacters;
pub use self::errors::{ErrorPage, parse_status_ranges};
pub use self::forward_auth::{ClientTls, ForwardAuth};
pub use self::grpc_web::GrpcWeb;
pub use self::headers::Headers;
pub use self::in_flight_req::InFlightReq;
pub use self::ip_allow_list::{IpAllowList, IpWhiteList};
pub use self::jwt::{
    ClaimsCall, ClaimsExpr, ClaimsFn, JWT_ALGORITHMS, JWT_REQUIRABLE, Jwt, JwtClientConfig, claim,
    claim_path, parse_claims, scalar,
};
pub use self::pass_tls_client_cert::{
    PassTlsClientCert, TlsCertIssuerInfo, TlsCertSubjectInfo, TlsClientCertInfo,
};
pub use self::rate_limit::{RateLimit, Redis};
pub use self::redirect_regex::RedirectRegex;
pub use self::redirect_scheme::RedirectScheme;
pub use self::replace_path::ReplacePath;
pub use self::replace_path_regex::ReplacePathRegex;
pub use self::retry::Retry;
pub use self::source_criterion::{IpStrategy, SourceCriterion};
pub use self::strip_prefix::StripPrefix;
pub use self::strip_prefix_regex::StripPrefixRegex;

pub(crate) use self::ip_allow_list::check_source_range;

/// One `http.middlewares.<name>` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Middleware {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub add_prefix: Option<Box<AddPrefix>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub basic_auth: Option<Box<BasicAuth>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub buffering: Option<Box<Buffering>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub chain: Option<Box<Chain>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub circuit_breaker: Option<Box<CircuitBreaker>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub compress: Option<Box<Compress>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub content_type: Option<Box<ContentType>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub digest_auth: Option<Box<DigestAuth>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub encoded_characters: Option<Box<EncodedCharacters>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub errors: Option<Box<ErrorPage>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub forward_auth: Option<Box<ForwardAuth>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub grpc_web: Option<Box<GrpcWeb>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub headers: Option<Box<Headers>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub in_flight_req: Option<Box<InFlightReq>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_allow_list: Option<Box<IpAllowList>>,
    /// Deprecated alias of `ipAllowList`.
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub ip_white_list: Option<Box<IpWhiteList>>,
    /// Waygate's native JWT check (Traefik Hub's option names).
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub jwt: Option<Box<Jwt>>,
    #[serde(
        rename = "passTLSClientCert",
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub pass_tls_client_cert: Option<Box<PassTlsClientCert>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub rate_limit: Option<Box<RateLimit>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub redirect_regex: Option<Box<RedirectRegex>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub redirect_scheme: Option<Box<RedirectScheme>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub replace_path: Option<Box<ReplacePath>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub replace_path_regex: Option<Box<ReplacePathRegex>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub retry: Option<Box<Retry>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub strip_prefix: Option<Box<StripPrefix>>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub strip_prefix_regex: Option<Box<StripPrefixRegex>>,
    /// Plugin name → its settings (§1.15); at most one plugin per middleware.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub plugin: BTreeMap<String, serde_json::Value>,
}

/// What a middleware refers to by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    Middleware,
    Service,
}

/// Traefik's type names, in the order `kinds()` reports them.
pub const MIDDLEWARE_TYPES: &[&str] = &[
    "addPrefix",
    "basicAuth",
    "buffering",
    "chain",
    "circuitBreaker",
    "compress",
    "contentType",
    "digestAuth",
    "encodedCharacters",
    "errors",
    "forwardAuth",
    "grpcWeb",
    "headers",
    "inFlightReq",
    "ipAllowList",
    "ipWhiteList",
    "jwt",
    "passTLSClientCert",
    "rateLimit",
    "redirectRegex",
    "redirectScheme",
    "replacePath",
    "replacePathRegex",
    "retry",
    "stripPrefix",
    "stripPrefixRegex",
    "plugin",
];

// === impl Middleware ===

impl Middleware {
    /// Each set type with its options, in [`MIDDLEWARE_TYPES`] order (plugins excluded).
    fn sections(&self) -> [(&'static str, Option<&dyn Validate>); 26] {
        fn v<T: Validate>(o: &Option<Box<T>>) -> Option<&dyn Validate> {
            o.as_deref().map(|t| t as &dyn Validate)
        }
        [
            ("addPrefix", v(&self.add_prefix)),
            ("basicAuth", v(&self.basic_auth)),
            ("buffering", v(&self.buffering)),
            ("chain", v(&self.chain)),
            ("circuitBreaker", v(&self.circuit_breaker)),
            ("compress", v(&self.compress)),
            ("contentType", v(&self.content_type)),
            ("digestAuth", v(&self.digest_auth)),
            ("encodedCharacters", v(&self.encoded_characters)),
            ("errors", v(&self.errors)),
            ("forwardAuth", v(&self.forward_auth)),
            ("grpcWeb", v(&self.grpc_web)),
            ("headers", v(&self.headers)),
            ("inFlightReq", v(&self.in_flight_req)),
            ("ipAllowList", v(&self.ip_allow_list)),
            ("ipWhiteList", v(&self.ip_white_list)),
            ("jwt", v(&self.jwt)),
            ("passTLSClientCert", v(&self.pass_tls_client_cert)),
            ("rateLimit", v(&self.rate_limit)),
            ("redirectRegex", v(&self.redirect_regex)),
            ("redirectScheme", v(&self.redirect_scheme)),
            ("replacePath", v(&self.replace_path)),
            ("replacePathRegex", v(&self.replace_path_regex)),
            ("retry", v(&self.retry)),
            ("stripPrefix", v(&self.strip_prefix)),
            ("stripPrefixRegex", v(&self.strip_prefix_regex)),
        ]
    }

    /// The Traefik type names that are set (a plugin counts as `"plugin"`).
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<&'static str> = self
            .sections()
            .into_iter()
            .filter_map(|(name, section)| section.map(|_| name))
            .collect();
        if !self.plugin.is_empty() {
            kinds.push("plugin");
        }
        kinds
    }

    /// The type, when exactly one is set.
    pub fn kind(&self) -> Option<&'static str> {
        match self.kinds()[..] {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Names this middleware refers to, as `(key path relative to the middleware, name as
    /// written (possibly `name@provider`), kind)`: `chain.middlewares[i]` and `errors.service`.
    /// Empty names are left out (validation reports them).
    pub fn references(&self) -> Vec<(String, &str, RefKind)> {
        let mut refs = Vec::new();
        if let Some(chain) = &self.chain {
            for (i, name) in chain.middlewares.iter().enumerate() {
                if !name.trim().is_empty() {
                    refs.push((
                        format!("chain.middlewares[{i}]"),
                        name.as_str(),
                        RefKind::Middleware,
                    ));
                }
            }
        }
        if let Some(errors) = &self.errors
            && !errors.service.is_empty()
        {
            let name = errors.service.as_str();
            refs.push(("errors.service".to_string(), name, RefKind::Service));
        }
        refs
    }
}

impl Validate for Middleware {
    fn validate(&self, scope: &mut Scope<'_>) {
        let kinds = self.kinds();
        match kinds.len() {
            0 => scope.error("", IssueKind::Missing, {
                let types: Vec<&str> = MIDDLEWARE_TYPES
                    .iter()
                    .copied()
                    .filter(|t| *t != "ipWhiteList")
                    .collect();
                format!("middleware has no type; set one of {}", types.join(", "))
            }),
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
        for (name, section) in self.sections() {
            if let Some(section) = section {
                section.validate(&mut scope.at(name));
            }
        }
        if self.plugin.len() > 1 {
            let names: Vec<&str> = self.plugin.keys().map(String::as_str).collect();
            scope.error(
                "plugin",
                IssueKind::Conflict,
                format!(
                    "a middleware configures exactly one plugin, found: {}",
                    names.join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_issues, decode_yaml, validate_issues};

    #[test]
    fn one_type_per_middleware() {
        let m: Middleware = decode_yaml("addPrefix:\n  prefix: /api");
        assert_eq!(m.kinds(), ["addPrefix"]);
        assert_eq!(m.kind(), Some("addPrefix"));
        assert!(validate_issues(&m).is_empty());

        let m: Middleware = decode_yaml("compress: {}");
        assert_eq!(m.kind(), Some("compress"));
        let m: Middleware = decode_yaml("contentType: true");
        assert_eq!(m.kind(), Some("contentType"));
        let m: Middleware = decode_yaml("passtlsclientcert:\n  pem: true");
        assert_eq!(m.kind(), Some("passTLSClientCert"));

        let none = validate_issues(&Middleware::default());
        assert_eq!(none.len(), 1);
        assert!(none[0].starts_with(": middleware has no type; set one of addPrefix, basicAuth,"));
        assert!(
            none[0].contains("ipAllowList, jwt, passTLSClientCert") && none[0].ends_with("plugin")
        );

        let m: Middleware = decode_yaml("addPrefix:\n  prefix: x\nstripPrefix:\n  prefixes: [/a]");
        assert_eq!(m.kind(), None);
        assert_eq!(
            validate_issues(&m),
            [
                ": a middleware has exactly one type, found: addPrefix, stripPrefix",
                "addPrefix.prefix: prefix must start with `/`",
            ]
        );
    }

    #[test]
    fn plugins_and_deprecated_types() {
        let m: Middleware = decode_yaml("plugin:\n  jwt:\n    secret: s\n    alg: [HS256]");
        assert_eq!(m.kinds(), ["plugin"]);
        assert_eq!(
            m.plugin.get("jwt").and_then(|v| v.get("secret")),
            Some(&serde_json::json!("s"))
        );
        assert!(validate_issues(&m).is_empty());
        let m: Middleware = decode_yaml("plugin:\n  a: {}\n  b: {}");
        assert_eq!(
            validate_issues(&m),
            ["plugin: a middleware configures exactly one plugin, found: a, b"]
        );

        let m: Middleware = decode_yaml("ipWhiteList:\n  sourceRange: [10.0.0.0/8]");
        assert_eq!(m.kind(), Some("ipWhiteList"));
        assert_eq!(
            validate_issues(&m),
            ["ipWhiteList: deprecated: use ipAllowList"]
        );
    }

    #[test]
    fn validates_the_set_type_in_its_scope() {
        let m: Middleware = decode_yaml("circuitBreaker:\n  expression: 'RecentRequest#10s > 10'");
        let issues = validate_issues(&m);
        assert_eq!(issues.len(), 1);
        assert!(issues[0].starts_with(
            "circuitBreaker.expression: invalid expression: column 1: unknown function"
        ));
        let m: Middleware = decode_yaml("forwardAuth:\n  address: https://auth/verify");
        assert!(validate_issues(&m).is_empty());
    }

    #[test]
    fn unknown_types_are_decode_issues() {
        let issues = decode_issues::<Middleware>("stripprefixes:\n  prefixes: [/a]");
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert!(
            issues[0].starts_with("stripprefixes: unknown key"),
            "{issues:?}"
        );
    }

    #[test]
    fn lists_references() {
        let m: Middleware = decode_yaml("chain:\n  middlewares: [auth, strip@file]");
        let refs = m.references();
        assert_eq!(refs.len(), 2);
        assert_eq!(
            refs[1],
            (
                "chain.middlewares[1]".to_string(),
                "strip@file",
                RefKind::Middleware
            )
        );
        let m: Middleware = decode_yaml("errors:\n  service: error-pages\n  status: 500-599");
        assert_eq!(
            m.references(),
            [(
                "errors.service".to_string(),
                "error-pages",
                RefKind::Service
            )]
        );
    }
}
