//! `stripPrefixRegex`: strips the first regex match when the (decoded) path starts with it, and
//! tells the backend in `X-Forwarded-Prefix` (appended). The raw path loses as many bytes as
//! encode the prefix (Traefik's `encodedPrefixLen`); a result that Go's `JoinPath` would change
//! is refused with 400.

use std::borrow::Cow;

use http::{HeaderValue, StatusCode};
use regex::Regex;
use waygate_config::dynamic::middleware::StripPrefixRegex as Config;

use super::go_path::{ensure_leading_slash, escape, go_status_error, join_path_changes, unescape};
use super::{Flow, set_path};
use crate::Request;

#[derive(Debug)]
pub struct StripPrefixRegex {
    expressions: Vec<Regex>,
}

// === impl StripPrefixRegex ===

impl StripPrefixRegex {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let expressions = cfg
            .regex
            .iter()
            .enumerate()
            .map(|(i, re)| {
                waygate_rules::go_regex(re.trim())
                    .map_err(|e| format!("regex[{i}]: invalid regular expression: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { expressions })
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        let raw = req.uri().path();
        // The handler already refused invalid escapes.
        let Ok(decoded) = unescape(raw) else {
            return Flow::Next;
        };
        // Go matches bytes, seeing invalid UTF-8 as U+FFFD.
        let path: Cow<'_, str> = String::from_utf8_lossy(&decoded);
        for exp in &self.expressions {
            let Some(m) = exp.find(&path) else {
                continue;
            };
            let prefix = m.as_str();
            if prefix.is_empty() || !path.starts_with(prefix) {
                continue;
            }
            let new_path = ensure_leading_slash(&path[prefix.len()..]);
            let new_raw = ensure_leading_slash(&raw[encoded_prefix_len(raw, prefix.len())..]);
            if join_path_changes(&new_raw, new_path.as_bytes()) {
                return Flow::Respond(go_status_error(StatusCode::BAD_REQUEST));
            }
            // `URL.RequestURI`: the raw form when it encodes the path, else re-escaped.
            let out = match unescape(&new_raw) {
                Ok(d) if d == new_path.as_bytes() => new_raw,
                _ => escape(new_path.as_bytes()),
            };
            let prefix = HeaderValue::from_str(prefix).ok();
            if let Some(v) = prefix {
                req.headers_mut().append("x-forwarded-prefix", v);
            }
            set_path(req, if out.is_empty() { "/" } else { &out });
            break;
        }
        Flow::Next
    }
}

/// Bytes of `raw` encoding the first `decoded` bytes of its decoded form (3 per `%XX`).
fn encoded_prefix_len(raw: &str, decoded: usize) -> usize {
    let b = raw.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() && n < decoded {
        i += if b[i] == b'%' && i + 2 < b.len() {
            3
        } else {
            1
        };
        n += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;

    fn run(regex: &[&str], uri: &str) -> (Request, Option<StatusCode>) {
        let m = StripPrefixRegex::new(&Config {
            regex: regex.iter().map(|s| s.to_string()).collect(),
        })
        .expect("compiles");
        let mut req = test_request(uri);
        let status = match m.request(&mut req) {
            Flow::Respond(r) => Some(r.status()),
            _ => None,
        };
        (req, status)
    }

    #[test]
    fn strips_as_traefik_tests() {
        let re = ["/a/api/", "/b/([a-z0-9]+)/", "/c/[a-z0-9]+/[0-9]+/"];
        let (req, _) = run(&re, "/a/test");
        assert_eq!(req.uri(), "/a/test", "no match");
        let (req, _) = run(&re, "/a/api/test?x=1");
        assert_eq!(req.uri(), "/test?x=1");
        assert_eq!(req.headers()["x-forwarded-prefix"], "/a/api/");
        let (req, _) = run(&re, "/b/api/test");
        assert_eq!(req.uri(), "/test");
        assert_eq!(req.headers()["x-forwarded-prefix"], "/b/api/");
        let (req, _) = run(&re, "/c/api/123/test");
        assert_eq!(req.uri(), "/test");
        let (req, _) = run(&re, "/c/api/123");
        assert_eq!(req.uri(), "/c/api/123", "needs the trailing slash");
        let (req, _) = run(&["/a/api/"], "/a/api/");
        assert_eq!(req.uri(), "/", "an empty path goes out as /");
        let (req, _) = run(&["/t"], "/test/a%2Fb");
        assert_eq!(req.uri(), "/est/a%2Fb", "raw form kept");
        let (req, _) = run(&["/a%2Fb"], "/a%2Fb/c");
        assert_eq!(req.uri(), "/a%2Fb/c", "matched against the decoded path");
        let (req, _) = run(&["/a/b"], "/a%2Fb/c");
        assert_eq!(req.uri(), "/c");
        assert_eq!(req.headers()["x-forwarded-prefix"], "/a/b");
        let (req, _) = run(&["/b"], "/a/b");
        assert_eq!(req.uri(), "/a/b", "only a match at the start");
        let (_, status) = run(&["/api"], "/api/../x");
        assert_eq!(status, Some(StatusCode::BAD_REQUEST));
    }
}
