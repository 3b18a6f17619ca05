//! `encodedCharacters` (Traefik 3.7): refuses, with an empty 400, a request whose path holds
//! one of the percent-encoded characters not allowed (`%2F`, `%5C`, `%00`, `%3B`, `%25`,
//! `%3F`, `%23`; both hex cases except `%00`, `%25` and `%23`, as Traefik's table).

use http::StatusCode;
use waygate_config::dynamic::middleware::EncodedCharacters as Config;

use super::Flow;
use crate::{Body, Request, Response};

#[derive(Debug)]
pub struct EncodedCharacters {
    /// The denied `%XX` sequences, as written in the path.
    denied: Vec<[u8; 3]>,
}

// === impl EncodedCharacters ===

impl EncodedCharacters {
    pub fn new(cfg: &Config) -> Self {
        let mut denied: Vec<[u8; 3]> = Vec::new();
        let mut deny = |allowed: bool, codes: &[&[u8; 3]]| {
            if !allowed {
                denied.extend(codes.iter().map(|c| **c));
            }
        };
        deny(cfg.allow_encoded_slash, &[b"%2F", b"%2f"]);
        deny(cfg.allow_encoded_back_slash, &[b"%5C", b"%5c"]);
        deny(cfg.allow_encoded_null_character, &[b"%00"]);
        deny(cfg.allow_encoded_semicolon, &[b"%3B", b"%3b"]);
        deny(cfg.allow_encoded_percent, &[b"%25"]);
        deny(cfg.allow_encoded_question_mark, &[b"%3F", b"%3f"]);
        deny(cfg.allow_encoded_hash, &[b"%23"]);
        Self { denied }
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        if self.denied.is_empty() {
            return Flow::Next;
        }
        let path = req.uri().path().as_bytes();
        let mut i = 0;
        while i < path.len() {
            if path[i] != b'%' {
                i += 1;
                continue;
            }
            let Some(code) = path.get(i..i + 3) else {
                return Flow::Respond(bad_request());
            };
            if self.denied.iter().any(|d| d == code) {
                return Flow::Respond(bad_request());
            }
            i += 3;
        }
        Flow::Next
    }
}

fn bad_request() -> Response {
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;

    fn refused(cfg: &Config, uri: &str) -> bool {
        matches!(
            EncodedCharacters::new(cfg).request(&mut test_request(uri)),
            Flow::Respond(r) if r.status() == StatusCode::BAD_REQUEST
        )
    }

    #[test]
    fn denies_by_default_allows_when_told() {
        let none = Config::default();
        for p in [
            "/a%2Fb", "/a%2fb", "/a%5C", "/%00", "/a%3B", "/a%25", "/a%3f", "/a%23",
        ] {
            assert!(refused(&none, p), "{p}");
        }
        assert!(
            !refused(&none, "/a%20b%41?x=%2F"),
            "other escapes and the query pass"
        );
        let slash = Config {
            allow_encoded_slash: true,
            ..Config::default()
        };
        assert!(!refused(&slash, "/a%2Fb"));
        assert!(refused(&slash, "/a%3Bb"));
        let all = Config {
            allow_encoded_slash: true,
            allow_encoded_back_slash: true,
            allow_encoded_null_character: true,
            allow_encoded_semicolon: true,
            allow_encoded_percent: true,
            allow_encoded_question_mark: true,
            allow_encoded_hash: true,
        };
        assert!(!refused(&all, "/%2F%5C%00%3B%25%3F%23"));
    }
}
