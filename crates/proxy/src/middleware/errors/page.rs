//! The error-page request of `errors`, built as Traefik builds it: `GET
//! http://<original Host><query>` with the original headers, and Go's spellings of what it
//! puts in `query` and answers when that request cannot be made.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Version};

use crate::middleware::go_text::status_text;
use crate::{Body, Request, Response};

/// Headers never sent on the page request: it has no body, and hop-by-hop headers belong to
/// the original connection (Go's transport and Traefik's proxy drop them).
const DROPPED: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "trailer",
    "connection",
    "upgrade",
    "keep-alive",
    "proxy-connection",
];

/// What the page request takes from the original request.
pub(super) struct PageRequest {
    host: Option<HeaderValue>,
    /// The original URL (`scheme://host/path?query`), for `{url}`.
    url: String,
    headers: HeaderMap,
}

// === impl PageRequest ===

impl PageRequest {
    /// From the request as it reaches the middleware; `only`: `errorRequestHeaders`.
    pub(super) fn capture(req: &Request, tls: bool, only: Option<&[HeaderName]>) -> Self {
        let host = req.headers().get(header::HOST).cloned().or_else(|| {
            let a = req.uri().authority()?;
            HeaderValue::from_str(a.as_str()).ok()
        });
        let scheme = if tls { "https" } else { "http" };
        let host_str = host.as_ref().and_then(|h| h.to_str().ok()).unwrap_or("");
        let mut url = format!("{scheme}://{host_str}{}", req.uri().path());
        if let Some(q) = req.uri().query().filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(q);
        }
        let headers = match only {
            None => req.headers().clone(),
            Some(names) => {
                let mut out = HeaderMap::new();
                for name in names {
                    for v in req.headers().get_all(name) {
                        out.append(name.clone(), v.clone());
                    }
                }
                out
            }
        };
        Self { host, url, headers }
    }

    pub(super) fn host(&self) -> Option<&HeaderValue> {
        self.host.as_ref()
    }

    /// `template` with its placeholders replaced, behind one `/`; empty when it is.
    pub(super) fn query(&self, template: &str, code: StatusCode, caught: StatusCode) -> String {
        if template.is_empty() {
            return String::new();
        }
        let path = format!("/{}", template.strip_prefix('/').unwrap_or(template));
        path.replace("{status}", code.as_str())
            .replace("{originalStatus}", caught.as_str())
            .replace("{url}", &query_escape(&self.url))
    }

    /// The `GET` for `query` (path and query on the error service), or `None` when Go could
    /// not parse it as a URL (an invalid escape in the path).
    pub(super) fn request(&self, query: &str) -> Option<Request> {
        // Go's parser drops the fragment and escapes what may not appear raw.
        let query = query.split('#').next().unwrap_or("");
        let (path, q) = match query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (query, None),
        };
        if !valid_escapes(path) {
            return None;
        }
        let mut target = if path.is_empty() {
            "/".to_string()
        } else {
            escape_raw(path)
        };
        if let Some(q) = q {
            target.push('?');
            target.push_str(&escape_raw(q));
        }
        let mut req = Request::new(Body::Empty);
        *req.method_mut() = Method::GET;
        *req.version_mut() = Version::HTTP_11;
        *req.uri_mut() = target.parse().ok()?;
        let mut headers = self.headers.clone();
        for name in DROPPED {
            headers.remove(*name);
        }
        if headers
            .get(header::TE)
            .is_some_and(|v| v.as_bytes() != b"trailers")
        {
            headers.remove(header::TE);
        }
        match &self.host {
            Some(h) => headers.insert(header::HOST, h.clone()),
            None => headers.remove(header::HOST),
        };
        *req.headers_mut() = headers;
        Some(req)
    }
}

/// Go's `http.Error(w, http.StatusText(code), code)`: what Traefik answers when the page
/// request cannot be made.
pub(super) fn status_page(code: StatusCode) -> Response {
    let text = status_text(code.as_u16()).unwrap_or_default();
    let mut resp = Response::new(Body::full(format!("{text}\n")));
    *resp.status_mut() = code;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// Go's `url.QueryEscape`: everything but `A-Za-z0-9-_.~` as `%XX`, a space as `+`.
pub(super) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Escapes the bytes a request target may not carry raw (spaces, controls, non-ASCII, and
/// `"<>\^`{|}`), as Go's URL does for a path.
fn escape_raw(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let raw = b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            );
        if raw {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether every `%` starts a two-hex-digit escape (Go's `url.Parse` refuses a path where
/// one does not).
fn valid_escapes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |j: usize| b.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn original(uri: &str, headers: &[(&str, &str)]) -> Request {
        let mut req = Request::new(Body::Empty);
        *req.method_mut() = Method::POST;
        *req.uri_mut() = uri.parse().expect("uri");
        for (k, v) in headers {
            req.headers_mut().append(
                HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        req
    }

    #[test]
    fn query_placeholders_as_traefik_fills_them() {
        let req = original("/a%20b/c?x=1&y=%C3%A9", &[("host", "shop.test:8080")]);
        let page = PageRequest::capture(&req, true, None);
        let (code, caught) = (StatusCode::BAD_GATEWAY, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            page.query("{status}.html?from={originalStatus}&u={url}", code, caught),
            "/502.html?from=503&u=https%3A%2F%2Fshop.test%3A8080%2Fa%2520b%2Fc%3Fx%3D1%26y%3D%25C3%25A9"
        );
        assert_eq!(
            page.query("//x", code, caught),
            "//x",
            "one `/` only is trimmed"
        );
        assert_eq!(page.query("", code, caught), "");
        assert_eq!(query_escape("a b+c~"), "a+b%2Bc~");
    }

    #[test]
    fn the_page_request_is_a_get_with_the_original_headers() {
        let req = original(
            "/x",
            &[
                ("host", "shop.test"),
                ("content-length", "3"),
                ("accept", "text/html"),
                ("x-a", "1"),
                ("x-a", "2"),
                ("te", "trailers"),
            ],
        );
        let page = PageRequest::capture(&req, false, None);
        let r = page.request("/404.html?u=1#frag").expect("request");
        assert_eq!(r.method(), Method::GET);
        assert_eq!(r.uri(), "/404.html?u=1");
        assert_eq!(r.headers()["host"], "shop.test");
        assert_eq!(r.headers()["accept"], "text/html");
        assert_eq!(r.headers().get_all("x-a").iter().count(), 2);
        assert!(r.headers().get("content-length").is_none());
        assert_eq!(page.request("").expect("root").uri(), "/");
        assert_eq!(page.request("/a b").expect("escaped").uri(), "/a%20b");
        assert!(page.request("/bad%zz").is_none(), "Go refuses the URL");

        let only = [
            HeaderName::from_static("x-a"),
            HeaderName::from_static("x-none"),
        ];
        let page = PageRequest::capture(&req, false, Some(&only));
        let r = page.request("/").expect("request");
        let names: Vec<&str> = r.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["x-a", "host"], "only the listed headers, and Host");
        let page = PageRequest::capture(&req, false, Some(&[]));
        assert_eq!(page.request("/").expect("request").headers().len(), 1);
    }

    #[test]
    fn a_page_that_cannot_be_requested_is_go_s_status_text() {
        let r = status_page(StatusCode::NOT_FOUND);
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    }
}
