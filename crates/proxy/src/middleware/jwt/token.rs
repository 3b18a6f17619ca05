//! Finding a request's token (header, then `tokenKey` query parameter, then cookie), reading
//! its JOSE header before any key is chosen, and what a refusal says ([`Reject`]: the
//! `WWW-Authenticate` challenge of RFC 6750 and a one-line body; never the token).

use http::{HeaderName, HeaderValue, StatusCode, header};
use jsonwebtoken::Algorithm;
use serde::Deserialize;

use crate::{Body, Request, Response};

/// Where a token may be found, in this order.
#[derive(Debug)]
pub(super) struct Sources {
    /// `Authorization` needs the `Bearer` scheme; another header carries the token alone.
    pub(super) header: HeaderName,
    pub(super) query: Option<String>,
    pub(super) cookie: Option<String>,
}

/// The JOSE header fields read before verification.
#[derive(Debug, Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum Reject {
    #[error("missing token")]
    Missing,
    #[error("malformed token")]
    Malformed,
    #[error("alg none is not accepted")]
    AlgNone,
    #[error("algorithm not allowed")]
    Algorithm,
    #[error("unknown kid")]
    UnknownKid,
    #[error("token has no kid")]
    NoKid,
    #[error("key does not match the algorithm")]
    WrongAlg,
    #[error("no verification key available")]
    NoKeys,
    #[error("invalid signature")]
    Signature,
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
    #[error("token issued in the future")]
    IssuedInFuture,
    #[error("invalid issuer")]
    Issuer,
    #[error("invalid audience")]
    Audience,
    #[error("missing required claim")]
    MissingClaim,
    #[error("invalid claim format")]
    ClaimFormat,
    #[error("claims do not match")]
    Claims,
}

// === impl Sources ===

impl Sources {
    /// The token of `req`, if any source has one.
    pub(super) fn find<'r>(&self, req: &'r Request) -> Option<&'r str> {
        let from_header = req.headers().get_all(&self.header).iter().find_map(|v| {
            let v = v.to_str().ok()?.trim();
            if self.header == header::AUTHORIZATION {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            } else {
                Some(strip_bearer(v))
            }
        });
        from_header
            .filter(|t| !t.is_empty())
            .or_else(|| {
                let key = self.query.as_deref()?;
                req.uri().query()?.split('&').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    (k == key && !v.is_empty()).then_some(v)
                })
            })
            .or_else(|| {
                let name = self.cookie.as_deref()?;
                req.headers()
                    .get_all(header::COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(';'))
                    .find_map(|c| {
                        let (k, v) = c.trim().split_once('=')?;
                        (k == name && !v.is_empty()).then_some(v.trim_matches('"'))
                    })
            })
    }
}

fn strip_bearer(v: &str) -> &str {
    match v.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => v,
    }
}

/// The token's `alg` and `kid`, read before verification; `alg: none` (any case) and
/// algorithms outside `allowed` are refused here.
pub(super) fn header(
    token: &str,
    allowed: &[Algorithm],
) -> Result<(Algorithm, Option<String>), Reject> {
    use base64::Engine;
    let encoded = token.split('.').next().unwrap_or_default();
    if token.split('.').count() != 3 {
        return Err(Reject::Malformed);
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| Reject::Malformed)?;
    let raw: RawHeader = serde_json::from_slice(&json).map_err(|_| Reject::Malformed)?;
    if raw.alg.eq_ignore_ascii_case("none") {
        return Err(Reject::AlgNone);
    }
    let alg: Algorithm = raw.alg.parse().map_err(|_| Reject::Algorithm)?;
    if !allowed.contains(&alg) {
        return Err(Reject::Algorithm);
    }
    Ok((alg, raw.kid))
}

// === impl Reject ===

impl Reject {
    /// Maps a `jsonwebtoken` error after the header was accepted.
    pub(super) fn from_jwt(e: &jsonwebtoken::errors::Error) -> Self {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::ExpiredSignature => Reject::Expired,
            K::ImmatureSignature => Reject::NotYetValid,
            K::InvalidIssuer => Reject::Issuer,
            K::InvalidAudience => Reject::Audience,
            K::MissingRequiredClaim(_) => Reject::MissingClaim,
            K::InvalidClaimFormat(_) => Reject::ClaimFormat,
            K::InvalidSignature => Reject::Signature,
            K::InvalidAlgorithm | K::InvalidAlgorithmName | K::UnsupportedAlgorithm => {
                Reject::Algorithm
            }
            K::InvalidKeyFormat | K::InvalidEcdsaKey | K::InvalidEddsaKey | K::InvalidRsaKey(_) => {
                Reject::WrongAlg
            }
            // A signature that does not decode or verify, a payload that is not JSON.
            _ => Reject::Malformed,
        }
    }

    /// The refusal: 401 (403 when the token is good but its claims do not match), with
    /// `WWW-Authenticate: Bearer` and the reason (RFC 6750 §3).
    pub(super) fn response(self) -> Response {
        let (status, challenge) = match self {
            // No credentials: no error code (RFC 6750 §3.1).
            Reject::Missing => (StatusCode::UNAUTHORIZED, "Bearer".to_string()),
            Reject::Claims => (
                StatusCode::FORBIDDEN,
                format!("Bearer error=\"insufficient_scope\", error_description=\"{self}\""),
            ),
            _ => (
                StatusCode::UNAUTHORIZED,
                format!("Bearer error=\"invalid_token\", error_description=\"{self}\""),
            ),
        };
        let mut resp = Response::new(Body::full(format!("{self}\n")));
        *resp.status_mut() = status;
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            h.insert(header::WWW_AUTHENTICATE, v);
        }
        resp
    }
}
