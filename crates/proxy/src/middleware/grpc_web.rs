//! `grpcWeb`: gRPC-Web clients (browsers) in front of gRPC servers, as Traefik serves them
//! with its fork of improbable-eng's `grpcweb` wrapper (origins checked by `allowOrigins`,
//! CORS by rs/cors 1.7 with credentials and a 10-minute max age, websockets off):
//!
//! - a `POST` whose `Content-Type` starts with `application/grpc-web` goes on as gRPC: its
//!   content type becomes `application/grpc…` (`+proto` and the like kept), a
//!   `grpc-web-text` body is base64-decoded, `Content-Length` is dropped, and `TE: trailers`
//!   is added (gRPC servers require it; Go's gRPC server, the wrapper's usual backend, does
//!   not check it);
//! - the answer goes back as gRPC-Web: `application/grpc` → `application/grpc-web` (or
//!   `-text`) in its content type, `Access-Control-Expose-Headers` naming every header and
//!   `grpc-status, grpc-message`, the trailers sent as a last body frame (flag `0x80`, then
//!   `name: value\r\n` lines, names in lower case and sorted) — an empty one when the server
//!   sent none (a trailers-only answer keeps its status in the headers); in text mode every
//!   body frame is base64 with its own padding, as the wrapper flushes each write;
//! - an `OPTIONS` preflight asking for `x-grpc-web` is answered 200 without the backend
//!   (see [`cors`]); other requests pass untouched.

mod body;
mod cors;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Version};
use waygate_config::dynamic::middleware::GrpcWeb as Config;

use self::body::{Base64Decode, WebBody};
use self::cors::Cors;
use super::Flow;
use super::around::Next;
use crate::body::BoxBody;
use crate::{Body, Request, Response};

const GRPC: &str = "application/grpc";
const GRPC_WEB: &str = "application/grpc-web";
const GRPC_WEB_TEXT: &str = "application/grpc-web-text";

/// A compiled `grpcWeb`.
#[derive(Debug)]
pub struct GrpcWeb {
    cors: Cors,
}

// === impl GrpcWeb ===

impl GrpcWeb {
    pub fn new(cfg: &Config) -> Self {
        Self {
            cors: Cors::new(&cfg.allow_origins),
        }
    }

    /// gRPC-Web requests and their preflights are served around the rest; others pass.
    pub(super) fn request(&self, req: &Request) -> Flow {
        if is_grpc_web(req) || cors::is_grpc_preflight(req) {
            Flow::Wrap
        } else {
            Flow::Next
        }
    }

    pub(super) async fn wrap(&self, req: Request, next: &mut Next<'_>) -> Response {
        if cors::is_preflight(&req) {
            return self.cors.preflight(&req);
        }
        let cors = self.cors.actual(&req);
        let (req, text) = to_grpc(req);
        let resp = next.run(req).await;
        to_grpc_web(resp, text, cors)
    }
}

/// A `POST` whose (first) `Content-Type` starts with `application/grpc-web`.
fn is_grpc_web(req: &Request) -> bool {
    req.method() == Method::POST
        && req
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(GRPC_WEB.as_bytes()))
}

/// The gRPC request for a gRPC-Web one, and whether it was in text mode.
fn to_grpc(req: Request) -> (Request, bool) {
    let (mut parts, body) = req.into_parts();
    let ct = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = ct.starts_with(GRPC_WEB_TEXT);
    let incoming = if text { GRPC_WEB_TEXT } else { GRPC_WEB };
    if let Ok(v) = HeaderValue::from_str(&ct.replacen(incoming, GRPC, 1)) {
        parts.headers.insert(header::CONTENT_TYPE, v);
    }
    // The HTTP/1.1 length is not the length of the gRPC body (decoded, or re-framed by h2).
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::TRANSFER_ENCODING);
    parts
        .headers
        .insert(header::TE, HeaderValue::from_static("trailers"));
    parts.version = Version::HTTP_2;
    let body = if text {
        Body::Boxed(BoxBody::new(Base64Decode::new(body)))
    } else {
        body
    };
    (Request::from_parts(parts, body), text)
}

/// The gRPC-Web answer for the server's: `cors` are the CORS headers of the request (the
/// server's own headers of the same names win, as in the wrapper).
fn to_grpc_web(resp: Response, text: bool, cors: Vec<(HeaderName, HeaderValue)>) -> Response {
    let (mut parts, body) = resp.into_parts();
    let h = &mut parts.headers;
    h.remove(header::TRAILER);
    h.remove(header::CONTENT_LENGTH);
    let web = if text { GRPC_WEB_TEXT } else { GRPC_WEB };
    replace_content_type(h, web);
    for (name, value) in cors {
        if !h.contains_key(&name) {
            h.append(name, value);
        }
    }
    let mut exposed: Vec<String> = h.keys().map(|k| canonical(k.as_str())).collect();
    exposed.extend(["grpc-status".into(), "grpc-message".into()]);
    if let Ok(v) = HeaderValue::from_str(&exposed.join(", ")) {
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, v);
    }
    Response::from_parts(parts, Body::Boxed(BoxBody::new(WebBody::new(body, text))))
}

/// `application/grpc` → `web` in each `Content-Type` value (the first occurrence).
fn replace_content_type(h: &mut HeaderMap, web: &str) {
    let values: Vec<HeaderValue> = h
        .get_all(header::CONTENT_TYPE)
        .iter()
        .map(|v| match v.to_str() {
            Ok(s) if s.contains(GRPC) => {
                HeaderValue::from_str(&s.replacen(GRPC, web, 1)).unwrap_or_else(|_| v.clone())
            }
            _ => v.clone(),
        })
        .collect();
    h.remove(header::CONTENT_TYPE);
    for v in values {
        h.append(header::CONTENT_TYPE, v);
    }
}

/// Go's `http.CanonicalHeaderKey` for a valid (lower-case) header name.
fn canonical(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper { c.to_ascii_uppercase() } else { c };
            upper = c == '-';
            out
        })
        .collect()
}

#[cfg(test)]
mod tests;
