//! `basicAuth` (Traefik `pkg/middlewares/auth/basic_auth.go`): `Authorization: Basic` checked
//! against htpasswd users ([`htpasswd`]) from `users` and `usersFile` (read when the middleware
//! is built, so on every reload; `users` win over the file's lines). A wrong or missing
//! credential gets `401` with `WWW-Authenticate: Basic realm="<realm>"` and Traefik's body;
//! a right one passes, with the user name in `headerField` if set and `Authorization` removed
//! with `removeHeader`. An unknown user is checked against another user's hash, as Traefik
//! does, so answers take the same time.
//!
//! **Cost bounds.** bcrypt is checked on tokio's blocking pool ([`Flow::Wait`]), never on a
//! worker thread, at most half the cores at a time for the whole process (one semaphore);
//! the other hashes cost microseconds and are checked in place. Outcomes, good and bad, are
//! remembered for [`REMEMBER`] under an HMAC of the `Authorization` value with a key drawn at
//! build time (no password is kept; the users are fixed for an instance, so the value alone
//! decides): a client repeating a credential, right or wrong, costs one hash per minute, not
//! one per request, and a remembered one no decoding either. Traefik instead deduplicates concurrent
//! identical checks (singleflight) and checks each request. The memory is dropped on reload.

mod htpasswd;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use tokio::sync::Semaphore;
use waygate_config::dynamic::middleware::BasicAuth as Config;

use self::htpasswd::{Cost, verify};
use super::Flow;
use crate::accesslog::name_client;
use crate::{Body, Request, Response};

/// How long a checked credential's outcome is remembered.
const REMEMBER: Duration = Duration::from_secs(60);
/// Outcomes remembered per middleware at most.
const MAX_REMEMBERED: usize = 4096;

#[derive(Debug, Clone)]
pub struct BasicAuth {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    users: HashMap<String, String>,
    /// Checked for unknown users, so that they take as long.
    not_found: String,
    /// `Basic realm="<realm>"`.
    challenge: HeaderValue,
    header_field: Option<HeaderName>,
    remove_header: bool,
    key: hmac::Key,
    remembered: Mutex<HashMap<[u8; 32], (Outcome, Instant)>>,
}

/// A checked credential: refused, or passed with the user name for `headerField`; either
/// way with the user it names, for the access log's `ClientUsername` (Traefik logs the user
/// of a refused credential too, and `""` without one).
#[derive(Debug, Clone)]
enum Outcome {
    Refused(Arc<str>),
    Passed(Arc<str>, Option<HeaderValue>),
}

// === impl BasicAuth ===

impl BasicAuth {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let users = users(&cfg.users_file, &cfg.users, 2)?;
        let Some(not_found) = users.values().next().cloned() else {
            return Err(format!("no users found in `{}`", cfg.users_file));
        };
        let realm = if cfg.realm.is_empty() {
            "traefik"
        } else {
            &cfg.realm
        };
        let challenge = HeaderValue::from_str(&format!("Basic realm=\"{realm}\""))
            .map_err(|_| "realm cannot be written in a header".to_string())?;
        Ok(Self {
            inner: Arc::new(Inner {
                users,
                not_found,
                challenge,
                header_field: header_field(&cfg.header_field)?,
                remove_header: cfg.remove_header,
                key: hmac::Key::generate(hmac::HMAC_SHA256, &aws_lc_rs::rand::SystemRandom::new())
                    .map_err(|_| "no randomness for the credential memory".to_string())?,
                remembered: Mutex::new(HashMap::new()),
            }),
        })
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        let inner = &self.inner;
        let Some(raw) = req.headers().get(header::AUTHORIZATION) else {
            return inner.apply(Outcome::Refused(Arc::from("")), req);
        };
        // Remembered: the header alone decides (the users are fixed for this instance).
        let key = inner.key_of(raw.as_bytes());
        if let Some(outcome) = inner.recall(&key) {
            return inner.apply(outcome, req);
        }
        let Some((user, password)) = credentials(raw.as_bytes()) else {
            let refused = Outcome::Refused(Arc::from(""));
            inner.remember(key, refused.clone());
            return inner.apply(refused, req);
        };
        let known = inner.users.get(&user);
        let hash = known.unwrap_or(&inner.not_found);
        let name: Arc<str> = Arc::from(user.as_str());
        let passed = Outcome::Passed(
            name.clone(),
            inner
                .header_field
                .as_ref()
                .and_then(|_| HeaderValue::from_str(&user).ok()),
        );
        if htpasswd::cost(hash) == Cost::Cheap {
            let outcome = if verify(&password, hash) && known.is_some() {
                passed
            } else {
                Outcome::Refused(name)
            };
            inner.remember(key, outcome.clone());
            return inner.apply(outcome, req);
        }
        // bcrypt: the request is prepared now (a refusal discards it), checked off-thread.
        let known = known.is_some();
        inner.apply(passed.clone(), req);
        let inner = self.inner.clone();
        let hash = hash.clone();
        Flow::Wait(Box::pin(async move {
            let ok = match bcrypt_slots().clone().acquire_owned().await {
                Ok(permit) => tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    verify(&password, &hash)
                })
                .await
                .unwrap_or(false),
                Err(_) => false,
            } && known;
            if ok {
                inner.remember(key, passed);
                Flow::Next
            } else {
                inner.remember(key, Outcome::Refused(name));
                Flow::Respond(inner.unauthorized())
            }
        }))
    }
}

// === impl Inner ===

impl Inner {
    /// Names the client for the access log, then passes the request on (the user name in
    /// `headerField`, `Authorization` removed with `removeHeader`) or refuses it.
    fn apply(&self, outcome: Outcome, req: &mut Request) -> Flow {
        let user = match outcome {
            Outcome::Refused(name) => {
                name_client(req, name);
                return Flow::Respond(self.unauthorized());
            }
            Outcome::Passed(name, user) => {
                name_client(req, name);
                user
            }
        };
        let headers = req.headers_mut();
        if let Some(field) = &self.header_field {
            match user {
                Some(v) => {
                    headers.insert(field.clone(), v);
                }
                None => {
                    headers.remove(field);
                }
            }
        }
        if self.remove_header {
            headers.remove(header::AUTHORIZATION);
        }
        Flow::Next
    }

    fn unauthorized(&self) -> Response {
        unauthorized(self.challenge.clone())
    }

    fn key_of(&self, authorization: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(hmac::sign(&self.key, authorization).as_ref());
        out
    }

    fn recall(&self, key: &[u8; 32]) -> Option<Outcome> {
        let map = self
            .remembered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(key)
            .filter(|(_, at)| at.elapsed() < REMEMBER)
            .map(|(outcome, _)| outcome.clone())
    }

    fn remember(&self, key: [u8; 32], outcome: Outcome) {
        let mut map = self
            .remembered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_REMEMBERED {
            map.retain(|_, (_, at)| at.elapsed() < REMEMBER);
            if map.len() >= MAX_REMEMBERED {
                map.clear();
            }
        }
        map.insert(key, (outcome, Instant::now()));
    }
}

/// The process-wide bound on bcrypt checks in progress: half the cores, at least one.
fn bcrypt_slots() -> &'static Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Arc::new(Semaphore::new((cores / 2).max(1)))
    })
}

/// Go's `Request.BasicAuth` on an `Authorization` value: `Basic ` (any case), base64,
/// `user:password` split at the first colon. A user name that is not UTF-8 cannot be
/// configured: it is mapped to "".
fn credentials(value: &[u8]) -> Option<(String, Vec<u8>)> {
    let (scheme, rest) = (value.get(..6)?, &value[6..]);
    if !scheme.eq_ignore_ascii_case(b"Basic ") {
        return None;
    }
    let decoded = STANDARD.decode(rest).ok()?;
    let colon = decoded.iter().position(|b| *b == b':')?;
    let user = String::from_utf8(decoded[..colon].to_vec()).unwrap_or_default();
    Some((user, decoded[colon + 1..].to_vec()))
}

/// What a pass does to the request, for both auth middlewares: the user name in
/// `header_field`, `Authorization` removed with `remove`.
pub(super) fn authenticated(
    headers: &mut HeaderMap,
    user: &str,
    header_field: Option<&HeaderName>,
    remove: bool,
) {
    if let Some(field) = header_field {
        match HeaderValue::from_str(user) {
            Ok(v) => {
                headers.insert(field.clone(), v);
            }
            Err(_) => {
                headers.remove(field);
            }
        }
    }
    if remove {
        headers.remove(header::AUTHORIZATION);
    }
}

/// go-http-auth's refusal: 401, `text/plain`, `401 Unauthorized\n`, the challenge.
pub(super) fn unauthorized(challenge: HeaderValue) -> Response {
    let mut resp = Response::new(Body::full("401 Unauthorized\n"));
    *resp.status_mut() = StatusCode::UNAUTHORIZED;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    h.insert(header::WWW_AUTHENTICATE, challenge);
    resp
}

pub(super) fn header_field(name: &str) -> Result<Option<HeaderName>, String> {
    if name.is_empty() {
        return Ok(None);
    }
    HeaderName::try_from(name)
        .map(Some)
        .map_err(|_| format!("headerField `{name}` is not a valid header name"))
}

/// Traefik's `getUsers`: the file's lines (trimmed; blank ones and `#` comments skipped),
/// then `users`, each of `fields` `:`-separated parts; the last part is the secret, the
/// others the map key (joined by `:`). Later entries win. Errors name the entry by its user
/// name only, never its secret.
pub(super) fn users(
    file: &str,
    users: &[String],
    fields: usize,
) -> Result<HashMap<String, String>, String> {
    let text = if file.is_empty() {
        String::new()
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("usersFile `{file}`: {e}"))?
    };
    let lines = text
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .chain(users.iter().map(String::as_str));
    let mut map = HashMap::new();
    for line in lines {
        let parts: Vec<&str> = line.split(':').collect();
        if parts.len() != fields {
            let name = parts.first().copied().unwrap_or_default();
            return Err(format!(
                "invalid user entry starting with `{name}`: expected {fields} `:`-separated parts"
            ));
        }
        let (key, secret) = parts.split_at(fields - 1);
        map.insert(key.join(":"), secret[0].to_string());
    }
    Ok(map)
}

#[cfg(test)]
mod tests;
