//! `jwt`: verifies a JSON Web Token before the request goes on (Traefik Hub's middleware of
//! that name; Traefik OSS has none). One key source: `signingSecret` (HS*), `publicKey`
//! (RS*/PS*/ES*/EdDSA), `jwksFile` or `jwksUrl` ([`jwks`]); `kid` picks the key of a set.
//! Signatures are checked by `jsonwebtoken` on aws-lc-rs (the gateway's only crypto).
//!
//! **What is refused** ([`token::Reject`], 401 with `WWW-Authenticate: Bearer
//! error="invalid_token", error_description="<why>"`): a missing or malformed token, `alg:
//! none`, an algorithm outside the allow-list (`algorithms`, else what the key source can
//! verify; a JWK set never HS* unless listed) or that the chosen key cannot verify (so an
//! HS256 token "signed" with an RSA public key is refused before any HMAC is computed), an
//! unknown `kid`, a bad signature, `exp`/`nbf`/`iat` outside `leeway`, `iss`/`aud` outside
//! `issuers`/`audiences`, a missing `requiredClaims` entry; 403 `insufficient_scope` when
//! the `claims` expression does not hold. Neither the token nor any key is ever echoed.
//!
//! **What passes**: `forwardHeaders` set from the claims (a missing claim gives an empty
//! header, as Hub), the token header removed unless `forwardAuthorization`.
//!
//! **Cost.** A verified token is remembered for [`REMEMBER`] under an HMAC of its text (key
//! drawn at build), with its time claims: a client repeating its token pays one HMAC and a
//! clock check per request instead of a signature check; `exp`/`nbf` are checked again on
//! every use and a JWK set swap forgets everything. Refusals are not remembered.

mod jwks;
mod keys;
mod token;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use http::{HeaderName, HeaderValue};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;
use waygate_config::dynamic::middleware::{
    ClaimsExpr, Jwt as Config, claim, claim_path, parse_claims, scalar,
};

use self::jwks::Remote;
use self::keys::{ASYMMETRIC, KeySet, Miss};
use self::token::{Reject, Sources};
use super::Flow;
use crate::Request;

/// How long a verified token is remembered.
const REMEMBER: Duration = Duration::from_secs(60);
/// Tokens remembered per middleware at most.
const MAX_REMEMBERED: usize = 4096;

#[derive(Clone)]
pub struct Jwt {
    inner: Arc<Inner>,
}

struct Inner {
    keys: Keys,
    allowed: Vec<Algorithm>,
    /// One per algorithm family allowed (`jsonwebtoken` wants one family per check).
    validations: Vec<Validation>,
    leeway: u64,
    require_iat: bool,
    claims: Option<ClaimsExpr>,
    forward: Vec<(HeaderName, Vec<String>)>,
    sources: Sources,
    /// The token header, removed on the way out (unless `forwardAuthorization`).
    strip: Option<HeaderName>,
    tag_key: hmac::Key,
    remembered: Mutex<HashMap<[u8; 32], Remembered>>,
}

enum Keys {
    Fixed(KeySet),
    Remote(Arc<Remote>),
}

/// What a verified token leaves: its time claims and the headers to forward.
#[derive(Debug)]
struct Verified {
    exp: Option<u64>,
    nbf: Option<u64>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

struct Remembered {
    verified: Arc<Verified>,
    at: Instant,
    generation: u64,
}

/// Why a check did not pass: a refusal, or a key set refresh to wait for first.
enum Fail {
    Reject(Reject),
    Refresh(tokio::sync::watch::Receiver<()>),
}

// === impl Jwt ===

impl std::fmt::Debug for Jwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("Jwt")
            .field("allowed", &self.inner.allowed)
            .finish_non_exhaustive()
    }
}

impl Jwt {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let configured = cfg
            .algorithms
            .iter()
            .map(|a| {
                a.parse::<Algorithm>()
                    .map_err(|_| format!("algorithms: unknown algorithm `{a}`"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let source_algs: &[Algorithm] = if !cfg.signing_secret.is_empty() {
            keys::HMAC
        } else if !configured.is_empty() {
            &configured
        } else {
            ASYMMETRIC
        };
        let (keys, fixed_algs) = match cfg.key_sources()[..] {
            ["signingSecret"] => {
                let k = keys::secret(&cfg.signing_secret, cfg.signing_secret_base64_encoded)?;
                let algs = k.algs.clone();
                (Keys::Fixed(KeySet::one(k)), algs)
            }
            ["publicKey"] => {
                let k = keys::public_key(&cfg.public_key)?;
                let algs = k.algs.clone();
                (Keys::Fixed(KeySet::one(k)), algs)
            }
            ["jwksFile"] => {
                let json = if cfg.jwks_file.trim_start().starts_with('{') {
                    cfg.jwks_file.clone().into_bytes()
                } else {
                    std::fs::read(&cfg.jwks_file)
                        .map_err(|e| format!("jwksFile `{}`: {e}", cfg.jwks_file))?
                };
                let set =
                    keys::jwk_set(&json, source_algs).map_err(|e| format!("jwksFile: {e}"))?;
                (Keys::Fixed(set), source_algs.to_vec())
            }
            ["jwksUrl"] => {
                let client = cfg.client_config.clone().unwrap_or_default();
                let tls = if cfg.jwks_url.to_ascii_lowercase().starts_with("https:") {
                    Some(client_tls(client.tls.as_ref())?)
                } else {
                    None
                };
                let timeout =
                    Duration::from_secs(u64::try_from(client.timeout_seconds).unwrap_or(5).max(1));
                let retries = u32::try_from(client.max_retries).unwrap_or(0).min(10);
                let remote =
                    Remote::new(&cfg.jwks_url, tls, timeout, retries, source_algs.to_vec())?;
                (Keys::Remote(Arc::new(remote)), source_algs.to_vec())
            }
            [] => {
                return Err(
                    "one of signingSecret, publicKey, jwksFile or jwksUrl is required".into(),
                );
            }
            _ => {
                return Err(
                    "only one of signingSecret, publicKey, jwksFile or jwksUrl may be set".into(),
                );
            }
        };
        // The allow-list: what was configured, within what the keys can verify.
        let allowed: Vec<Algorithm> = if configured.is_empty() {
            fixed_algs
        } else {
            configured
                .into_iter()
                .filter(|a| fixed_algs.contains(a))
                .collect()
        };
        if allowed.is_empty() {
            return Err("algorithms: none of them can be verified with the configured key".into());
        }
        let leeway = cfg.leeway.to_std().unwrap_or_default().as_secs();
        let mut required: Vec<&str> = cfg.required_claims.iter().map(String::as_str).collect();
        if !cfg.issuers.is_empty() {
            required.push("iss");
        }
        if !cfg.audiences.is_empty() {
            required.push("aud");
        }
        let mut validations: Vec<Validation> = Vec::new();
        for alg in &allowed {
            if let Some(v) = validations
                .iter_mut()
                .find(|v| v.algorithms[0].family() == alg.family())
            {
                v.algorithms.push(*alg);
                continue;
            }
            let mut v = Validation::new(*alg);
            v.leeway = leeway;
            v.set_required_spec_claims(&required);
            v.validate_nbf = true;
            v.validate_aud = !cfg.audiences.is_empty();
            if !cfg.audiences.is_empty() {
                v.set_audience(&cfg.audiences);
            }
            if !cfg.issuers.is_empty() {
                v.set_issuer(&cfg.issuers);
            }
            validations.push(v);
        }
        let claims = (!cfg.claims.is_empty())
            .then(|| parse_claims(&cfg.claims).map_err(|e| format!("claims: {e}")))
            .transpose()?;
        let forward = cfg
            .forward_headers
            .iter()
            .map(|(name, c)| {
                HeaderName::try_from(name.as_str())
                    .map(|h| (h, claim_path(c)))
                    .map_err(|_| format!("forwardHeaders: `{name}` is not a valid header name"))
            })
            .collect::<Result<_, _>>()?;
        let token_header = if cfg.token_header.is_empty() {
            "Authorization"
        } else {
            &cfg.token_header
        };
        let token_header = HeaderName::try_from(token_header)
            .map_err(|_| format!("tokenHeader `{token_header}` is not a valid header name"))?;
        let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Ok(Self {
            inner: Arc::new(Inner {
                keys,
                allowed,
                validations,
                leeway,
                require_iat: cfg.required_claims.iter().any(|c| c == "iat"),
                claims,
                forward,
                strip: (!cfg.forward_authorization).then(|| token_header.clone()),
                sources: Sources {
                    header: token_header,
                    query: nonempty(&cfg.token_key),
                    cookie: nonempty(&cfg.token_cookie),
                },
                tag_key: hmac::Key::generate(
                    hmac::HMAC_SHA256,
                    &aws_lc_rs::rand::SystemRandom::new(),
                )
                .map_err(|_| "no randomness for the token memory".to_string())?,
                remembered: Mutex::new(HashMap::new()),
            }),
        })
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        let inner = &self.inner;
        let Some(token) = inner.sources.find(req) else {
            return Flow::Respond(Reject::Missing.response());
        };
        let now = unix_now();
        let tag = inner.tag(token);
        if let Some(v) = inner.recall(&tag) {
            return match inner.in_time(&v, now) {
                Ok(()) => inner.pass(&v, req),
                Err(r) => Flow::Respond(r.response()),
            };
        }
        match inner.check(token, now, true) {
            Ok(v) => {
                let v = Arc::new(v);
                inner.remember(tag, v.clone());
                inner.pass(&v, req)
            }
            Err(Fail::Reject(r)) => Flow::Respond(r.response()),
            Err(Fail::Refresh(mut rx)) => {
                // The request is changed now (as if it passed); a refusal discards it.
                let token = token.to_string();
                if let Some(h) = inner.unverified_headers(&token) {
                    inner.apply(&h, req);
                }
                let inner = self.inner.clone();
                let patience = inner.patience();
                Flow::Wait(Box::pin(async move {
                    let _ = tokio::time::timeout(patience, rx.changed()).await;
                    match inner.check(&token, unix_now(), false) {
                        Ok(v) => {
                            inner.remember(inner.tag(&token), Arc::new(v));
                            Flow::Next
                        }
                        Err(Fail::Reject(r)) => Flow::Respond(r.response()),
                        Err(Fail::Refresh(_)) => Flow::Respond(Reject::UnknownKid.response()),
                    }
                }))
            }
        }
    }
}

// === impl Inner ===

impl Inner {
    /// Verifies `token` (signature, time, issuer, audience, claims). With `may_refresh`, a
    /// `kid` missing from a fetched set asks for a refresh instead of refusing.
    fn check(&self, token: &str, now: u64, may_refresh: bool) -> Result<Verified, Fail> {
        let (alg, kid) = token::header(token, &self.allowed).map_err(Fail::Reject)?;
        let set = match &self.keys {
            Keys::Fixed(set) => Ok(set),
            Keys::Remote(remote) => {
                remote.refresh_if_stale();
                Err(remote.keys())
            }
        };
        let guard;
        let set = match set {
            Ok(set) => set,
            Err(g) => {
                guard = g;
                &**guard
            }
        };
        let key = match set.find(kid.as_deref(), alg) {
            Ok(key) => key,
            Err(miss @ (Miss::UnknownKid | Miss::NoKid)) => {
                if let Keys::Remote(remote) = &self.keys
                    && may_refresh
                    && let Some(rx) = remote.refresh_for_miss()
                {
                    return Err(Fail::Refresh(rx));
                }
                return Err(Fail::Reject(match miss {
                    _ if set.keys.is_empty() => Reject::NoKeys,
                    Miss::NoKid => Reject::NoKid,
                    _ => Reject::UnknownKid,
                }));
            }
            Err(Miss::WrongAlg) => return Err(Fail::Reject(Reject::WrongAlg)),
        };
        let validation = self
            .validations
            .iter()
            .find(|v| v.algorithms.contains(&alg))
            .ok_or(Fail::Reject(Reject::Algorithm))?;
        let data = jsonwebtoken::decode::<Value>(token, &key.key, validation)
            .map_err(|e| Fail::Reject(Reject::from_jwt(&e)))?;
        let claims = data.claims;
        let time = |name: &str| claims.get(name).and_then(Value::as_u64);
        match time("iat") {
            Some(iat) if iat > now.saturating_add(self.leeway) => {
                return Err(Fail::Reject(Reject::IssuedInFuture));
            }
            None if self.require_iat => return Err(Fail::Reject(Reject::MissingClaim)),
            _ => {}
        }
        if let Some(expr) = &self.claims
            && !expr.holds(&claims)
        {
            return Err(Fail::Reject(Reject::Claims));
        }
        Ok(Verified {
            exp: time("exp"),
            nbf: time("nbf"),
            headers: self.headers_of(&claims),
        })
    }

    /// `exp` and `nbf` of a remembered token, against the clock now.
    fn in_time(&self, v: &Verified, now: u64) -> Result<(), Reject> {
        if v.exp
            .is_some_and(|exp| exp.saturating_add(self.leeway) < now)
        {
            return Err(Reject::Expired);
        }
        if v.nbf
            .is_some_and(|nbf| nbf > now.saturating_add(self.leeway))
        {
            return Err(Reject::NotYetValid);
        }
        Ok(())
    }

    fn pass(&self, v: &Verified, req: &mut Request) -> Flow {
        self.apply(&v.headers, req);
        Flow::Next
    }

    fn apply(&self, forwarded: &[(HeaderName, HeaderValue)], req: &mut Request) {
        let headers = req.headers_mut();
        if let Some(strip) = &self.strip {
            headers.remove(strip);
        }
        for (name, value) in forwarded {
            headers.insert(name.clone(), value.clone());
        }
    }

    /// `forwardHeaders` from `claims`: strings as they are, other values as JSON, a missing
    /// claim (or one that cannot be a header value) as an empty header.
    fn headers_of(&self, claims: &Value) -> Vec<(HeaderName, HeaderValue)> {
        self.forward
            .iter()
            .map(|(name, path)| {
                let text = claim(claims, path)
                    .map(|v| scalar(v).unwrap_or_else(|| v.to_string()))
                    .unwrap_or_default();
                let value = HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(""));
                (name.clone(), value)
            })
            .collect()
    }

    /// The forwarded headers from the payload before verification (a refusal discards them).
    fn unverified_headers(&self, token: &str) -> Option<Vec<(HeaderName, HeaderValue)>> {
        use base64::Engine;
        let payload = token.split('.').nth(1)?;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()?;
        let claims: Value = serde_json::from_slice(&json).ok()?;
        Some(self.headers_of(&claims))
    }

    fn patience(&self) -> Duration {
        match &self.keys {
            Keys::Remote(remote) => remote.patience(),
            Keys::Fixed(_) => Duration::ZERO,
        }
    }

    fn generation(&self) -> u64 {
        match &self.keys {
            Keys::Remote(remote) => remote.generation(),
            Keys::Fixed(_) => 0,
        }
    }

    fn tag(&self, token: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(hmac::sign(&self.tag_key, token.as_bytes()).as_ref());
        out
    }

    fn recall(&self, tag: &[u8; 32]) -> Option<Arc<Verified>> {
        let generation = self.generation();
        let map = self
            .remembered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(tag)
            .filter(|r| r.at.elapsed() < REMEMBER && r.generation == generation)
            .map(|r| r.verified.clone())
    }

    fn remember(&self, tag: [u8; 32], verified: Arc<Verified>) {
        let generation = self.generation();
        let mut map = self
            .remembered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_REMEMBERED {
            map.retain(|_, r| r.at.elapsed() < REMEMBER && r.generation == generation);
            if map.len() >= MAX_REMEMBERED {
                map.clear();
            }
        }
        map.insert(
            tag,
            Remembered {
                verified,
                at: Instant::now(),
                generation,
            },
        );
    }
}

/// The TLS client configuration for `jwksUrl` (`clientConfig.tls`; the system roots
/// without a `ca`), HTTP/1.1 only.
fn client_tls(
    tls: Option<&waygate_config::dynamic::middleware::ClientTls>,
) -> Result<Arc<rustls::ClientConfig>, String> {
    let settings = crate::upstream::TlsSettings {
        insecure_skip_verify: tls.is_some_and(|t| t.insecure_skip_verify),
        root_cas: tls
            .filter(|t| !t.ca.is_empty())
            .map(|t| vec![t.ca.clone()])
            .unwrap_or_default(),
        certificates: tls
            .filter(|t| !t.cert.is_empty())
            .map(|t| vec![(t.cert.clone(), t.key.clone())])
            .unwrap_or_default(),
        ..Default::default()
    };
    let cfg = settings
        .client_config(crate::upstream::system_roots)
        .map_err(|e| format!("clientConfig.tls: {e}"))?;
    let mut cfg = (*cfg).clone();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests;
