//! `forwardAuth` (Traefik `pkg/middlewares/auth/forward.go`): each request is first sent to
//! an authentication server (`address`) — `GET` unless `preserveRequestMethod`, the request's
//! headers without hop-by-hop ones, filtered by `authRequestHeaders`, with `X-Forwarded-*`
//! describing the original request ([`headers`]), and its body with `forwardBody` (more than
//! `maxBodySize` bytes: 401). A 2xx answer lets the request on, with `authResponseHeaders`
//! (and those matching `authResponseHeadersRegex`) copied from the answer onto it, and the
//! answer's cookies named in `addAuthCookiesToResponse` put on the response. The answer's
//! `headerField` names the client in the access log (`ClientUsername`), whatever the verdict. Any other answer
//! goes back to the client as it came (status, headers but hop-by-hop ones, body), a relative
//! `Location` resolved against `address` unless `preserveLocationHeader`; a 401 becomes a 302
//! to `authSigninURL` when set. An auth server that cannot be reached, does not answer within
//! 30 s or answers with more than `maxResponseBodySize` bytes gets Traefik's 500 (401 for the
//! size), logged.
//!
//! Runs around the rest of the chain ([`Flow::Wrap`](super::Flow::Wrap)): the decision needs
//! the request (its body, headers to set) and, for cookies, the response. The client to the
//! auth server ([`client`]) is built with the middleware, once per configuration.
//!
//! Differences from Traefik: Go's client asks for gzip and decompresses the answer itself
//! when the client did not send `Accept-Encoding`, which is not done here; `Set-Cookie` lines
//! are passed as written, not re-serialized by Go's cookie code.

mod client;
mod headers;

use std::sync::Arc;

use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue, LOCATION};
use http::{Method, StatusCode};
use regex::Regex;
use tracing::{debug, error};
use waygate_config::dynamic::middleware::ForwardAuth as Config;

use self::client::{AuthClient, Failure, Read, read_limited};
use self::headers::{AuthRequestHeaders, Original, Trust};
use super::around::Next;
use crate::{Body, Request, Response};

/// A compiled `forwardAuth`.
#[derive(Debug)]
pub struct ForwardAuth {
    name: String,
    client: AuthClient,
    request_headers: AuthRequestHeaders,
    response_headers: Vec<HeaderName>,
    response_regex: Option<Regex>,
    auth_cookies: Vec<String>,
    /// `headerField`: the answer's header that names the client in the access log.
    header_field: Option<HeaderName>,
    forward_body: bool,
    max_body: Option<u64>,
    max_response_body: Option<u64>,
    preserve_location: bool,
    preserve_method: bool,
    signin: Option<Signin>,
}

/// `authSigninURL`, and whether Go's `http.Redirect` treats it as relative to the request.
#[derive(Debug)]
struct Signin {
    url: String,
    relative: bool,
}

// === impl ForwardAuth ===

impl ForwardAuth {
    pub fn new(name: &str, cfg: &Config) -> Result<Self, String> {
        let trust = match cfg.trust_forward_header {
            None => {
                debug!(
                    middleware = name,
                    "forwardAuth: trustForwardHeader is not set: legacy X-Forwarded-* handling"
                );
                Trust::Legacy
            }
            Some(false) => Trust::Strip,
            Some(true) => Trust::Keep,
        };
        let empty: &[String] = &[];
        let request_headers =
            AuthRequestHeaders::new(trust, cfg.auth_request_headers.as_deref().unwrap_or(empty))?;
        let response_headers = cfg
            .auth_response_headers
            .iter()
            .map(|n| {
                HeaderName::try_from(n.as_str())
                    .map_err(|_| format!("authResponseHeaders: `{n}` is not a header name"))
            })
            .collect::<Result<_, _>>()?;
        let response_regex = match cfg.auth_response_headers_regex.as_str() {
            "" => None,
            re => Some(Regex::new(re).map_err(|e| {
                format!("authResponseHeadersRegex: invalid regular expression: {e}")
            })?),
        };
        let signin = (!cfg.auth_signin_url.is_empty()).then(|| Signin {
            relative: is_relative(&cfg.auth_signin_url),
            url: cfg.auth_signin_url.clone(),
        });
        Ok(Self {
            name: name.to_string(),
            client: AuthClient::new(&cfg.address, cfg.tls.as_ref())?,
            request_headers,
            response_headers,
            response_regex,
            auth_cookies: cfg.add_auth_cookies_to_response.clone(),
            header_field: match cfg.header_field.as_str() {
                "" => None,
                f => Some(
                    HeaderName::try_from(f)
                        .map_err(|_| format!("headerField: `{f}` is not a header name"))?,
                ),
            },
            forward_body: cfg.forward_body,
            max_body: u64::try_from(cfg.max_body_size).ok(),
            max_response_body: cfg
                .max_response_body_size
                .and_then(|n| u64::try_from(n).ok()),
            preserve_location: cfg.preserve_location_header,
            preserve_method: cfg.preserve_request_method,
            signin,
        })
    }

    /// Asks the auth server, then serves `req` through `next` or answers with its denial.
    pub(super) async fn wrap(&self, mut req: Request, next: &mut Next<'_>) -> Response {
        let ctx = next.ctx();
        let body = if self.forward_body && !matches!(req.body(), Body::Empty) {
            let taken = std::mem::take(req.body_mut());
            match read_limited(taken, self.max_body).await {
                Ok(bytes) => {
                    *req.body_mut() = Body::full(bytes.clone());
                    Some(bytes).filter(|b| !b.is_empty())
                }
                Err(Read::TooLarge) => {
                    debug!(middleware = %self.name, max = ?self.max_body, "forwardAuth: request body too large");
                    return status_only(StatusCode::UNAUTHORIZED);
                }
                Err(Read::Failed(e)) => {
                    debug!(middleware = %self.name, error = %e, "forwardAuth: cannot read the request body");
                    return status_only(StatusCode::INTERNAL_SERVER_ERROR);
                }
            }
        } else {
            None
        };
        let method = if self.preserve_method {
            req.method().clone()
        } else {
            Method::GET
        };
        let client_ip = HeaderValue::from_str(&ctx.remote.to_string())
            .unwrap_or(HeaderValue::from_static("unknown"));
        let orig = Original {
            method: req.method(),
            uri: req.uri().path_and_query().map_or("/", |p| p.as_str()),
            client_ip: &client_ip,
            tls: ctx.tls,
        };
        let headers = self.request_headers.build(req.headers(), &orig);
        let auth_req = self.client.request(method, headers, body);
        let (answer, answer_body) = match self.client.call(auth_req, self.max_response_body).await {
            Ok(a) => a,
            Err(Failure::TooLarge) => {
                debug!(middleware = %self.name, max = ?self.max_response_body, "forwardAuth: answer body too large");
                return status_only(StatusCode::UNAUTHORIZED);
            }
            Err(Failure::Call(e)) => {
                error!(middleware = %self.name, address = %self.client.shown, error = %e, "forwardAuth: error calling the authentication server");
                return status_only(StatusCode::INTERNAL_SERVER_ERROR);
            }
        };
        // As Traefik: the access log names the client whatever the verdict.
        if let Some(field) = &self.header_field
            && let Some(user) = answer.headers.get(field)
            && let Some(log) = &next.service_ctx().log
        {
            let user = String::from_utf8_lossy(user.as_bytes());
            crate::accesslog::name_client(&mut req, Arc::from(user.as_ref()));
            log.take_username(&mut req);
        }
        if answer.status == StatusCode::UNAUTHORIZED
            && let Some(signin) = &self.signin
        {
            return signin.redirect(&req);
        }
        if !answer.status.is_success() {
            debug!(middleware = %self.name, status = answer.status.as_u16(), "forwardAuth: denied");
            return self.denial(answer, answer_body);
        }
        headers::copy_granted(
            req.headers_mut(),
            &answer.headers,
            &self.response_headers,
            self.response_regex.as_ref(),
        );
        let cookies = headers::sets_cookies(&answer.headers).then_some(answer.headers);
        let mut resp = next.run(req).await;
        if let Some(auth) = cookies {
            headers::merge_cookies(resp.headers_mut(), &auth, &self.auth_cookies);
        }
        resp
    }

    /// The auth server's non-2xx answer, for the client.
    fn denial(&self, answer: http::response::Parts, body: bytes::Bytes) -> Response {
        let mut h = headers::denial_headers(answer.headers);
        if let Some(loc) = h.get(LOCATION).filter(|l| !l.is_empty()) {
            let loc = loc.to_str().ok().and_then(|l| {
                let resolved = self.client.base.join(l).ok()?;
                if self.preserve_location {
                    Some(l.to_string())
                } else {
                    Some(resolved.to_string())
                }
            });
            match loc.and_then(|l| HeaderValue::from_str(&l).ok()) {
                Some(v) => {
                    h.insert(LOCATION, v);
                }
                None => {
                    debug!(middleware = %self.name, "forwardAuth: unreadable Location in the answer");
                    return status_only(StatusCode::INTERNAL_SERVER_ERROR);
                }
            }
        }
        if !body.is_empty() {
            h.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        let mut resp = Response::new(Body::full(body));
        *resp.status_mut() = answer.status;
        *resp.headers_mut() = h;
        resp
    }
}

// === impl Signin ===

impl Signin {
    /// Go's `http.Redirect(w, r, url, 302)`.
    fn redirect(&self, req: &Request) -> Response {
        let mut url = self.url.clone();
        if self.relative {
            if !url.starts_with('/') {
                let path = req.uri().path();
                let dir = path.rfind('/').map_or("", |i| &path[..=i]);
                url = format!("{dir}{url}");
            }
            let (path, query) = url.split_at(url.find('?').unwrap_or(url.len()));
            let mut clean = waygate_rules::go_clean(path);
            if path.ends_with('/') && !clean.ends_with('/') {
                clean.push('/');
            }
            url = format!("{clean}{query}");
        }
        let location = hex_escape_non_ascii(&url);
        let mut resp = Response::new(Body::Empty);
        *resp.status_mut() = StatusCode::FOUND;
        if let Ok(v) = HeaderValue::from_str(&location) {
            resp.headers_mut().insert(LOCATION, v);
        }
        let method = req.method();
        if method == Method::GET || method == Method::HEAD {
            resp.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
        }
        if method == Method::GET {
            *resp.body_mut() =
                Body::full(format!("<a href=\"{}\">Found</a>.\n\n", html_escape(&url)));
        }
        resp
    }
}

/// An empty answer with `status`, as Go's `rw.WriteHeader(status)`.
fn status_only(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = status;
    resp
}

/// Whether Go's `url.Parse` finds neither scheme nor host in `url`.
fn is_relative(url: &str) -> bool {
    if url.starts_with("//") {
        return false;
    }
    let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    scheme.is_none()
}

/// Go's `hexEscapeNonASCII`.
fn hex_escape_non_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b >= 0x80 {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Go's `htmlEscape` (`html.EscapeString`'s replacements).
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
