//! Sticky sessions by cookie (`sticky.cookie` on `loadBalancer` and `weighted`), as Traefik:
//! the cookie names a member by the first 16 hex digits of the SHA-256 of its name (a server
//! URL, or a child service name); values written by older Traefik versions (the plain name,
//! its FNV-1 hash, or the FNV hash of that) are still honoured and rewritten. A client whose
//! member is gone or down is re-balanced and gets a new cookie.
//!
//! The cookie name defaults to `_` + the first 5 hex digits of the SHA-1 of
//! `_TRAEFIK_BACKEND_<service>`; a configured name has characters outside RFC 2616 tokens
//! replaced by `_`. Every `Set-Cookie` value is built once, here.

use std::collections::HashMap;

use aws_lc_rs::digest;
use http::HeaderValue;
use http::header::COOKIE;
use waygate_config::dynamic::Cookie;

#[derive(Debug)]
pub(crate) struct Sticky {
    name: String,
    /// Cookie value → (member, the value is a legacy one to rewrite).
    members: HashMap<String, (usize, bool)>,
    set_cookie: Vec<Option<HeaderValue>>,
}

// === impl Sticky ===

impl Sticky {
    /// For `service`'s members named `names`, in order.
    pub(crate) fn new(cfg: &Cookie, service: &str, names: &[&str]) -> Self {
        let name = cookie_name(&cfg.name, service);
        let mut members = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            let once = fnv1(n);
            let twice = fnv1(&once);
            for legacy in [n.to_string(), once, twice] {
                members.entry(legacy).or_insert((i, true));
            }
        }
        let values: Vec<String> = names.iter().map(|n| sha256_16(n)).collect();
        for (i, v) in values.iter().enumerate() {
            members.insert(v.clone(), (i, false));
        }
        let set_cookie = values
            .iter()
            .map(|v| HeaderValue::from_str(&set_cookie(&name, v, cfg)).ok())
            .collect();
        Self {
            name,
            members,
            set_cookie,
        }
    }

    /// The member the request's cookie names, and whether its value must be rewritten.
    pub(crate) fn lookup(&self, headers: &http::HeaderMap) -> Option<(usize, bool)> {
        let value = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
            .flat_map(|h| h.split(';'))
            .find_map(|pair| {
                let (k, v) = pair.trim().split_once('=')?;
                (k == self.name).then_some(v)
            })?;
        let v = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        self.members.get(v).copied()
    }

    /// The `Set-Cookie` header sticking a client to member `i`.
    pub(crate) fn set_cookie(&self, i: usize) -> Option<&HeaderValue> {
        self.set_cookie.get(i)?.as_ref()
    }

    /// Adds the `Set-Cookie` for member `i` to a response.
    pub(crate) fn stick(&self, resp: &mut crate::Response, i: usize) {
        if let Some(v) = self.set_cookie(i) {
            resp.headers_mut()
                .append(http::header::SET_COOKIE, v.clone());
        }
    }
}

/// A child service's name as its parent's configuration most likely wrote it: Traefik hashes
/// the reference as written, Waygate's references are qualified (`name@provider`), so the
/// parent's own provider suffix is taken off.
pub(crate) fn member_name<'a>(child: &'a str, parent: &str) -> &'a str {
    match (child.rsplit_once('@'), parent.rsplit_once('@')) {
        (Some((name, p)), Some((_, q))) if p == q => name,
        _ => child,
    }
}

/// Traefik's `cookie.GetName`.
pub(crate) fn cookie_name(configured: &str, service: &str) -> String {
    if !configured.is_empty() {
        return configured
            .chars()
            .map(|c| match c {
                '!' | '#' | '$' | '%' | '&' | '\'' | '*' | '+' | '-' | '.' | '^' | '`' | '|'
                | '~' => c,
                c if c.is_ascii_alphanumeric() => c,
                _ => '_',
            })
            .collect();
    }
    let d = digest::digest(
        &digest::SHA1_FOR_LEGACY_USE_ONLY,
        format!("_TRAEFIK_BACKEND_{service}").as_bytes(),
    );
    format!("_{}", hex(d.as_ref()))[..6].to_string()
}

/// What Go's `http.Cookie.String` writes for the sticky cookie.
fn set_cookie(name: &str, value: &str, cfg: &Cookie) -> String {
    let mut s = format!("{name}={value}");
    if !cfg.path.is_empty() {
        s.push_str("; Path=");
        s.push_str(&cfg.path);
    }
    let domain = cfg.domain.trim_start_matches('.');
    if !domain.is_empty() {
        s.push_str("; Domain=");
        s.push_str(domain);
    }
    if cfg.max_age > 0 {
        s.push_str(&format!("; Max-Age={}", cfg.max_age));
    } else if cfg.max_age < 0 {
        s.push_str("; Max-Age=0");
    }
    if cfg.http_only {
        s.push_str("; HttpOnly");
    }
    if cfg.secure {
        s.push_str("; Secure");
    }
    match cfg.same_site.to_ascii_lowercase().as_str() {
        "none" => s.push_str("; SameSite=None"),
        "lax" => s.push_str("; SameSite=Lax"),
        "strict" => s.push_str("; SameSite=Strict"),
        _ => {}
    }
    s
}

fn sha256_16(name: &str) -> String {
    let d = digest::digest(&digest::SHA256, name.as_bytes());
    hex(&d.as_ref()[..8])
}

/// Go's FNV-1 (not 1a) 64-bit hash, printed in lower-case hex without leading zeros.
fn fnv1(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        h ^= u64::from(b);
    }
    format!("{h:x}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traefik_names_and_values() {
        // Values from Traefik's own tests (pkg/server/cookie).
        assert_eq!(cookie_name("", "/my/BACKEND-v1.0~rc1"), "_5f7bc");
        assert_eq!(cookie_name("", "backend"), "_76eb3");
        assert_eq!(
            cookie_name("/my/BACKEND-v1.0~rc1", ""),
            "_my_BACKEND-v1.0~rc1"
        );
        assert_eq!(cookie_name("foo bar;baz", "s"), "foo_bar_baz");
        assert_eq!(cookie_name("a-b.c~", "s"), "a-b.c~");
        assert_eq!(fnv1(""), "cbf29ce484222325");
        assert_eq!(sha256_16("abc"), "ba7816bf8f01cfea");
    }

    #[test]
    fn members_are_named_as_written() {
        assert_eq!(member_name("a@file", "w@file"), "a");
        assert_eq!(member_name("a@docker", "w@file"), "a@docker");
        assert_eq!(member_name("a", "w"), "a");
    }

    #[test]
    fn lookup_and_legacy_values() {
        let cfg = Cookie {
            name: "s".into(),
            ..Cookie::default()
        };
        let st = Sticky::new(&cfg, "svc", &["http://a", "http://b"]);
        let mut h = http::HeaderMap::new();
        h.insert(
            COOKIE,
            format!("x=1; s={}", sha256_16("http://b"))
                .parse()
                .expect("v"),
        );
        assert_eq!(st.lookup(&h), Some((1, false)));
        h.insert(COOKIE, "s=http://a".parse().expect("v"));
        assert_eq!(st.lookup(&h), Some((0, true)));
        h.insert(
            COOKIE,
            format!("s={}", fnv1("http://a")).parse().expect("v"),
        );
        assert_eq!(st.lookup(&h), Some((0, true)));
        h.insert(COOKIE, "s=unknown".parse().expect("v"));
        assert_eq!(st.lookup(&h), None);
    }

    #[test]
    fn set_cookie_attributes_in_go_order() {
        let cfg = Cookie {
            name: "n".into(),
            secure: true,
            http_only: true,
            same_site: "Lax".into(),
            max_age: 60,
            path: "/app".into(),
            domain: ".example.com".into(),
        };
        assert_eq!(
            set_cookie("n", "v", &cfg),
            "n=v; Path=/app; Domain=example.com; Max-Age=60; HttpOnly; Secure; SameSite=Lax"
        );
        assert_eq!(set_cookie("n", "v", &Cookie::default()), "n=v; Path=/");
    }
}
