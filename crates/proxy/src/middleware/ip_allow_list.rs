//! `ipAllowList` and its deprecated alias `ipWhiteList` (Traefik `pkg/middlewares/ipallowlist`):
//! only client IPs in `sourceRange` pass. The client IP is chosen by `ipStrategy`
//! ([`super::ip_strategy`]); nothing selected, or an entry that is no IP, is refused. Refusals
//! are `rejectStatusCode` (403 by default; always 403 for `ipWhiteList`) with Go's status text
//! as the body.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use waygate_config::dynamic::middleware::{IpAllowList as Config, IpWhiteList as WhiteConfig};

use super::go_text::status_text;
use super::ip_strategy::{ClientIp, IpList, IpStrategy};
use super::{Flow, MwCtx};
use crate::{Body, Request, Response};

#[derive(Debug)]
pub struct IpAllowList {
    allowed: IpList,
    strategy: IpStrategy,
    reject: StatusCode,
    /// Go's status text; empty for statuses without a body (204, 304).
    body: Bytes,
}

// === impl IpAllowList ===

impl IpAllowList {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        Self::build(
            &cfg.source_range,
            cfg.ip_strategy.as_ref(),
            cfg.reject_status_code,
        )
    }

    /// `ipWhiteList`: the same without `rejectStatusCode`.
    pub fn white_list(cfg: &WhiteConfig) -> Result<Self, String> {
        Self::build(&cfg.source_range, cfg.ip_strategy.as_ref(), 0)
    }

    fn build(
        source_range: &[String],
        strategy: Option<&waygate_config::dynamic::middleware::IpStrategy>,
        reject: i64,
    ) -> Result<Self, String> {
        if source_range.is_empty() {
            return Err("sourceRange is empty, IPAllowLister not created".to_string());
        }
        let code = if reject == 0 { 403 } else { reject };
        let text = u16::try_from(code)
            .ok()
            .and_then(|c| status_text(c).map(|t| (c, t)));
        let Some((code, text)) = text else {
            return Err(format!("invalid HTTP status code {code}"));
        };
        let reject = StatusCode::from_u16(code)
            .ok()
            .filter(|s| !s.is_informational())
            .ok_or_else(|| format!("rejectStatusCode {code} is not a final status"))?;
        let allowed = IpList::new(source_range).map_err(|e| format!("sourceRange: {e}"))?;
        let strategy = IpStrategy::new(strategy)?;
        let body = if matches!(code, 204 | 304) {
            Bytes::new()
        } else {
            Bytes::from_static(text.as_bytes())
        };
        Ok(Self {
            allowed,
            strategy,
            reject,
            body,
        })
    }

    pub(crate) fn request(&self, req: &Request, ctx: MwCtx) -> Flow {
        match self.strategy.select(req.headers(), ctx.remote) {
            ClientIp::Ip(ip) if self.allowed.contains(ip) => Flow::Next,
            _ => Flow::Respond(self.refusal()),
        }
    }

    fn refusal(&self) -> Response {
        let mut resp = Response::new(Body::full(self.body.clone()));
        *resp.status_mut() = self.reject;
        if !self.body.is_empty() {
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;
    use waygate_config::dynamic::middleware::IpStrategy as StrategyConfig;

    fn list(ranges: &[&str], depth: i64, reject: i64) -> IpAllowList {
        IpAllowList::new(&Config {
            source_range: ranges.iter().map(|s| s.to_string()).collect(),
            ip_strategy: (depth != 0).then(|| StrategyConfig {
                depth,
                ..StrategyConfig::default()
            }),
            reject_status_code: reject,
        })
        .expect("build")
    }

    fn status(m: &IpAllowList, remote: &str, xff: Option<&str>) -> u16 {
        let mut req = test_request("/");
        if let Some(x) = xff {
            req.headers_mut()
                .insert("x-forwarded-for", x.parse().expect("xff"));
        }
        let ctx = MwCtx {
            tls: false,
            remote: remote.parse().expect("ip"),
        };
        match m.request(&req, ctx) {
            Flow::Next => 200,
            Flow::Respond(r) => r.status().as_u16(),
            _ => panic!("ipAllowList passes or refuses"),
        }
    }

    #[test]
    fn remote_address_by_default() {
        let m = list(&["10.0.0.0/8", "192.168.1.7"], 0, 0);
        assert_eq!(status(&m, "10.1.2.3", None), 200);
        assert_eq!(status(&m, "192.168.1.7", Some("8.8.8.8")), 200);
        assert_eq!(status(&m, "192.168.1.8", Some("10.0.0.1")), 403);
        assert_eq!(status(&m, "::ffff:10.0.0.1", None), 200);
    }

    #[test]
    fn depth_reads_x_forwarded_for_and_rejects_when_short() {
        let m = list(&["1.2.3.4"], 2, 404);
        assert_eq!(status(&m, "10.0.0.1", Some("1.2.3.4, 5.6.7.8")), 200);
        assert_eq!(status(&m, "1.2.3.4", Some("5.6.7.8, 1.2.3.4")), 404);
        assert_eq!(status(&m, "1.2.3.4", Some("1.2.3.4")), 404, "too short");
        assert_eq!(status(&m, "1.2.3.4", None), 404, "no header");
        assert_eq!(status(&m, "1.2.3.4", Some("junk, 9.9.9.9")), 404);
    }

    #[test]
    fn refusal_is_the_status_and_gos_text() {
        let m = list(&["1.2.3.4"], 0, 0);
        let req = test_request("/");
        let ctx = MwCtx {
            tls: false,
            remote: "9.9.9.9".parse().expect("ip"),
        };
        let Flow::Respond(resp) = m.request(&req, ctx) else {
            panic!("refused");
        };
        assert_eq!(resp.status(), 403);
        assert!(matches!(resp.body(), Body::Full(Some(b)) if &b[..] == b"Forbidden"));
        assert_eq!(list(&["1.2.3.4"], 0, 418).body, "I'm a teapot");
        assert!(list(&["1.2.3.4"], 0, 204).body.is_empty());
    }

    #[test]
    fn builds_like_traefik() {
        let build = |ranges: &[&str], reject: i64| {
            IpAllowList::new(&Config {
                source_range: ranges.iter().map(|s| s.to_string()).collect(),
                ip_strategy: None,
                reject_status_code: reject,
            })
        };
        assert_eq!(
            build(&[], 0).expect_err("empty"),
            "sourceRange is empty, IPAllowLister not created"
        );
        assert_eq!(
            build(&["1.2.3.4"], 499).expect_err("unknown status"),
            "invalid HTTP status code 499"
        );
        assert!(build(&["1.2.3.4"], 100).is_err());
        assert_eq!(
            build(&["nope"], 0).expect_err("bad range"),
            "sourceRange: `nope` is not an IP address or CIDR range"
        );
        let w = IpAllowList::white_list(&WhiteConfig {
            source_range: vec!["1.2.3.4".into()],
            ip_strategy: None,
        })
        .expect("white list");
        assert_eq!(w.reject, StatusCode::FORBIDDEN);
    }
}
