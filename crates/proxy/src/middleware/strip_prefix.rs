//! `stripPrefix`: removes the first matching prefix (plain string prefix, as Traefik) and tells
//! the backend with `X-Forwarded-Prefix`.

use http::HeaderValue;
use waygate_config::dynamic::middleware::StripPrefix as Config;

use super::{Flow, set_path};
use crate::Request;

#[derive(Debug)]
pub struct StripPrefix {
    prefixes: Vec<String>,
}

impl StripPrefix {
    pub fn new(cfg: &Config) -> Self {
        Self {
            prefixes: cfg.prefixes.clone(),
        }
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        let path = req.uri().path();
        let Some(prefix) = self.prefixes.iter().find(|p| path.starts_with(p.as_str())) else {
            return Flow::Next;
        };
        let rest = &path[prefix.len()..];
        let stripped = if rest.starts_with('/') {
            rest.to_string()
        } else {
            format!("/{rest}")
        };
        if let Ok(v) = HeaderValue::from_str(prefix) {
            req.headers_mut().insert("x-forwarded-prefix", v);
        }
        set_path(req, &stripped);
        Flow::Next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;

    #[test]
    fn strips_first_match_and_sets_header() {
        let m = StripPrefix::new(&Config {
            prefixes: vec!["/api".into(), "/a".into()],
            ..Config::default()
        });
        let mut req = test_request("/api/users?q=1");
        m.request(&mut req);
        assert_eq!(req.uri(), "/users?q=1");
        assert_eq!(req.headers()["x-forwarded-prefix"], "/api");
        let mut req = test_request("/apiv2");
        m.request(&mut req);
        assert_eq!(req.uri(), "/v2", "not path-segment aware, like Traefik");
        let mut req = test_request("/other");
        m.request(&mut req);
        assert_eq!(req.uri(), "/other");
        assert!(!req.headers().contains_key("x-forwarded-prefix"));
    }
}
