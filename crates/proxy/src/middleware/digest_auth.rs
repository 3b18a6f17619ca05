//! `digestAuth` (Traefik `pkg/middlewares/auth/digest_auth.go` over its go-http-auth fork):
//! RFC 7616 Digest with MD5 and `qop=auth`, users `name:realm:HA1` from `users` and
//! `usersFile` (read when built, so on every reload). A refusal is `401` with a fresh
//! challenge `Digest realm="…", nonce="…", opaque="…", algorithm="MD5", qop="auth"` (and
//! `stale="true"` before `algorithm` for a nonce count that went backwards: pipelined
//! requests out of order, which a browser retries without asking the user).
//!
//! Nonces are this router's own (as Traefik builds one handler per router), remembered with
//! the last nonce count seen; a replayed count is refused. At most 1,100 nonces are
//! remembered: past that, the 200 least recently used go (go-http-auth's cache size and
//! tolerance). The `uri` parameter must be the request target, or a path prefix of the
//! request's path as go-http-auth accepts. The response digest is compared in constant time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderName, HeaderValue, header};
use md5::{Digest, Md5};
use waygate_config::dynamic::middleware::DigestAuth as Config;

use super::Flow;
use super::basic_auth::{authenticated, header_field, unauthorized, users};
use crate::accesslog::name_client;
use crate::{Request, Response};

const CACHE_SIZE: usize = 1000;
const CACHE_TOLERANCE: usize = 100;

#[derive(Debug)]
pub struct DigestAuth {
    settings: Arc<Settings>,
    opaque: String,
    /// Issued nonces: the last nonce count used with each, and when.
    nonces: Mutex<HashMap<String, (u64, Instant)>>,
}

#[derive(Debug)]
struct Settings {
    /// `name:realm` → HA1 (hex MD5 of `name:realm:password`).
    users: HashMap<String, String>,
    realm: String,
    header_field: Option<HeaderName>,
    remove_header: bool,
}

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    Unauthorized,
    Stale,
}

// === impl DigestAuth ===

impl DigestAuth {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let realm = if cfg.realm.is_empty() {
            "traefik".to_string()
        } else {
            cfg.realm.clone()
        };
        if realm.contains('"') || HeaderValue::from_str(&realm).is_err() {
            return Err("realm cannot be written in a header".into());
        }
        let settings = Settings {
            users: users(&cfg.users_file, &cfg.users, 3)?,
            realm,
            header_field: header_field(&cfg.header_field)?,
            remove_header: cfg.remove_header,
        };
        Ok(Self::with(Arc::new(settings)))
    }

    fn with(settings: Arc<Settings>) -> Self {
        Self {
            settings,
            opaque: random_key(),
            nonces: Mutex::new(HashMap::new()),
        }
    }

    /// The same users with nonces and opaque of its own (one instance per router).
    pub(crate) fn for_router(&self) -> Self {
        Self::with(self.settings.clone())
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        match self.check(req) {
            Ok(user) => {
                name_client(req, Arc::from(user.as_str()));
                let s = &self.settings;
                authenticated(
                    req.headers_mut(),
                    &user,
                    s.header_field.as_ref(),
                    s.remove_header,
                );
                Flow::Next
            }
            Err(refusal) => {
                if let Some(user) = self.claimed_user(req) {
                    name_client(req, Arc::from(user.as_str()));
                }
                Flow::Respond(self.challenge(refusal == Refusal::Stale))
            }
        }
    }

    /// The `username` a refused request claimed, for the access log. As Traefik, read from
    /// the `headerField` header when one is set (else `Authorization`), and only when not
    /// empty.
    fn claimed_user(&self, req: &Request) -> Option<String> {
        let name = self
            .settings
            .header_field
            .as_ref()
            .unwrap_or(&header::AUTHORIZATION);
        let value = req.headers().get(name)?.to_str().ok()?;
        let (scheme, params) = value.split_once(' ')?;
        if scheme != "Digest" {
            return None;
        }
        parse_pairs(params)
            .remove("username")
            .filter(|u| !u.is_empty())
    }

    /// go-http-auth's `CheckAuth`: the user name, or why not.
    fn check(&self, req: &Request) -> Result<String, Refusal> {
        use Refusal::Unauthorized;
        let value = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(Unauthorized)?;
        let params = value
            .strip_prefix("Digest ")
            .map(parse_pairs)
            .ok_or(Unauthorized)?;
        let get = |k: &str| params.get(k).map_or("", String::as_str);
        let algorithm = params.get("algorithm").map_or("MD5", String::as_str);
        if get("opaque") != self.opaque || algorithm != "MD5" || get("qop") != "auth" {
            return Err(Unauthorized);
        }
        let target = req.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let uri = get("uri");
        if uri != target {
            // go-http-auth also takes a `uri` whose path is a prefix of the request's.
            let path = uri.split(['?', '#']).next().unwrap_or_default();
            if !req.uri().path().starts_with(path) {
                return Err(Unauthorized);
            }
        }
        let user = get("username");
        let ha1 = self
            .settings
            .users
            .get(&format!("{user}:{}", self.settings.realm))
            .map_or("", String::as_str);
        let ha2 = md5_hex(&format!("{}:{uri}", req.method()));
        let kd = md5_hex(
            &[
                ha1,
                get("nonce"),
                get("nc"),
                get("cnonce"),
                get("qop"),
                &ha2,
            ]
            .join(":"),
        );
        if verify_slices_are_equal(kd.as_bytes(), get("response").as_bytes()).is_err() {
            return Err(Unauthorized);
        }
        let nc = u64::from_str_radix(get("nc"), 16).map_err(|_| Unauthorized)?;
        let mut nonces = self.nonces.lock().unwrap_or_else(PoisonError::into_inner);
        let (last, seen) = nonces.get_mut(get("nonce")).ok_or(Unauthorized)?;
        if *last != 0 {
            if nc == *last {
                return Err(Unauthorized);
            }
            if nc < *last {
                return Err(Refusal::Stale);
            }
        }
        *last = nc;
        *seen = Instant::now();
        Ok(user.to_string())
    }

    /// A 401 with a fresh nonce.
    fn challenge(&self, stale: bool) -> Response {
        let nonce = random_key();
        {
            let mut nonces = self.nonces.lock().unwrap_or_else(PoisonError::into_inner);
            if nonces.len() > CACHE_SIZE + CACHE_TOLERANCE {
                let mut by_age: Vec<(Instant, String)> =
                    nonces.iter().map(|(n, (_, at))| (*at, n.clone())).collect();
                by_age.sort_unstable();
                for (_, n) in by_age.into_iter().take(CACHE_TOLERANCE * 2) {
                    nonces.remove(&n);
                }
            }
            nonces.insert(nonce.clone(), (0, Instant::now()));
        }
        let stale = if stale { "stale=\"true\", " } else { "" };
        let value = format!(
            "Digest realm=\"{}\", nonce=\"{nonce}\", opaque=\"{}\", {stale}algorithm=\"MD5\", qop=\"auth\"",
            self.settings.realm, self.opaque
        );
        // The realm was checked when built; nonce and opaque are base64.
        unauthorized(HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("Digest")))
    }
}

/// 12 random bytes in base64, as go-http-auth's `RandomKey`.
fn random_key() -> String {
    let mut k = [0u8; 12];
    // The system RNG does not fail on supported platforms; zeros would still be a valid key.
    let _ = aws_lc_rs::rand::fill(&mut k);
    STANDARD.encode(k)
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// go-http-auth's `ParsePairs`: comma-separated `k=v` (values unquoted; commas inside quotes
/// and backslash escapes kept in the value as go-http-auth does).
fn parse_pairs(s: &str) -> HashMap<String, String> {
    let mut items = Vec::new();
    let (mut cur, mut quote, mut escape) = (String::new(), false, false);
    for c in s.trim().chars() {
        if escape {
            cur.push(c);
            escape = false;
        } else if quote {
            if c == '\\' {
                escape = true;
            } else {
                if c == '"' {
                    quote = false;
                }
                cur.push(c);
            }
        } else if c == ',' {
            items.push(cur.trim().to_string());
            cur.clear();
        } else {
            if c == '"' {
                quote = true;
            }
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        items.push(cur.trim().to_string());
    }
    items
        .into_iter()
        .map(|item| match item.split_once('=') {
            None => (item, String::new()),
            Some((k, v)) => {
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v);
                (k.to_string(), v.to_string())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
