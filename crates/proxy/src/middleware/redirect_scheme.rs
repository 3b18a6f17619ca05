//! `redirectScheme`: redirects to another scheme (and port). The incoming scheme is https on
//! TLS connections, overridden by `X-Forwarded-Proto` (already filtered for trust).

use http::header::{HOST, LOCATION};
use http::{HeaderValue, Method, StatusCode};
use waygate_config::dynamic::middleware::RedirectScheme as Config;

use super::{Flow, MwCtx};
use crate::{Body, Request, Response};

#[derive(Debug)]
pub struct RedirectScheme {
    scheme: String,
    port: String,
    permanent: bool,
}

impl RedirectScheme {
    pub fn new(cfg: &Config) -> Self {
        Self {
            scheme: cfg.scheme.to_ascii_lowercase(),
            port: cfg.port.clone(),
            permanent: cfg.permanent,
        }
    }

    pub(crate) fn request(&self, req: &mut Request, ctx: MwCtx) -> Flow {
        let forwarded = req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok());
        let incoming = match forwarded.map(str::to_ascii_lowercase).as_deref() {
            Some("https" | "wss") => "https",
            Some("http" | "ws") => "http",
            _ if ctx.tls => "https",
            _ => "http",
        };
        let authority = req
            .uri()
            .authority()
            .map(|a| a.as_str().to_string())
            .or_else(|| {
                req.headers()
                    .get(HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_string)
            });
        let authority = authority.unwrap_or_default();
        let (host, current_port) = split_host_port(&authority);
        let port = if self.port.is_empty() {
            None
        } else {
            Some(self.port.as_str())
        };
        let current_port = current_port.unwrap_or(if incoming == "https" { "443" } else { "80" });
        if incoming == self.scheme && port.is_none_or(|p| p == current_port) {
            return Flow::Next;
        }
        let default_port = matches!(
            (self.scheme.as_str(), port),
            ("http", Some("80")) | ("https", Some("443"))
        );
        let location = match port {
            Some(p) if !default_port => format!("{}://{host}:{p}", self.scheme),
            _ => format!("{}://{host}", self.scheme),
        };
        let pq = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let location = format!("{location}{pq}");
        let status = match (
            self.permanent,
            req.method() == Method::GET || req.method() == Method::HEAD,
        ) {
            (true, true) => StatusCode::MOVED_PERMANENTLY,
            (true, false) => StatusCode::PERMANENT_REDIRECT,
            (false, true) => StatusCode::FOUND,
            (false, false) => StatusCode::TEMPORARY_REDIRECT,
        };
        let mut resp = Response::new(Body::Empty);
        *resp.status_mut() = status;
        if let Ok(v) = HeaderValue::from_str(&location) {
            resp.headers_mut().insert(LOCATION, v);
        }
        Flow::Respond(resp)
    }
}

fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if let Some(rest) = authority.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((h, p)) => (&authority[..h.len() + 2], p.strip_prefix(':')),
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;

    fn redirect(m: &RedirectScheme, req: &mut Request, tls: bool) -> Option<(StatusCode, String)> {
        match m.request(req, crate::middleware::test_ctx(tls)) {
            Flow::Respond(r) => Some((
                r.status(),
                r.headers()[LOCATION].to_str().expect("ascii").to_string(),
            )),
            _ => None,
        }
    }

    #[test]
    fn http_to_https() {
        let m = RedirectScheme::new(&Config {
            scheme: "https".into(),
            port: "443".into(),
            permanent: true,
        });
        let mut req = test_request("/a?b=1");
        req.headers_mut()
            .insert(HOST, HeaderValue::from_static("example.com:80"));
        assert_eq!(
            redirect(&m, &mut req, false),
            Some((
                StatusCode::MOVED_PERMANENTLY,
                "https://example.com/a?b=1".into()
            ))
        );
        *req.method_mut() = Method::POST;
        assert_eq!(
            redirect(&m, &mut req, false).map(|r| r.0),
            Some(StatusCode::PERMANENT_REDIRECT)
        );
        let mut req = test_request("/");
        req.headers_mut()
            .insert(HOST, HeaderValue::from_static("example.com:443"));
        assert_eq!(redirect(&m, &mut req, true), None, "already https on 443");
        let mut req = test_request("/");
        req.headers_mut()
            .insert(HOST, HeaderValue::from_static("example.com"));
        assert_eq!(
            redirect(&m, &mut req, true),
            None,
            "https without a port is 443"
        );
    }

    #[test]
    fn custom_port_and_temporary() {
        let m = RedirectScheme::new(&Config {
            scheme: "https".into(),
            port: "8443".into(),
            permanent: false,
        });
        let mut req = test_request("/x");
        req.headers_mut()
            .insert(HOST, HeaderValue::from_static("[::1]:8000"));
        assert_eq!(
            redirect(&m, &mut req, false),
            Some((StatusCode::FOUND, "https://[::1]:8443/x".into()))
        );
    }
}
