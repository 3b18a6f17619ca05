//! `redirectRegex`: when a Go regex matches `scheme://host[:port]/path?query` (the request as
//! Traefik rebuilds it: `https` on TLS connections, `X-Forwarded-Proto` ignored), redirects to
//! the replacement (`$1`, `${name}`). 302/307 (301/308 when `permanent`), 307/308 for any
//! method but GET, with the status text as the body. A replacement that does not parse as a
//! URL is answered 502, as Traefik's error handler does.

use http::header::{HOST, LOCATION};
use http::{HeaderValue, Method, StatusCode, Version};
use regex::Regex;
use waygate_config::dynamic::middleware::RedirectRegex as Config;

use super::go_path::go_status_error;
use super::{Flow, MwCtx};
use crate::{Body, Request, Response};

#[derive(Debug)]
pub struct RedirectRegex {
    regex: Regex,
    replacement: String,
    permanent: bool,
}

// === impl RedirectRegex ===

impl RedirectRegex {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let regex = waygate_rules::go_regex(&cfg.regex)
            .map_err(|e| format!("regex: invalid regular expression: {e}"))?;
        Ok(Self {
            regex,
            replacement: cfg.replacement.clone(),
            permanent: cfg.permanent,
        })
    }

    pub(crate) fn request(&self, req: &mut Request, ctx: MwCtx) -> Flow {
        let old = raw_url(req, ctx);
        if !self.regex.is_match(&old) {
            return Flow::Next;
        }
        let new = self.regex.replace_all(&old, self.replacement.as_str());
        if new == old {
            return Flow::Next;
        }
        let Some(location) = parse_url(&new) else {
            return Flow::Respond(go_status_error(StatusCode::BAD_GATEWAY));
        };
        let status = match (self.permanent, req.method() == Method::GET) {
            (true, true) => StatusCode::MOVED_PERMANENTLY,
            (true, false) => StatusCode::PERMANENT_REDIRECT,
            (false, true) => StatusCode::FOUND,
            (false, false) => StatusCode::TEMPORARY_REDIRECT,
        };
        Flow::Respond(moved(status, location))
    }
}

/// Traefik's redirect answer: `Location`, the status text as the body, no `Content-Type`
/// (Traefik turns Go's sniffing off).
pub(crate) fn moved(status: StatusCode, location: HeaderValue) -> Response {
    let mut resp = Response::new(Body::full(status.canonical_reason().unwrap_or("")));
    *resp.status_mut() = status;
    resp.headers_mut().insert(LOCATION, location);
    resp
}

/// Traefik's `rawURL`: scheme, `Host`, then the request target (an absolute-form target on
/// HTTP/1 gives its own scheme, host and port).
fn raw_url(req: &Request, ctx: MwCtx) -> String {
    let uri = req.uri();
    let absolute = req.version() < Version::HTTP_2 && uri.scheme().is_some();
    let scheme = match uri.scheme_str() {
        _ if ctx.tls => "https",
        Some(s @ ("http" | "https")) if absolute => s,
        _ => "http",
    };
    let host = match uri.authority() {
        Some(a) => a.as_str(),
        None => req
            .headers()
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or(""),
    };
    let target = uri.path_and_query().map_or("", |p| p.as_str());
    let target = if target.is_empty() && uri.authority().is_none() {
        "/"
    } else {
        target
    };
    format!("{scheme}://{host}{target}")
}

/// Whether Go's `url.Parse` accepts `s` (approximately: no control bytes or spaces in the
/// scheme/host part, valid `%XX` escapes, a numeric port), and its `String()` as a header.
fn parse_url(s: &str) -> Option<HeaderValue> {
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return None;
    }
    let (before_fragment, _) = s.split_once('#').unwrap_or((s, ""));
    let bytes = before_fragment.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return None;
        }
    }
    if let Some((scheme, rest)) = s.split_once("://") {
        let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if valid_scheme {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if host_port.contains(' ') || host_port.contains('%') {
                return None;
            }
            if let Some((_, port)) = host_port.rsplit_once(':')
                && !host_port.ends_with(']')
                && !port.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
        }
    }
    // Go's `String()` escapes what a path cannot hold raw.
    HeaderValue::from_str(&s.replace(' ', "%20")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::{test_ctx, test_request};

    fn redirect(
        cfg: (&str, &str, bool),
        method: Method,
        uri: &str,
        tls: bool,
    ) -> (StatusCode, String) {
        let m = RedirectRegex::new(&Config {
            regex: cfg.0.into(),
            replacement: cfg.1.into(),
            permanent: cfg.2,
        })
        .expect("compiles");
        let mut req = test_request(uri);
        *req.method_mut() = method;
        if uri.starts_with('/') {
            req.headers_mut()
                .insert(HOST, HeaderValue::from_static("foo.com:80"));
        }
        match m.request(&mut req, test_ctx(tls)) {
            Flow::Respond(r) => (
                r.status(),
                r.headers()
                    .get(LOCATION)
                    .map_or(String::new(), |l| l.to_str().expect("ascii").to_string()),
            ),
            _ => (StatusCode::OK, String::new()),
        }
    }

    #[test]
    fn as_traefik_tests() {
        let simple = (
            r"^(?:http?:\/\/)(foo)(\.com)(:\d+)(.*)$",
            "https://${1}bar$2:443$4",
            false,
        );
        assert_eq!(
            redirect(simple, Method::GET, "http://foo.com:80", false),
            (StatusCode::FOUND, "https://foobar.com:443/".into())
        );
        assert_eq!(
            redirect(simple, Method::GET, "/x?y=1", false),
            (StatusCode::FOUND, "https://foobar.com:443/x?y=1".into())
        );
        assert_eq!(
            redirect(simple, Method::GET, "http://bar.com:80", false).0,
            StatusCode::OK
        );
        assert_eq!(
            redirect(
                (r"^(.*)$", "http://192.168.0.%31/", false),
                Method::GET,
                "/",
                false
            )
            .0,
            StatusCode::BAD_GATEWAY
        );
        let perm = (r"^http://", "https://$1", true);
        assert_eq!(
            redirect(perm, Method::GET, "http://foo", false),
            (StatusCode::MOVED_PERMANENTLY, "https://foo/".into())
        );
        assert_eq!(
            redirect(perm, Method::POST, "http://foo", false).0,
            StatusCode::PERMANENT_REDIRECT
        );
        assert_eq!(
            redirect(perm, Method::HEAD, "http://foo", false).0,
            StatusCode::PERMANENT_REDIRECT
        );
        let temp = (r"^http://", "https://$1", false);
        assert_eq!(
            redirect(temp, Method::POST, "http://foo", false).0,
            StatusCode::TEMPORARY_REDIRECT
        );
        let https = ("https://foo", "http://foo", true);
        assert_eq!(
            redirect(https, Method::GET, "http://foo", true),
            (StatusCode::MOVED_PERMANENTLY, "http://foo/".into()),
            "TLS makes the scheme https"
        );
        let www = (
            r"(https?)://[^/:]+(:[0-9]+)?/(.*)",
            "$1://example.com$2/$3",
            true,
        );
        assert_eq!(
            redirect(www, Method::GET, "http://www.example.com:8080/path", false).1,
            "http://example.com:8080/path"
        );
    }

    #[test]
    fn body_is_the_status_text() {
        let r = moved(StatusCode::FOUND, HeaderValue::from_static("/x"));
        assert!(r.headers().get(http::header::CONTENT_TYPE).is_none());
        assert!(matches!(r.body(), Body::Full(Some(b)) if b == "Found"));
    }
}
