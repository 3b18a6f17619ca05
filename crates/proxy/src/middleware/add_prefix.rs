//! `addPrefix`: prepends a prefix to the request path.

use waygate_config::dynamic::middleware::AddPrefix as Config;

use super::{Flow, set_path};
use crate::Request;

#[derive(Debug)]
pub struct AddPrefix {
    prefix: String,
}

impl AddPrefix {
    pub fn new(cfg: &Config) -> Self {
        Self {
            prefix: cfg.prefix.trim_end_matches('/').to_string(),
        }
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        let path = format!("{}{}", self.prefix, req.uri().path());
        set_path(req, &path);
        Flow::Next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;

    #[test]
    fn prepends() {
        let m = AddPrefix::new(&Config {
            prefix: "/api".into(),
        });
        let mut req = test_request("/users?x=1");
        m.request(&mut req);
        assert_eq!(req.uri(), "/api/users?x=1");
    }
}
