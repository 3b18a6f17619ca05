//! `errors` (Traefik's `customErrors`): when the rest of the chain and the service answer a
//! status of `status`, the client gets the page that `service` serves for a `GET` of
//! `query` instead, with the caught status (or the one `statusRewrites` maps it to), as
//! Traefik's code catcher and code modifier do:
//!
//! - the caught response's headers and body are dropped; the page's headers and body are
//!   sent with the enforced status (an informational 1xx is never caught);
//! - `query` gets `{status}` (the status sent), `{originalStatus}` (the caught one) and
//!   `{url}` (the original URL, query-escaped as Go's `url.QueryEscape`), behind a `/`;
//! - the page request is a `GET` with the original `Host` and the original headers (only
//!   those of `errorRequestHeaders` when set, none for `[]`), no body, and no
//!   `X-Forwarded-For` appended (Go's proxy appends none for a request without a remote
//!   address);
//! - when the error service itself fails, its error answer (`Bad Gateway`, `no available
//!   server`) is what the client gets, still with the enforced status.

mod page;

use std::sync::Arc;

use http::StatusCode;
use waygate_config::dynamic::middleware::{ErrorPage as Config, parse_status_ranges};

use self::page::PageRequest;
use super::around::Next;
use crate::service::Service;
use crate::{Request, Response};

/// A compiled `errors`.
#[derive(Debug)]
pub struct Errors {
    /// Inclusive ranges of caught statuses.
    status: Vec<(u16, u16)>,
    /// In `statusRewrites` order (by key): the first whose ranges hold the status wins.
    rewrites: Vec<(Vec<(u16, u16)>, StatusCode)>,
    service: Arc<Service>,
    query: String,
    /// `None`: every original header; else only these.
    request_headers: Option<Vec<http::HeaderName>>,
}

// === impl Errors ===

impl Errors {
    /// `service` is the compiled `errors.service`.
    pub fn new(cfg: &Config, service: Arc<Service>) -> Result<Self, String> {
        let mut status = Vec::new();
        for entry in &cfg.status {
            status.extend(parse_status_ranges(entry).map_err(|e| format!("status: {e}"))?);
        }
        let mut rewrites = Vec::new();
        for (from, to) in &cfg.status_rewrites {
            let ranges = parse_status_ranges(from).map_err(|e| format!("statusRewrites: {e}"))?;
            let to = u16::try_from(*to)
                .ok()
                .and_then(|c| StatusCode::from_u16(c).ok())
                .ok_or_else(|| format!("statusRewrites: {to} is not an HTTP status code"))?;
            rewrites.push((ranges, to));
        }
        // A name that is no header name matches no header, as in Go.
        let request_headers = cfg.error_request_headers.as_ref().map(|names| {
            names
                .iter()
                .filter_map(|n| http::HeaderName::try_from(n.trim()).ok())
                .collect()
        });
        Ok(Self {
            status,
            rewrites,
            service,
            query: cfg.query.clone(),
            request_headers,
        })
    }

    pub(super) async fn wrap(&self, req: Request, next: &mut Next<'_>) -> Response {
        // What the page request needs from the original, taken before it goes on.
        let page = PageRequest::capture(&req, next.ctx().tls, self.request_headers.as_deref());
        let resp = next.run(req).await;
        let caught = resp.status();
        if !self.catches(caught.as_u16()) {
            return resp;
        }
        // The caught body is not wanted: dropping it closes the upstream stream.
        drop(resp);
        let code = self.rewrite(caught);
        let (caught_code, sent) = (caught.as_u16(), code.as_u16());
        tracing::debug!(caught = caught_code, sent, "errors: serving the error page");
        let query = page.query(&self.query, code, caught);
        let Some(page_req) = page.request(&query) else {
            return page::status_page(code);
        };
        // A plain GET of the same client; the access log keeps the origin that answered
        // the caught status.
        let mut ctx = next.service_ctx().clone();
        ctx.authority = page.host().cloned();
        ctx.upgrade = false;
        ctx.drain = None;
        ctx.log = None;
        let mut resp = self.service.handle(page_req, &ctx).await;
        *resp.status_mut() = code;
        resp
    }

    fn catches(&self, code: u16) -> bool {
        code >= 200 && in_ranges(&self.status, code)
    }

    fn rewrite(&self, caught: StatusCode) -> StatusCode {
        self.rewrites
            .iter()
            .find(|(ranges, _)| in_ranges(ranges, caught.as_u16()))
            .map_or(caught, |(_, to)| *to)
    }
}

fn in_ranges(ranges: &[(u16, u16)], code: u16) -> bool {
    ranges
        .iter()
        .any(|(from, to)| (*from..=*to).contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(status: &[&str], rewrites: &[(&str, i64)]) -> Errors {
        let cfg = Config {
            status: status.iter().map(|s| s.to_string()).collect(),
            status_rewrites: rewrites.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            service: "s".into(),
            ..Config::default()
        };
        Errors::new(&cfg, Arc::new(Service::Noop)).expect("builds")
    }

    #[test]
    fn statuses_and_ranges_are_caught_never_1xx() {
        let e = errors(&["404", "500,502-504"], &[]);
        for code in [404, 500, 502, 503, 504] {
            assert!(e.catches(code), "{code}");
        }
        for code in [200, 403, 405, 501, 505] {
            assert!(!e.catches(code), "{code}");
        }
        let e = errors(&["100-599"], &[]);
        assert!(!e.catches(101) && e.catches(200));
    }

    #[test]
    fn rewrites_map_a_caught_status() {
        let e = errors(&["400-599"], &[("500-503", 502), ("404", 410)]);
        let code = |c: u16| e.rewrite(StatusCode::from_u16(c).expect("code")).as_u16();
        assert_eq!(code(404), 410);
        assert_eq!(code(501), 502);
        assert_eq!(code(504), 504);
        assert_eq!(code(400), 400);
    }

    #[test]
    fn malformed_entries_are_refused() {
        let bad = Config {
            status: vec!["5xx".into()],
            ..Config::default()
        };
        let e = Errors::new(&bad, Arc::new(Service::Noop)).expect_err("refused");
        assert!(e.starts_with("status:"), "{e}");
    }
}
