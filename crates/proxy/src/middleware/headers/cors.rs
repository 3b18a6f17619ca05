//! CORS for the `headers` middleware, as Traefik's `header.go`: a preflight (`OPTIONS` with
//! `Origin` and `Access-Control-Request-Method`) is answered by the middleware; other responses
//! get `Access-Control-Allow-Origin` (matched from the list, `*`, or the regexes),
//! `-Allow-Credentials`, `-Expose-Headers` and, with `addVaryHeader`, `Vary: Origin`.

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, CONTENT_LENGTH, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use regex::Regex;
use waygate_config::dynamic::middleware::Headers as Config;

use crate::{Body, Request, Response};

#[derive(Debug)]
pub(super) struct Cors {
    credentials: bool,
    /// Joined with `,`; `None` when empty.
    allow_headers: Option<HeaderValue>,
    allow_headers_any: bool,
    allow_methods: Option<HeaderValue>,
    allow_methods_any: bool,
    origins: Vec<String>,
    origin_regexes: Vec<Regex>,
    max_age: Option<HeaderValue>,
    /// `None` when empty, or `*` with credentials (not sent then).
    expose: Option<HeaderValue>,
    vary: bool,
}

// === impl Cors ===

impl Cors {
    /// `None` unless a CORS option is set (Traefik's `HasCorsHeadersDefined`).
    pub(super) fn new(cfg: &Config) -> Result<Option<Self>, String> {
        let defined = cfg.access_control_allow_credentials
            || !cfg.access_control_allow_headers.is_empty()
            || !cfg.access_control_allow_methods.is_empty()
            || !cfg.access_control_allow_origin_list.is_empty()
            || !cfg.access_control_allow_origin_list_regex.is_empty()
            || !cfg.access_control_expose_headers.is_empty()
            || cfg.access_control_max_age.is_some()
            || cfg.add_vary_header;
        if !defined {
            return Ok(None);
        }
        let credentials = cfg.access_control_allow_credentials;
        let join = |key: &str, list: &[String]| -> Result<Option<HeaderValue>, String> {
            if list.is_empty() {
                return Ok(None);
            }
            HeaderValue::from_str(&list.join(","))
                .map(Some)
                .map_err(|_| format!("{key}: invalid header value"))
        };
        let any = |list: &[String]| list.iter().any(|s| s == "*");
        let origin_regexes = cfg
            .access_control_allow_origin_list_regex
            .iter()
            .enumerate()
            .map(|(i, re)| {
                waygate_rules::go_regex(re).map_err(|e| {
                    format!(
                        "accessControlAllowOriginListRegex[{i}]: invalid regular expression: {e}"
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        let expose_any = any(&cfg.access_control_expose_headers);
        Ok(Some(Self {
            credentials,
            allow_headers: join(
                "accessControlAllowHeaders",
                &cfg.access_control_allow_headers,
            )?,
            allow_headers_any: any(&cfg.access_control_allow_headers) && credentials,
            allow_methods: join(
                "accessControlAllowMethods",
                &cfg.access_control_allow_methods,
            )?,
            allow_methods_any: any(&cfg.access_control_allow_methods) && credentials,
            origins: cfg.access_control_allow_origin_list.clone(),
            origin_regexes,
            max_age: cfg.access_control_max_age.map(HeaderValue::from),
            expose: if expose_any && credentials {
                None
            } else {
                join(
                    "accessControlExposeHeaders",
                    &cfg.access_control_expose_headers,
                )?
            },
            vary: cfg.add_vary_header,
        }))
    }

    /// The answer to a preflight request, if `req` is one.
    pub(super) fn preflight(&self, req: &Request) -> Option<Response> {
        let h = req.headers();
        let method = h
            .get(ACCESS_CONTROL_REQUEST_METHOD)
            .filter(|v| !v.is_empty())?;
        let origin = h.get(ORIGIN).filter(|v| !v.is_empty())?;
        if req.method() != Method::OPTIONS {
            return None;
        }
        let mut resp = Response::new(Body::Empty);
        *resp.status_mut() = StatusCode::OK;
        let out = resp.headers_mut();
        if self.credentials {
            out.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if self.allow_headers_any {
            if let Some(acrh) = h
                .get(ACCESS_CONTROL_REQUEST_HEADERS)
                .filter(|v| !v.is_empty())
            {
                out.insert(ACCESS_CONTROL_ALLOW_HEADERS, acrh.clone());
            }
        } else if let Some(v) = &self.allow_headers {
            out.insert(ACCESS_CONTROL_ALLOW_HEADERS, v.clone());
        }
        if self.allow_methods_any {
            out.insert(ACCESS_CONTROL_ALLOW_METHODS, method.clone());
        } else if let Some(v) = &self.allow_methods {
            out.insert(ACCESS_CONTROL_ALLOW_METHODS, v.clone());
        }
        if let Some(v) = self.match_origin(Some(origin)) {
            out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        if let Some(v) = &self.max_age {
            out.insert(ACCESS_CONTROL_MAX_AGE, v.clone());
        }
        if let Some(v) = &self.expose {
            out.insert(ACCESS_CONTROL_EXPOSE_HEADERS, v.clone());
        }
        out.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        Some(resp)
    }

    /// The CORS headers of an ordinary response to a request that sent `origin`.
    pub(super) fn response(&self, out: &mut HeaderMap, origin: Option<&HeaderValue>) {
        if let Some(v) = self.match_origin(origin) {
            out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        if self.credentials {
            out.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        if let Some(v) = &self.expose {
            out.insert(ACCESS_CONTROL_EXPOSE_HEADERS, v.clone());
        }
        if !self.vary {
            return;
        }
        let vary = out.get(VARY).map(HeaderValue::as_bytes).unwrap_or_default();
        if vary == b"Origin" {
            return;
        }
        let mut v = vary.to_vec();
        if !v.is_empty() {
            v.push(b',');
        }
        v.extend_from_slice(b"Origin");
        if let Ok(v) = HeaderValue::from_bytes(&v) {
            out.insert(VARY, v);
        }
    }

    /// Traefik's `matchOrigin`: the list in order (`*` answers `*`, or the origin itself with
    /// credentials), then the regexes. A request without `Origin` is the empty origin.
    fn match_origin(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let origin_value = origin
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static(""));
        let origin = origin_value.to_str().unwrap_or("");
        for item in &self.origins {
            if item == origin {
                return HeaderValue::from_str(item).ok();
            }
            if item == "*" {
                return Some(if self.credentials {
                    origin_value
                } else {
                    HeaderValue::from_static("*")
                });
            }
        }
        self.origin_regexes
            .iter()
            .any(|re| re.is_match(origin))
            .then_some(origin_value)
    }
}
