//! `headers`: custom request and response headers (an empty value removes the header) and the
//! static security headers (HSTS, frame options, nosniff, XSS, CSP, referrer and permissions
//! policies). CORS and host/SSL checks are not implemented yet: a middleware using them is
//! refused at compile time rather than silently weakened.

use http::{HeaderMap, HeaderName, HeaderValue};
use waygate_config::dynamic::middleware::Headers as Config;

use super::{Flow, MwCtx};
use crate::{Request, Response};

#[derive(Debug)]
pub struct Headers {
    request: Vec<(HeaderName, Option<HeaderValue>)>,
    response: Vec<(HeaderName, Option<HeaderValue>)>,
    /// `Strict-Transport-Security`, sent on TLS requests (always with `forceSTSHeader`).
    sts: Option<(HeaderValue, bool)>,
}

// === impl Headers ===

impl Headers {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let unsupported: Vec<&str> = [
            (
                "accessControl* (CORS)",
                !cfg.access_control_allow_origin_list.is_empty()
                    || !cfg.access_control_allow_origin_list_regex.is_empty()
                    || !cfg.access_control_allow_methods.is_empty()
                    || !cfg.access_control_allow_headers.is_empty()
                    || !cfg.access_control_expose_headers.is_empty()
                    || cfg.access_control_allow_credentials
                    || cfg.access_control_max_age != 0
                    || cfg.add_vary_header,
            ),
            ("allowedHosts", !cfg.allowed_hosts.is_empty()),
            ("hostsProxyHeaders", !cfg.hosts_proxy_headers.is_empty()),
            // Only values that make Traefik redirect: `sslRedirect: false` (or an sslHost
            // alone) changes nothing and must not disable the router.
            (
                "sslRedirect/sslHost",
                cfg.ssl_redirect == Some(true)
                    || cfg.ssl_temporary_redirect == Some(true)
                    || cfg.ssl_force_host == Some(true)
                    || cfg.ssl_host.as_deref().is_some_and(|h| !h.is_empty()),
            ),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| name)
        .collect();
        if !unsupported.is_empty() {
            return Err(format!(
                "headers options not implemented by Waygate yet: {}",
                unsupported.join(", ")
            ));
        }
        let request = pairs(cfg.custom_request_headers.iter())?;
        let mut response = pairs(cfg.custom_response_headers.iter())?;
        let mut set = |name: &'static str, value: &str| -> Result<(), String> {
            if !value.is_empty() {
                let v = HeaderValue::from_str(value)
                    .map_err(|_| format!("invalid value for {name}"))?;
                response.push((HeaderName::from_static(name), Some(v)));
            }
            Ok(())
        };
        let frame = if !cfg.custom_frame_options_value.is_empty() {
            cfg.custom_frame_options_value.as_str()
        } else if cfg.frame_deny {
            "DENY"
        } else {
            ""
        };
        set("x-frame-options", frame)?;
        set(
            "x-content-type-options",
            if cfg.content_type_nosniff {
                "nosniff"
            } else {
                ""
            },
        )?;
        let xss = if !cfg.custom_browser_xss_value.is_empty() {
            cfg.custom_browser_xss_value.as_str()
        } else if cfg.browser_xss_filter {
            "1; mode=block"
        } else {
            ""
        };
        set("x-xss-protection", xss)?;
        set("content-security-policy", &cfg.content_security_policy)?;
        set(
            "content-security-policy-report-only",
            &cfg.content_security_policy_report_only,
        )?;
        set("public-key-pins", &cfg.public_key)?;
        set("referrer-policy", &cfg.referrer_policy)?;
        set("permissions-policy", &cfg.permissions_policy)?;
        let sts = (cfg.sts_seconds > 0).then(|| {
            let mut v = format!("max-age={}", cfg.sts_seconds);
            if cfg.sts_include_subdomains {
                v.push_str("; includeSubDomains");
            }
            if cfg.sts_preload {
                v.push_str("; preload");
            }
            HeaderValue::from_str(&v).map(|v| (v, cfg.force_sts_header))
        });
        let sts = sts
            .transpose()
            .map_err(|_| "invalid stsSeconds".to_string())?;
        Ok(Self {
            request,
            response,
            sts,
        })
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        apply(req.headers_mut(), &self.request);
        Flow::Next
    }

    pub(crate) fn response(&self, resp: &mut Response, ctx: MwCtx) {
        apply(resp.headers_mut(), &self.response);
        if let Some((v, force)) = &self.sts
            && (ctx.tls || *force)
        {
            resp.headers_mut()
                .insert("strict-transport-security", v.clone());
        }
    }
}

fn pairs<'a>(
    map: impl Iterator<Item = (&'a String, &'a String)>,
) -> Result<Vec<(HeaderName, Option<HeaderValue>)>, String> {
    map.map(|(k, v)| {
        let name =
            HeaderName::try_from(k.as_str()).map_err(|_| format!("invalid header name `{k}`"))?;
        let value = if v.is_empty() {
            None
        } else {
            Some(HeaderValue::from_str(v).map_err(|_| format!("invalid value for header `{k}`"))?)
        };
        Ok((name, value))
    })
    .collect()
}

fn apply(headers: &mut HeaderMap, set: &[(HeaderName, Option<HeaderValue>)]) {
    for (name, value) in set {
        match value {
            Some(v) => {
                headers.insert(name.clone(), v.clone());
            }
            None => {
                headers.remove(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;
    use std::collections::BTreeMap;

    #[test]
    fn custom_and_security_headers() {
        let cfg = Config {
            custom_request_headers: BTreeMap::from([
                ("X-Req".into(), "1".into()),
                ("X-Drop".into(), String::new()),
            ]),
            custom_response_headers: BTreeMap::from([
                ("X-Powered-By".into(), String::new()),
                ("X-Resp".into(), "y".into()),
            ]),
            sts_seconds: 60,
            sts_include_subdomains: true,
            frame_deny: true,
            content_type_nosniff: true,
            ..Config::default()
        };
        let m = Headers::new(&cfg).expect("supported");
        let mut req = test_request("/");
        req.headers_mut()
            .insert("x-drop", HeaderValue::from_static("gone"));
        m.request(&mut req);
        assert_eq!(req.headers()["x-req"], "1");
        assert!(!req.headers().contains_key("x-drop"));
        let mut resp = Response::new(crate::Body::Empty);
        resp.headers_mut()
            .insert("x-powered-by", HeaderValue::from_static("Go"));
        m.response(&mut resp, crate::middleware::test_ctx(false));
        assert!(!resp.headers().contains_key("x-powered-by"));
        assert_eq!(resp.headers()["x-resp"], "y");
        assert_eq!(resp.headers()["x-frame-options"], "DENY");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        assert!(
            !resp.headers().contains_key("strict-transport-security"),
            "no HSTS over plain HTTP"
        );
        m.response(&mut resp, crate::middleware::test_ctx(true));
        assert_eq!(
            resp.headers()["strict-transport-security"],
            "max-age=60; includeSubDomains"
        );
    }

    #[test]
    fn refuses_what_it_cannot_do() {
        let cfg = Config {
            allowed_hosts: vec!["a".into()],
            ..Config::default()
        };
        let err = Headers::new(&cfg).expect_err("unsupported");
        assert!(err.contains("allowedHosts"), "{err}");
    }

    #[test]
    fn ssl_options_at_their_defaults_change_nothing() {
        let off = Config {
            ssl_redirect: Some(false),
            ssl_temporary_redirect: Some(false),
            ssl_force_host: Some(false),
            ssl_host: Some(String::new()),
            ..Config::default()
        };
        assert!(Headers::new(&off).is_ok());
        let on = Config {
            ssl_redirect: Some(true),
            ..Config::default()
        };
        let err = Headers::new(&on).expect_err("unsupported");
        assert!(err.contains("sslRedirect"), "{err}");
    }
}
