//! `failover`: the main service while it is up, else the fallback. With `errors.status`, a
//! main response whose status is listed is discarded and the request replayed to the
//! fallback; the request body is buffered for that, up to `errors.maxRequestBodyBytes`
//! (413 beyond, as Traefik).
//!
//! The main service's health counts when it reports it (it has a health check); the
//! fallback's only when the failover itself has `healthCheck: {}`.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};

use super::{RequestCtx, Service};
use crate::rescue::{ProxyError, respond, text};
use crate::{Body, Request, Response};

#[derive(Debug)]
pub struct Failover {
    pub(crate) main: Arc<Service>,
    pub(crate) fallback: Arc<Service>,
    /// `healthCheck: {}`: the fallback's health is followed, and this service's reported.
    pub(crate) health: bool,
    /// `errors`: statuses that send the request to the fallback, and the body limit.
    pub(crate) errors: Option<(Vec<(u16, u16)>, i64)>,
}

// === impl Failover ===

impl Failover {
    pub(crate) fn main_up(&self) -> bool {
        !self.main.reports_health() || self.main.is_up()
    }

    pub(crate) fn fallback_up(&self) -> bool {
        !self.health || self.fallback.is_up()
    }

    pub(crate) fn is_up(&self) -> bool {
        self.main_up() || self.fallback_up()
    }

    pub(crate) async fn serve(&self, req: Request, ctx: &RequestCtx) -> Response {
        let req = match (&self.errors, self.main_up()) {
            (None, true) => return self.main.serve(req, ctx).await,
            (Some((ranges, max)), true) => {
                let (parts, body) = req.into_parts();
                let limit = usize::try_from(*max).unwrap_or(usize::MAX);
                let bytes: Bytes = match Limited::new(body, limit).collect().await {
                    Ok(c) => c.to_bytes(),
                    Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                        return text(
                            http::StatusCode::PAYLOAD_TOO_LARGE,
                            "Request body too large",
                        );
                    }
                    Err(_) => {
                        return respond(&ProxyError::BadRequest("request body could not be read"));
                    }
                };
                let mut first = Request::new(Body::full(bytes.clone()));
                *first.method_mut() = parts.method.clone();
                *first.uri_mut() = parts.uri.clone();
                *first.version_mut() = parts.version;
                *first.headers_mut() = parts.headers.clone();
                let resp = self.main.serve(first, ctx).await;
                let status = resp.status().as_u16();
                if !ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&status)) {
                    return resp;
                }
                Request::from_parts(parts, Body::full(bytes))
            }
            (_, false) => req,
        };
        if self.fallback_up() {
            self.fallback.serve(req, ctx).await
        } else {
            text(http::StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
        }
    }
}
