//! `replacePath`: replaces the request path (the query is kept) and tells the backend the
//! original, escaped, in `X-Replaced-Path` (appended, as Traefik's `Header.Add`).

use http::{HeaderValue, StatusCode};
use waygate_config::dynamic::middleware::ReplacePath as Config;

use super::go_path::{escaped_path, go_error};
use super::{Flow, set_path};
use crate::Request;

pub(crate) const REPLACED_PATH: &str = "x-replaced-path";

#[derive(Debug)]
pub struct ReplacePath {
    /// The path as sent (`URL.RequestURI`), or Go's unescape error (answered 500).
    path: Result<String, String>,
}

// === impl ReplacePath ===

impl ReplacePath {
    pub fn new(cfg: &Config) -> Self {
        Self {
            path: escaped_path(&cfg.path),
        }
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        let path = match &self.path {
            Ok(p) => p,
            Err(e) => return Flow::Respond(go_error(StatusCode::INTERNAL_SERVER_ERROR, e)),
        };
        if let Ok(v) = HeaderValue::from_str(req.uri().path()) {
            req.headers_mut().append(REPLACED_PATH, v);
        }
        // An empty path goes out as `/` (Go's `RequestURI`).
        set_path(req, if path.is_empty() { "/" } else { path });
        Flow::Next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;

    fn run(path: &str, uri: &str) -> (Request, Option<StatusCode>) {
        let m = ReplacePath::new(&Config { path: path.into() });
        let mut req = test_request(uri);
        let status = match m.request(&mut req) {
            Flow::Respond(r) => Some(r.status()),
            _ => None,
        };
        (req, status)
    }

    #[test]
    fn replaces_and_keeps_the_original() {
        let (req, _) = run("/foo", "/api/x%2Fy?q=1");
        assert_eq!(req.uri(), "/foo?q=1");
        assert_eq!(req.headers()[REPLACED_PATH], "/api/x%2Fy");
        let (req, _) = run("/foo bar", "/");
        assert_eq!(req.uri().path(), "/foo%20bar", "escaped as Go sends it");
        let (req, _) = run("/a%2Fb", "/");
        assert_eq!(req.uri().path(), "/a%2Fb", "a valid escaped form is kept");
        let (_, status) = run("/a%zz", "/");
        assert_eq!(status, Some(StatusCode::INTERNAL_SERVER_ERROR));
    }
}
