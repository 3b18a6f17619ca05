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
//! **Cost.** A verified token is remembered for a minute ([`memory`]) under a keyed hash of its
//! text, with its time claims: a client repeating its token pays a hash and a clock check
//! per request instead of a signature check; `exp`/`nbf` are checked again on
//! every use and a JWK set swap forgets everything. Refusals are not remembered.

mod build;
mod jwks;
mod keys;
mod memory;
mod token;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderName, HeaderValue};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;
use waygate_config::dynamic::middleware::{ClaimsExpr, claim, scalar};

use self::jwks::Remote;
use self::keys::{KeySet, Miss};
use self::memory::Memory;
use self::token::{Reject, Sources};
use super::Flow;
use crate::Request;
use crate::accesslog::name_client;

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
    /// `usernameClaim`'s path.
    username: Option<Vec<String>>,
    sources: Sources,
    /// The token header, removed on the way out (unless `forwardAuthorization`).
    strip: Option<HeaderName>,
    memory: Memory,
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
    /// `usernameClaim`'s value, for the access log.
    user: Option<Arc<str>>,
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
                if let Some(v) = inner.unverified(&token) {
                    inner.apply(&v, req);
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
        Ok(self.outcome(&claims))
    }

    /// What a token with `claims` leaves: its time claims, the forwarded headers and the
    /// user name.
    fn outcome(&self, claims: &Value) -> Verified {
        let time = |name: &str| claims.get(name).and_then(Value::as_u64);
        Verified {
            exp: time("exp"),
            nbf: time("nbf"),
            headers: self.headers_of(claims),
            user: self
                .username
                .as_ref()
                .map(|path| Arc::from(claim(claims, path).and_then(scalar).unwrap_or_default())),
        }
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
        self.apply(v, req);
        Flow::Next
    }

    fn apply(&self, v: &Verified, req: &mut Request) {
        let headers = req.headers_mut();
        if let Some(strip) = &self.strip {
            headers.remove(strip);
        }
        for (name, value) in &v.headers {
            headers.insert(name.clone(), value.clone());
        }
        if let Some(user) = &v.user {
            name_client(req, user.clone());
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

    /// The outcome read from the payload before verification (a refusal discards it).
    fn unverified(&self, token: &str) -> Option<Verified> {
        use base64::Engine;
        let payload = token.split('.').nth(1)?;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()?;
        let claims: Value = serde_json::from_slice(&json).ok()?;
        Some(self.outcome(&claims))
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

    fn tag(&self, token: &str) -> [u64; 2] {
        self.memory.tag(token)
    }

    fn recall(&self, tag: &[u64; 2]) -> Option<Arc<Verified>> {
        self.memory.recall(tag, self.generation())
    }

    fn remember(&self, tag: [u64; 2], verified: Arc<Verified>) {
        self.memory.remember(tag, verified, self.generation());
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests;
