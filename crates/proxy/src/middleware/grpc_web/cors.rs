//! CORS of `grpcWeb`, as rs/cors 1.7 with the options the `grpcweb` wrapper and Traefik set:
//! origins by `allowOrigins` (`*` or exact, and an allowed origin is echoed, never `*`),
//! methods `GET`, `POST`, `HEAD` (and `OPTIONS`), any request header, credentials, max age
//! 600 s, no exposed headers of its own.
//!
//! A preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 200 with an
//! empty body and three `Vary` lines; the `Access-Control-Allow-*` headers only when the
//! origin and method are allowed. An actual request gets `Vary: Origin`, and
//! `Access-Control-Allow-Origin` and `-Credentials` when allowed.

use http::header::{self, HeaderName, HeaderValue};
use http::{Method, StatusCode};

use crate::{Body, Request, Response};

/// The wrapper's `corsMaxAge` (10 minutes), in seconds.
const MAX_AGE: &str = "600";

/// Origins allowed by `allowOrigins`.
#[derive(Debug)]
pub(super) struct Cors {
    any: bool,
    origins: Vec<String>,
}

/// An `OPTIONS` asking for `x-grpc-web` among its request headers (the wrapper's
/// `IsAcceptableGrpcCorsRequest`, any endpoint).
pub(super) fn is_grpc_preflight(req: &Request) -> bool {
    req.method() == Method::OPTIONS
        && req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .is_some_and(|v| {
                v.as_bytes()
                    .to_ascii_lowercase()
                    .windows(10)
                    .any(|w| w == b"x-grpc-web")
            })
}

/// What rs/cors treats as a preflight: `OPTIONS` with a non-empty
/// `Access-Control-Request-Method`.
pub(super) fn is_preflight(req: &Request) -> bool {
    req.method() == Method::OPTIONS
        && req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .is_some_and(|v| !v.is_empty())
}

// === impl Cors ===

impl Cors {
    pub(super) fn new(allow: &[String]) -> Self {
        Self {
            any: allow.iter().any(|o| o == "*"),
            origins: allow.to_vec(),
        }
    }

    fn allowed<'r>(&self, req: &'r Request) -> Option<&'r HeaderValue> {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .filter(|o| !o.is_empty())?;
        let ok = self.any
            || self
                .origins
                .iter()
                .any(|o| o.as_bytes() == origin.as_bytes());
        ok.then_some(origin)
    }

    /// The answer to a preflight.
    pub(super) fn preflight(&self, req: &Request) -> Response {
        let mut resp = Response::new(Body::Empty);
        *resp.status_mut() = StatusCode::OK;
        let h = resp.headers_mut();
        for v in [
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
        ] {
            h.append(header::VARY, HeaderValue::from_static(v));
        }
        let Some(origin) = self.allowed(req) else {
            return resp;
        };
        let method = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_uppercase();
        if !method_allowed(&method) {
            return resp;
        }
        let asked = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .map(|v| parse_header_list(v.as_bytes()))
            .unwrap_or_default();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        if let Ok(m) = HeaderValue::from_str(&method) {
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, m);
        }
        if !asked.is_empty()
            && let Ok(v) = HeaderValue::from_str(&asked.join(", "))
        {
            h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
        }
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(MAX_AGE),
        );
        resp
    }

    /// The CORS headers of an actual request's answer.
    pub(super) fn actual(&self, req: &Request) -> Vec<(HeaderName, HeaderValue)> {
        let mut out = vec![(header::VARY, HeaderValue::from_static("Origin"))];
        if let Some(origin) = self.allowed(req)
            && method_allowed(req.method().as_str())
        {
            out.push((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone()));
            out.push((
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            ));
        }
        out
    }
}

/// rs/cors' default methods, and `OPTIONS` always.
fn method_allowed(method: &str) -> bool {
    matches!(method, "GET" | "POST" | "HEAD" | "OPTIONS")
}

/// rs/cors' `parseHeaderList`: names split on spaces and commas, other bytes than letters,
/// digits, `-` and `_` dropped, each name in Go's canonical case.
fn parse_header_list(list: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut name = Vec::new();
    let mut upper = true;
    for (i, &b) in list.iter().enumerate() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' => name.push(if upper {
                b.to_ascii_uppercase()
            } else {
                b.to_ascii_lowercase()
            }),
            b'-' | b'_' | b'0'..=b'9' => name.push(b),
            _ => {}
        }
        if b == b' ' || b == b',' || i == list.len() - 1 {
            if !name.is_empty() {
                out.push(String::from_utf8_lossy(&name).into_owned());
                name.clear();
                upper = true;
            }
        } else {
            upper = b == b'-' || b == b'_';
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lists_as_rs_cors_parses_them() {
        assert_eq!(
            parse_header_list(b"x-grpc-web,content-type, X-USER-agent"),
            ["X-Grpc-Web", "Content-Type", "X-User-Agent"]
        );
        assert_eq!(parse_header_list(b" , "), Vec::<String>::new());
    }
}
