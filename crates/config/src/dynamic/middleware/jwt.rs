//! `jwt`: JSON Web Token verification. Traefik OSS has no such middleware; Traefik Hub's API
//! gateway has one (`plugin.jwt` in its CRDs), whose option names are kept here: one key
//! source (`signingSecret`, `publicKey`, `jwksFile` or `jwksUrl`), `forwardHeaders`,
//! `forwardAuthorization`, `tokenKey`, `claims`, `usernameClaim` and `clientConfig`.
//! Waygate adds what a zero-trust check needs and Hub leaves to `claims`: an algorithm
//! allow-list (`algorithms`), `leeway`, `issuers`, `audiences`, `requiredClaims`, and two more
//! token sources (`tokenHeader`, `tokenCookie`).

mod claims;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::types::Duration;
use crate::validate::{Scope, Validate};

use super::ClientTls;

pub use self::claims::{ClaimsCall, ClaimsExpr, ClaimsFn, claim, claim_path, parse_claims, scalar};

/// Algorithms `algorithms` may list (`none` never).
pub const JWT_ALGORITHMS: &[&str] = &[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "EdDSA",
];

/// Registered claims `requiredClaims` may list.
pub const JWT_REQUIRABLE: &[&str] = &["exp", "nbf", "iat", "iss", "aud", "sub"];

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Jwt {
    /// HMAC secret (HS256/384/512). Never printed.
    pub signing_secret: String,
    pub signing_secret_base64_encoded: bool,
    /// PEM public key (or certificate) for RS/PS/ES/EdDSA.
    pub public_key: String,
    /// A JWK set: a file path or the JSON itself.
    pub jwks_file: String,
    /// Where a JWK set is fetched (cached, refreshed on an unknown `kid`).
    pub jwks_url: String,
    /// Keep `Authorization` on the forwarded request (stripped by default).
    pub forward_authorization: bool,
    /// Query parameter that may carry the token (after the header).
    pub token_key: String,
    /// A claims expression (`Equals(`grp`, `admin`)`, …) the token must satisfy.
    pub claims: String,
    /// Claim shown as the access log's `ClientUsername`.
    pub username_claim: String,
    /// Header name → claim (nested with `.`): set on the forwarded request.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub forward_headers: BTreeMap<String, String>,
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_config: Option<JwtClientConfig>,
    /// Waygate: accepted `alg` values; empty = every algorithm the key source can verify.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub algorithms: Vec<String>,
    /// Waygate: clock skew allowed on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
    /// Waygate: accepted `iss` values; empty = any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issuers: Vec<String>,
    /// Waygate: accepted `aud` values (one must match); empty = any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// Waygate: registered claims a token must carry (`exp`, `nbf`, `iat`, `iss`, `aud`, `sub`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required_claims: Vec<String>,
    /// Waygate: the header carrying the token; `Authorization` (the default) needs `Bearer`.
    pub token_header: String,
    /// Waygate: a cookie that may carry the token (after the header and the query).
    pub token_cookie: String,
}

/// How the JWK set URL is fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JwtClientConfig {
    #[serde(
        deserialize_with = "crate::de::section",
        skip_serializing_if = "Option::is_none"
    )]
    pub tls: Option<ClientTls>,
    pub timeout_seconds: i64,
    pub max_retries: i64,
}

// === impl Jwt ===

impl Default for Jwt {
    fn default() -> Self {
        Self {
            signing_secret: String::new(),
            signing_secret_base64_encoded: false,
            public_key: String::new(),
            jwks_file: String::new(),
            jwks_url: String::new(),
            forward_authorization: false,
            token_key: String::new(),
            claims: String::new(),
            username_claim: String::new(),
            forward_headers: BTreeMap::new(),
            client_config: None,
            algorithms: Vec::new(),
            leeway: Duration::ZERO,
            issuers: Vec::new(),
            audiences: Vec::new(),
            required_claims: Vec::new(),
            token_header: "Authorization".to_string(),
            token_cookie: String::new(),
        }
    }
}

impl fmt::Debug for Jwt {
    /// Everything but the signing secret, which is never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = if self.signing_secret.is_empty() {
            ""
        } else {
            "[redacted]"
        };
        f.debug_struct("Jwt")
            .field("signing_secret", &secret)
            .field("public_key", &self.public_key)
            .field("jwks_file", &self.jwks_file)
            .field("jwks_url", &self.jwks_url)
            .field("forward_authorization", &self.forward_authorization)
            .field("token_key", &self.token_key)
            .field("claims", &self.claims)
            .field("username_claim", &self.username_claim)
            .field("forward_headers", &self.forward_headers)
            .field("client_config", &self.client_config)
            .field("algorithms", &self.algorithms)
            .field("leeway", &self.leeway)
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .field("required_claims", &self.required_claims)
            .field("token_header", &self.token_header)
            .field("token_cookie", &self.token_cookie)
            .finish()
    }
}

impl Jwt {
    /// The key sources that are set, by option name.
    pub fn key_sources(&self) -> Vec<&'static str> {
        [
            ("signingSecret", &self.signing_secret),
            ("publicKey", &self.public_key),
            ("jwksFile", &self.jwks_file),
            ("jwksUrl", &self.jwks_url),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, _)| k)
        .collect()
    }
}

impl Validate for Jwt {
    fn validate(&self, scope: &mut Scope<'_>) {
        let sources = self.key_sources();
        match sources[..] {
            [] => scope.error(
                "",
                IssueKind::Missing,
                "one of signingSecret, publicKey, jwksFile or jwksUrl is required",
            ),
            [_] => {}
            _ => scope.error(
                sources[1],
                IssueKind::Conflict,
                format!(
                    "only one key source may be set, found: {}",
                    sources.join(", ")
                ),
            ),
        }
        if self.signing_secret_base64_encoded && !is_base64(&self.signing_secret) {
            // Never the secret itself.
            scope.error(
                "signingSecret",
                IssueKind::InvalidValue,
                "signingSecret is not valid base64",
            );
        }
        if !self.public_key.is_empty() && !self.public_key.contains("-----BEGIN ") {
            scope.error(
                "publicKey",
                IssueKind::InvalidValue,
                "publicKey must be a PEM public key or certificate (-----BEGIN ...)",
            );
        }
        if !self.jwks_url.is_empty()
            && let Err(e) = crate::validate::values::check_url(&self.jwks_url, &["http", "https"])
        {
            scope.error("jwksUrl", IssueKind::InvalidValue, e);
        }
        let hmac = !self.signing_secret.is_empty();
        let asymmetric = !self.public_key.is_empty();
        for (i, alg) in self.algorithms.iter().enumerate() {
            let at = format!("algorithms[{i}]");
            if alg.eq_ignore_ascii_case("none") {
                scope.error(
                    &at,
                    IssueKind::InvalidValue,
                    "`none` is never accepted: tokens must be signed",
                );
            } else if !JWT_ALGORITHMS.contains(&alg.as_str()) {
                scope.error(
                    &at,
                    IssueKind::InvalidValue,
                    format!(
                        "unknown algorithm `{alg}` (expected one of {})",
                        JWT_ALGORITHMS.join(", ")
                    ),
                );
            } else if hmac && !alg.starts_with("HS") {
                scope.error(
                    &at,
                    IssueKind::Conflict,
                    format!("{alg} needs a public key, but signingSecret is set"),
                );
            } else if asymmetric && alg.starts_with("HS") {
                scope.error(
                    &at,
                    IssueKind::Conflict,
                    format!("{alg} with publicKey would let the public key act as an HMAC secret"),
                );
            }
        }
        scope.check(self.leeway >= Duration::ZERO, "leeway", || {
            "leeway must not be negative".into()
        });
        for (i, c) in self.required_claims.iter().enumerate() {
            if !JWT_REQUIRABLE.contains(&c.as_str()) {
                scope.error(
                    &format!("requiredClaims[{i}]"),
                    IssueKind::InvalidValue,
                    format!(
                        "`{c}` is not a registered claim (expected one of {})",
                        JWT_REQUIRABLE.join(", ")
                    ),
                );
            }
        }
        if !self.claims.is_empty()
            && let Err(e) = parse_claims(&self.claims)
        {
            scope.error(
                "claims",
                IssueKind::InvalidValue,
                format!("invalid claims expression: {e}"),
            );
        }
        for (name, claim) in &self.forward_headers {
            let at = format!("forwardHeaders.{name}");
            if !is_token(name) {
                scope.error(
                    &at,
                    IssueKind::InvalidValue,
                    format!("`{name}` is not a valid header name"),
                );
            }
            if claim.is_empty() {
                scope.error(&at, IssueKind::Missing, "the claim to forward is empty");
            }
        }
        if !is_token(&self.token_header) {
            scope.error(
                "tokenHeader",
                IssueKind::InvalidValue,
                "tokenHeader must be a header name",
            );
        }
        if !self.token_cookie.is_empty() && !is_token(&self.token_cookie) {
            scope.error(
                "tokenCookie",
                IssueKind::InvalidValue,
                "tokenCookie must be a cookie name",
            );
        }
        if let Some(client) = &self.client_config {
            if self.jwks_url.is_empty() {
                scope.warning(
                    "clientConfig",
                    IssueKind::Unsupported,
                    "clientConfig is only used with jwksUrl",
                );
            }
            scope.check(
                client.timeout_seconds > 0,
                "clientConfig.timeoutSeconds",
                || "timeoutSeconds must be more than 0".into(),
            );
            scope.check(client.max_retries >= 0, "clientConfig.maxRetries", || {
                "maxRetries must not be negative".into()
            });
            if let Some(tls) = &client.tls {
                tls.validate(&mut scope.at("clientConfig.tls"));
            }
        }
    }
}

// === impl JwtClientConfig ===

impl Default for JwtClientConfig {
    fn default() -> Self {
        Self {
            tls: None,
            timeout_seconds: 5,
            max_retries: 3,
        }
    }
}

/// RFC 9110 token characters (header and cookie names).
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Standard base64 with padding, as Go's `StdEncoding` reads it.
fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len().is_multiple_of(4)
        && s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_hub_options_and_extensions() {
        let j: Jwt = decode_yaml(
            "jwksUrl: https://idp.example.com/jwks\nforwardHeaders:\n  X-User: sub\n  Group: grp\n\
             claims: Equals(`grp`, `admin`)\ntokenKey: token\nusernameClaim: sub\n\
             clientConfig:\n  timeoutSeconds: 2\n  tls:\n    insecureSkipVerify: true\n\
             algorithms: [RS256]\nleeway: 30s\naudiences: [api]\nrequiredClaims: [exp]\ntokenCookie: jwt",
        );
        assert_eq!(j.key_sources(), ["jwksUrl"]);
        assert_eq!(
            j.forward_headers.get("X-User").map(String::as_str),
            Some("sub")
        );
        assert_eq!(j.leeway, Duration::from_secs(30));
        assert_eq!(j.token_header, "Authorization");
        let client = j.client_config.clone().expect("clientConfig");
        assert_eq!((client.timeout_seconds, client.max_retries), (2, 3));
        assert!(validate_issues(&j).is_empty(), "{:?}", validate_issues(&j));
    }

    #[test]
    fn decodes_from_docker_labels() {
        let (node, issues) = crate::flat::labels_to_node([
            ("traefik.http.middlewares.m.jwt.jwksurl", "https://idp/jwks"),
            ("traefik.http.middlewares.m.jwt.algorithms", "RS256,ES256"),
            ("traefik.http.middlewares.m.jwt.leeway", "30s"),
            (
                "traefik.http.middlewares.m.jwt.forwardheaders.X-User",
                "sub",
            ),
            (
                "traefik.http.middlewares.m.jwt.clientconfig.timeoutseconds",
                "2",
            ),
            (
                "traefik.http.middlewares.m.jwt.claims",
                "Equals(`grp`, `admin`)",
            ),
        ]);
        assert!(issues.is_empty(), "{issues:?}");
        let decoded = crate::decode::decode::<crate::dynamic::DynamicConfig>(&node, "", "labels");
        let cfg = decoded.clean().expect("decodes");
        let m = &cfg.http.expect("http").middlewares["m"];
        assert_eq!(m.kind(), Some("jwt"));
        let j = *m.jwt.clone().expect("jwt");
        assert_eq!(j.algorithms, ["RS256", "ES256"]);
        assert_eq!(j.leeway, Duration::from_secs(30));
        assert_eq!(
            j.forward_headers.get("X-User").map(String::as_str),
            Some("sub")
        );
        assert_eq!(j.client_config.as_ref().map(|c| c.timeout_seconds), Some(2));
        assert!(validate_issues(&j).is_empty());
    }

    #[test]
    fn reports_problems_without_the_secret() {
        assert_eq!(
            validate_issues(&Jwt::default()),
            [": one of signingSecret, publicKey, jwksFile or jwksUrl is required"]
        );
        let j: Jwt = decode_yaml(
            "signingSecret: 's3cr3t!'\nsigningSecretBase64Encoded: true\njwksFile: /k.json\n\
             algorithms: [none, RS256, HS999]\nrequiredClaims: [jti]\nclaims: Equals(`a`)\n\
             forwardHeaders:\n  'X User': sub\nleeway: -1s\ntokenCookie: 'a b'",
        );
        let issues = validate_issues(&j);
        assert_eq!(issues.len(), 10, "{issues:#?}");
        assert_eq!(
            issues[0],
            "jwksFile: only one key source may be set, found: signingSecret, jwksFile"
        );
        assert_eq!(
            issues[1],
            "signingSecret: signingSecret is not valid base64"
        );
        assert!(issues[2].starts_with("algorithms[0]: `none` is never accepted"));
        assert_eq!(
            issues[3],
            "algorithms[1]: RS256 needs a public key, but signingSecret is set"
        );
        assert!(issues[4].starts_with("algorithms[2]: unknown algorithm `HS999`"));
        assert_eq!(issues[5], "leeway: leeway must not be negative");
        assert!(issues[6].starts_with("requiredClaims[0]: `jti` is not a registered claim"));
        assert!(
            issues[7].starts_with("claims: invalid claims expression: column 1: Equals takes 2")
        );
        assert_eq!(
            issues[8],
            "forwardHeaders.X User: `X User` is not a valid header name"
        );
        assert_eq!(issues[9], "tokenCookie: tokenCookie must be a cookie name");
        assert!(issues.iter().all(|i| !i.contains("s3cr3t")));
        assert!(!format!("{j:?}").contains("s3cr3t"));
    }

    #[test]
    fn refuses_hmac_algorithms_with_a_public_key() {
        let j: Jwt = decode_yaml(
            "publicKey: \"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\"\nalgorithms: [HS256]",
        );
        assert_eq!(
            validate_issues(&j),
            ["algorithms[0]: HS256 with publicKey would let the public key act as an HMAC secret"]
        );
        let j: Jwt = decode_yaml("publicKey: not a key\nclientConfig: {timeoutSeconds: 0}");
        assert_eq!(
            validate_issues(&j),
            [
                "publicKey: publicKey must be a PEM public key or certificate (-----BEGIN ...)",
                "clientConfig: clientConfig is only used with jwksUrl",
                "clientConfig.timeoutSeconds: timeoutSeconds must be more than 0",
            ]
        );
    }
}
