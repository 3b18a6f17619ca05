//! `headers`, as Traefik nests it: the CORS and custom-headers handler outside, the secure
//! handler inside. On the way in: a CORS preflight is answered, custom request headers are set
//! (an empty value removes), then `allowedHosts` is checked. On the way out: the security
//! headers, then the custom response headers, then the CORS ones. When the response depends on
//! the request (CORS `Origin`, `sslProxyHeaders`) the middleware wraps the rest of the chain
//! ([`Flow::Wrap`]); otherwise it costs a header walk each way.

mod cors;
mod secure;

use http::header::ORIGIN;
use http::{HeaderMap, HeaderName, HeaderValue};
use waygate_config::dynamic::middleware::Headers as Config;

use self::cors::Cors;
use self::secure::Secure;
use super::{Flow, MwCtx, Next};
use crate::{Request, Response};

#[derive(Debug)]
pub struct Headers {
    request: Vec<(HeaderName, Option<HeaderValue>)>,
    response: Vec<(HeaderName, Option<HeaderValue>)>,
    /// Boxed, as the CORS part: most `headers` middlewares set a few custom headers only.
    secure: Box<Secure>,
    cors: Option<Box<Cors>>,
    /// The response depends on the request: served by [`Headers::wrap`].
    wraps: bool,
}

// === impl Headers ===

impl Headers {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let cors = Cors::new(cfg)?.map(Box::new);
        let secure = Box::new(Secure::new(cfg)?);
        Ok(Self {
            request: pairs(cfg.custom_request_headers.iter())?,
            response: pairs(cfg.custom_response_headers.iter())?,
            wraps: cors.is_some() || secure.reads_proxy_headers(),
            secure,
            cors,
        })
    }

    pub(crate) fn request(&self, req: &mut Request) -> Flow {
        if let Some(resp) = self.cors.as_ref().and_then(|c| c.preflight(req)) {
            return Flow::Respond(resp);
        }
        apply(req.headers_mut(), &self.request);
        if let Some(resp) = self.secure.check_host(req) {
            return Flow::Respond(resp);
        }
        if self.wraps { Flow::Wrap } else { Flow::Next }
    }

    /// For a middleware that does not wrap: the response headers, HTTPS being the connection's.
    pub(crate) fn response(&self, resp: &mut Response, ctx: MwCtx) {
        if !self.wraps {
            self.modify(resp.headers_mut(), ctx.tls, None);
        }
    }

    /// Serves `req` through `next`, then sets the response headers from what the request was.
    pub(crate) async fn wrap(&self, req: Request, next: &mut Next<'_>) -> Response {
        let ssl = self.secure.is_ssl(&req, next.ctx().tls);
        let origin = req.headers().get(ORIGIN).cloned();
        let mut resp = next.run(req).await;
        self.modify(resp.headers_mut(), ssl, origin.as_ref());
        resp
    }

    fn modify(&self, out: &mut HeaderMap, ssl: bool, origin: Option<&HeaderValue>) {
        self.secure.response(out, ssl);
        apply(out, &self.response);
        if let Some(cors) = &self.cors {
            cors.response(out, origin);
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
mod tests;
