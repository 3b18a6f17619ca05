//! `replacePathRegex`: rewrites the escaped path with a Go regex and replacement (`$1`,
//! `${name}`), keeping the original in `X-Replaced-Path`. A result that Go's `JoinPath` would
//! change (`//`, `.`, `..` segments) is refused with 400, as Traefik does.

use http::{HeaderValue, StatusCode};
use regex::Regex;
use waygate_config::dynamic::middleware::ReplacePathRegex as Config;

use super::go_path::{escaped_path, go_error, go_status_error, join_path_changes, unescape};
use super::replace_path::REPLACED_PATH;
use super::{Flow, set_path};
use crate::Request;

#[derive(Debug)]
pub struct ReplacePathRegex {
    regex: Regex,
    replacement: String,
}

// === impl ReplacePathRegex ===

impl ReplacePathRegex {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let regex = waygate_rules::go_regex(cfg.regex.trim())
            .map_err(|e| format!("regex: invalid regular expression: {e}"))?;
        Ok(Self {
            regex,
            replacement: cfg.replacement.trim().to_string(),
        })
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        let current = req.uri().path();
        if !self.regex.is_match(current) {
            return Flow::Next;
        }
        let raw = self
            .regex
            .replace_all(current, self.replacement.as_str())
            .into_owned();
        let decoded = match unescape(&raw) {
            Ok(d) => d,
            Err(e) => return Flow::Respond(go_error(StatusCode::INTERNAL_SERVER_ERROR, &e)),
        };
        if join_path_changes(&raw, &decoded) {
            return Flow::Respond(go_status_error(StatusCode::BAD_REQUEST));
        }
        let Ok(out) = escaped_path(&raw) else {
            return Flow::Respond(go_status_error(StatusCode::BAD_REQUEST));
        };
        if let Ok(v) = HeaderValue::from_str(current) {
            req.headers_mut().append(REPLACED_PATH, v);
        }
        set_path(req, if out.is_empty() { "/" } else { &out });
        Flow::Next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;

    fn mw(regex: &str, replacement: &str) -> ReplacePathRegex {
        ReplacePathRegex::new(&Config {
            regex: regex.into(),
            replacement: replacement.into(),
        })
        .expect("compiles")
    }

    fn run(m: &ReplacePathRegex, uri: &str) -> (Request, Option<StatusCode>) {
        let mut req = test_request(uri);
        let status = match m.request(&mut req) {
            Flow::Respond(r) => Some(r.status()),
            _ => None,
        };
        (req, status)
    }

    #[test]
    fn rewrites_as_traefik_tests() {
        let m = mw("^/whoami/(.*)", "/who-am-i/$1");
        let (req, _) = run(&m, "/whoami/and/whoami?q=1");
        assert_eq!(req.uri(), "/who-am-i/and/whoami?q=1");
        assert_eq!(req.headers()[REPLACED_PATH], "/whoami/and/whoami");
        let (req, _) = run(
            &mw("/downloads/(.*)", "/downloads/${1}.zip"),
            "/downloads/src/source.go",
        );
        assert_eq!(req.uri(), "/downloads/src/source.go.zip");
        let (req, _) = run(&mw("/aaa/bbb", "/foo%2Fbar"), "/aaa/bbb");
        assert_eq!(req.uri(), "/foo%2Fbar", "escaped slash kept");
        let (req, _) = run(&m, "/other");
        assert_eq!(req.uri(), "/other");
        assert!(!req.headers().contains_key(REPLACED_PATH));
        let (_, status) = run(&mw("^/a/(.*)", "/b/../$1"), "/a/x");
        assert_eq!(
            status,
            Some(StatusCode::BAD_REQUEST),
            "dot segments refused"
        );
        let (_, status) = run(&mw("^/a", "/%zz"), "/a");
        assert_eq!(status, Some(StatusCode::INTERNAL_SERVER_ERROR));
    }

    #[test]
    fn go_syntax_and_errors() {
        let (req, _) = run(&mw(r"^/(\d+)", "/n$1"), "/42");
        assert_eq!(req.uri(), "/n42");
        let err = ReplacePathRegex::new(&Config {
            regex: "(".into(),
            replacement: String::new(),
        })
        .expect_err("invalid");
        assert!(
            err.starts_with("regex: invalid regular expression"),
            "{err}"
        );
    }
}
