//! `sourceCriterion` (Traefik `middlewares.GetSourceExtractor`): what counts as one source for
//! `rateLimit` and `inFlightReq` — the client IP chosen by an `ipStrategy`, the value of a
//! request header (absent: the empty value, one source for all such requests), or the
//! request's host. Exactly one may be set; none falls back to the middleware's default.
//!
//! A source becomes map key bytes ([`Key`]) without allocating in the common cases: an IP's
//! octets on the stack, a header value or host borrowed from the request. Spellings of one
//! address (`10.0.0.1`, `10.0.0.1:4711`, `::ffff:10.0.0.1`) are one source.

use std::net::IpAddr;

use http::header::{HOST, HeaderName};
use waygate_config::dynamic::middleware::SourceCriterion as Config;

use super::ip_strategy::{ClientIp, IpStrategy};
use crate::Request;

/// A compiled `sourceCriterion`.
#[derive(Debug)]
pub(crate) enum Source {
    Ip(IpStrategy),
    Header(HeaderName),
    Host,
}

/// What a middleware uses when no criterion is set.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fallback {
    /// `rateLimit`: the remote address.
    RemoteIp,
    /// `inFlightReq`: the request host.
    Host,
}

/// A source as map key bytes.
pub(crate) enum Key<'r> {
    Borrowed(&'r [u8]),
    /// Tag (4, 6) and octets.
    Ip([u8; 17], usize),
    /// Tag 0 and the text of an `X-Forwarded-For` entry that is no IP (rare).
    Owned(Vec<u8>),
}

// === impl Source ===

impl Source {
    pub(crate) fn new(cfg: Option<&Config>, fallback: Fallback) -> Result<Self, String> {
        let set = cfg.map_or((false, false, false), |c| {
            (
                c.ip_strategy.is_some(),
                !c.request_header_name.is_empty(),
                c.request_host,
            )
        });
        match (set, cfg) {
            ((true, true, _), _) => {
                Err("iPStrategy and RequestHeaderName are mutually exclusive".into())
            }
            ((true, _, true), _) => Err("iPStrategy and RequestHost are mutually exclusive".into()),
            ((_, true, true), _) => {
                Err("requestHost and RequestHeaderName are mutually exclusive".into())
            }
            ((true, _, _), Some(c)) => IpStrategy::new(c.ip_strategy.as_ref()).map(Source::Ip),
            ((_, true, _), Some(c)) => HeaderName::try_from(c.request_header_name.as_str())
                .map(Source::Header)
                .map_err(|_| {
                    format!(
                        "requestHeaderName `{}` is not a valid header name",
                        c.request_header_name
                    )
                }),
            ((_, _, true), _) => Ok(Source::Host),
            _ => match fallback {
                Fallback::RemoteIp => Ok(Source::Ip(IpStrategy::Remote { subnet: None })),
                Fallback::Host => Ok(Source::Host),
            },
        }
    }

    /// The source of `req`, whose connection comes from `remote`.
    pub(crate) fn key<'r>(&self, req: &'r Request, remote: IpAddr) -> Key<'r> {
        match self {
            Source::Ip(strategy) => match strategy.select(req.headers(), remote) {
                ClientIp::Ip(IpAddr::V4(v4)) => {
                    let mut buf = [0u8; 17];
                    buf[0] = 4;
                    buf[1..5].copy_from_slice(&v4.octets());
                    Key::Ip(buf, 5)
                }
                ClientIp::Ip(IpAddr::V6(v6)) => {
                    let mut buf = [0u8; 17];
                    buf[0] = 6;
                    buf[1..].copy_from_slice(&v6.octets());
                    Key::Ip(buf, 17)
                }
                ClientIp::Text(t) => {
                    let mut v = Vec::with_capacity(t.len() + 1);
                    v.push(0);
                    v.extend_from_slice(t);
                    Key::Owned(v)
                }
            },
            // Go's Header.Get: the first value.
            Source::Header(name) => {
                Key::Borrowed(req.headers().get(name).map_or(&b""[..], |v| v.as_bytes()))
            }
            Source::Host => {
                Key::Borrowed(req.headers().get(HOST).map_or(&b""[..], |v| v.as_bytes()))
            }
        }
    }
}

// === impl Key ===

impl Key<'_> {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Borrowed(b) => b,
            Key::Ip(buf, len) => &buf[..*len],
            Key::Owned(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;
    use waygate_config::dynamic::middleware::IpStrategy as IpConfig;

    fn key(source: &Source, req: &Request, remote: &str) -> Vec<u8> {
        source
            .key(req, remote.parse().expect("ip"))
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn defaults_per_middleware() {
        let mut req = test_request("/");
        req.headers_mut()
            .insert(HOST, "api.example.com".parse().expect("host"));
        let ip = Source::new(None, Fallback::RemoteIp).expect("source");
        assert_eq!(key(&ip, &req, "10.0.0.1"), [4, 10, 0, 0, 1]);
        assert_eq!(
            key(&ip, &req, "::ffff:10.0.0.1"),
            [4, 10, 0, 0, 1],
            "one source"
        );
        let host = Source::new(Some(&Config::default()), Fallback::Host).expect("source");
        assert_eq!(key(&host, &req, "10.0.0.1"), b"api.example.com");
        // An explicit empty ipStrategy is the remote address, whatever the default.
        let cfg = Config {
            ip_strategy: Some(IpConfig::default()),
            ..Config::default()
        };
        let s = Source::new(Some(&cfg), Fallback::Host).expect("source");
        assert_eq!(key(&s, &req, "10.0.0.2"), [4, 10, 0, 0, 2]);
    }

    #[test]
    fn header_values_separate_sources() {
        let cfg = Config {
            request_header_name: "X-Api-Key".into(),
            ..Config::default()
        };
        let s = Source::new(Some(&cfg), Fallback::RemoteIp).expect("source");
        let mut req = test_request("/");
        assert_eq!(key(&s, &req, "10.0.0.1"), b"", "absent: the empty source");
        req.headers_mut()
            .append("x-api-key", "alice".parse().expect("v"));
        req.headers_mut()
            .append("x-api-key", "bob".parse().expect("v"));
        assert_eq!(key(&s, &req, "10.0.0.1"), b"alice");
    }

    #[test]
    fn xff_entries_that_are_no_ip_are_their_own_source() {
        let cfg = Config {
            ip_strategy: Some(IpConfig {
                depth: 1,
                ..IpConfig::default()
            }),
            ..Config::default()
        };
        let s = Source::new(Some(&cfg), Fallback::RemoteIp).expect("source");
        let mut req = test_request("/");
        req.headers_mut()
            .insert("x-forwarded-for", "1.1.1.1, nope".parse().expect("v"));
        assert_eq!(key(&s, &req, "10.0.0.1"), b"\0nope");
        req.headers_mut()
            .insert("x-forwarded-for", "1.1.1.1".parse().expect("v"));
        assert_eq!(key(&s, &req, "10.0.0.1"), [4, 1, 1, 1, 1]);
    }

    #[test]
    fn exclusive_criteria_and_bad_names_are_refused() {
        let cfg = Config {
            request_header_name: "X-Key".into(),
            request_host: true,
            ..Config::default()
        };
        let e = Source::new(Some(&cfg), Fallback::RemoteIp).expect_err("exclusive");
        assert_eq!(
            e,
            "requestHost and RequestHeaderName are mutually exclusive"
        );
        let cfg = Config {
            request_header_name: "X Key".into(),
            ..Config::default()
        };
        let e = Source::new(Some(&cfg), Fallback::RemoteIp).expect_err("bad name");
        assert_eq!(e, "requestHeaderName `X Key` is not a valid header name");
    }
}
