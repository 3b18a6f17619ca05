//! The secure part of the `headers` middleware, as Traefik configures `unrolled/secure`:
//! `allowedHosts` (host from `hostsProxyHeaders` first; 500 "Bad Host" otherwise), whether the
//! request is HTTPS (TLS or one of `sslProxyHeaders`), and the security response headers
//! (HSTS and `publicKey` only over HTTPS, neither with `isDevelopment`). Traefik 3 no longer
//! passes the deprecated `sslRedirect`, `sslTemporaryRedirect`, `sslHost`, `sslForceHost` and
//! `featurePolicy` to it: they change nothing.

use http::header::HOST;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use waygate_config::dynamic::middleware::Headers as Config;

use super::super::go_path::go_error;
use crate::{Request, Response};

#[derive(Debug, Default)]
pub(super) struct Secure {
    allowed_hosts: Vec<String>,
    hosts_proxy_headers: Vec<HeaderName>,
    ssl_proxy_headers: Vec<(HeaderName, String)>,
    /// Sent on every response.
    always: Vec<(HeaderName, HeaderValue)>,
    /// Sent over HTTPS only (HSTS unless forced, `Public-Key-Pins`).
    sts: Option<(HeaderValue, bool)>,
    hpkp: Option<HeaderValue>,
}

// === impl Secure ===

impl Secure {
    pub(super) fn new(cfg: &Config) -> Result<Self, String> {
        let dev = cfg.is_development;
        let name = |k: &String| {
            HeaderName::try_from(k.trim()).map_err(|_| format!("invalid header name `{k}`"))
        };
        let mut always = Vec::new();
        let mut set = |name: &'static str, value: &str| -> Result<(), String> {
            if !value.is_empty() {
                let v = HeaderValue::from_str(value)
                    .map_err(|_| format!("invalid value for {name}"))?;
                always.push((HeaderName::from_static(name), v));
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
        set("referrer-policy", &cfg.referrer_policy)?;
        set("permissions-policy", &cfg.permissions_policy)?;
        let sts = (cfg.sts_seconds != 0 && !dev)
            .then(|| {
                let mut v = format!("max-age={}", cfg.sts_seconds);
                if cfg.sts_include_subdomains {
                    v.push_str("; includeSubDomains");
                }
                if cfg.sts_preload {
                    v.push_str("; preload");
                }
                HeaderValue::from_str(&v).map(|v| (v, cfg.force_sts_header))
            })
            .transpose()
            .map_err(|_| "invalid stsSeconds".to_string())?;
        let hpkp = (!cfg.public_key.is_empty() && !dev)
            .then(|| HeaderValue::from_str(&cfg.public_key))
            .transpose()
            .map_err(|_| "invalid value for publicKey".to_string())?;
        Ok(Self {
            allowed_hosts: if dev {
                Vec::new()
            } else {
                cfg.allowed_hosts.clone()
            },
            hosts_proxy_headers: cfg
                .hosts_proxy_headers
                .iter()
                .map(name)
                .collect::<Result<_, _>>()?,
            ssl_proxy_headers: cfg
                .ssl_proxy_headers
                .iter()
                .map(|(k, v)| Ok((name(k)?, v.clone())))
                .collect::<Result<_, String>>()?,
            always,
            sts,
            hpkp,
        })
    }

    /// Whether the SSL state needs the request's headers (else the connection's TLS decides).
    pub(super) fn reads_proxy_headers(&self) -> bool {
        !self.ssl_proxy_headers.is_empty()
    }

    /// The `allowedHosts` check: `Some(500 Bad Host)` when the host is not allowed.
    pub(super) fn check_host(&self, req: &Request) -> Option<Response> {
        if self.allowed_hosts.is_empty() {
            return None;
        }
        let h = req.headers();
        let proxied = self
            .hosts_proxy_headers
            .iter()
            .find_map(|n| h.get(n).filter(|v| !v.is_empty()));
        let host = match proxied {
            Some(v) => v.to_str().unwrap_or(""),
            None => match req.uri().authority() {
                Some(a) => a.as_str(),
                None => h.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or(""),
            },
        };
        let good = self
            .allowed_hosts
            .iter()
            .any(|a| a.eq_ignore_ascii_case(host));
        (!good).then(|| go_error(StatusCode::INTERNAL_SERVER_ERROR, "Bad Host"))
    }

    /// `isSSL`: a TLS connection, or a request carrying one of `sslProxyHeaders` with its value.
    pub(super) fn is_ssl(&self, req: &Request, tls: bool) -> bool {
        tls || self
            .ssl_proxy_headers
            .iter()
            // Go's `Header.Get` gives "" for a missing header: an empty value matches it.
            .any(|(k, v)| {
                req.headers()
                    .get(k)
                    .map_or(v.is_empty(), |got| got.as_bytes() == v.as_bytes())
            })
    }

    /// The security headers, replacing the backend's.
    pub(super) fn response(&self, out: &mut HeaderMap, ssl: bool) {
        if let Some((v, force)) = &self.sts
            && (ssl || *force)
        {
            out.insert("strict-transport-security", v.clone());
        }
        for (k, v) in &self.always {
            out.insert(k.clone(), v.clone());
        }
        if let Some(v) = &self.hpkp
            && ssl
        {
            out.insert("public-key-pins", v.clone());
        }
    }
}
