//! Responses, byte for byte as Traefik's handlers write them: JSON from Go's `json.Encoder`
//! (HTML-safe escapes, a trailing newline), errors through Go's `http.Error` (a JSON
//! `{"message": …}` body sent as `text/plain`), and gorilla/mux's 404 and 405.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{HeaderName, StatusCode};
use serde::Serialize;

pub(crate) type Response = http::Response<Bytes>;

const NEXT_PAGE: HeaderName = HeaderName::from_static("x-next-page");
const NOSNIFF: HeaderName = HeaderName::from_static("x-content-type-options");
const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";

/// The error body Traefik's API writes.
#[derive(Serialize)]
struct Message<'a> {
    message: &'a str,
}

/// `200` with `value` as Go's `json.NewEncoder(w).Encode` writes it.
pub(crate) fn json(value: &(impl Serialize + ?Sized)) -> Response {
    with_type(StatusCode::OK, JSON, encode(value, true))
}

/// A page of a list, with `X-Next-Page`.
pub(crate) fn page(value: &(impl Serialize + ?Sized), next_page: usize) -> Response {
    let mut resp = json(value);
    resp.headers_mut()
        .insert(NEXT_PAGE, HeaderValue::from(next_page));
    resp
}

/// `{"message": msg}` with `status`, as Traefik's `writeError` (through Go's `http.Error`).
pub(crate) fn error(status: StatusCode, msg: &str) -> Response {
    let mut body = encode(&Message { message: msg }, false);
    body.push(b'\n');
    let mut resp = with_type(status, TEXT, body);
    resp.headers_mut()
        .insert(NOSNIFF, HeaderValue::from_static("nosniff"));
    resp
}

/// gorilla/mux's answer when no route matches (Go's `http.NotFound`).
pub(crate) fn not_found() -> Response {
    let mut resp = with_type(
        StatusCode::NOT_FOUND,
        TEXT,
        b"404 page not found\n".to_vec(),
    );
    resp.headers_mut()
        .insert(NOSNIFF, HeaderValue::from_static("nosniff"));
    resp
}

/// gorilla/mux's answer when a route matches the path but not the method: no body.
pub(crate) fn method_not_allowed() -> Response {
    let mut resp = Response::new(Bytes::new());
    *resp.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    resp
}

pub(crate) fn with_type(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut resp = Response::new(Bytes::from(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// JSON with Go's HTML-safe escapes (`<`, `>`, `&`, U+2028, U+2029 as `\uXXXX`); these
/// characters only occur inside strings, so replacing them keeps the document valid.
pub(crate) fn encode(value: &(impl Serialize + ?Sized), newline: bool) -> Vec<u8> {
    // Serializing maps with string keys and our own types cannot fail.
    let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    if newline {
        out.push('\n');
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_escapes_and_error_shape() {
        let body = encode(&serde_json::json!({"rule": "A && B <c>"}), true);
        assert_eq!(body, b"{\"rule\":\"A \\u0026\\u0026 B \\u003cc\\u003e\"}\n");
        let resp = error(StatusCode::NOT_FOUND, "router not found: x@file");
        assert_eq!(resp.status(), 404);
        assert_eq!(resp.headers()[CONTENT_TYPE], TEXT);
        assert_eq!(
            resp.body().as_ref(),
            b"{\"message\":\"router not found: x@file\"}\n"
        );
    }
}
