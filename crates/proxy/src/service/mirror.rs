//! `mirroring`: every request goes to the main service; a percentage is also copied to each
//! mirror (fire and forget). With `mirrorBody`, the body is buffered up to `maxBodySize` so it
//! can be sent twice; a larger body is not mirrored.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::BodyExt;

use super::{RequestCtx, Service};
use crate::{Body, Request, Response};

#[derive(Debug)]
pub struct Mirroring {
    pub(crate) main: Arc<Service>,
    /// Each mirror with its percentage and how many requests it has been sent.
    pub(crate) mirrors: Vec<(Arc<Service>, u32, AtomicU64)>,
    pub(crate) mirror_body: bool,
    pub(crate) max_body_size: i64,
    pub(crate) counter: AtomicU64,
    /// `healthCheck: {}`: the main service's health is reported up.
    pub(crate) health: bool,
}

// === impl Mirroring ===

impl Mirroring {
    pub(crate) fn main(&self) -> &Service {
        &self.main
    }

    pub(crate) async fn serve(&self, req: Request, ctx: &RequestCtx) -> Response {
        let total = self.counter.fetch_add(1, Ordering::Relaxed) + 1;
        // Even spread: a mirror gets the request while it has had less than its share.
        let chosen: Vec<Arc<Service>> = self
            .mirrors
            .iter()
            .filter(|(_, p, sent)| {
                let due = sent.load(Ordering::Relaxed) * 100 < total * u64::from(*p);
                if due {
                    sent.fetch_add(1, Ordering::Relaxed);
                }
                due
            })
            .map(|(s, _, _)| s.clone())
            .collect();
        if chosen.is_empty() {
            return self.main.serve(req, ctx).await;
        }
        if !self.mirror_body {
            for mirror in chosen {
                spawn_copy(mirror, &req, Body::Empty, ctx);
            }
            return self.main.serve(req, ctx).await;
        }
        // The body must be sent twice: buffer it, but only when its size is known to fit.
        let limit = u64::try_from(self.max_body_size).ok();
        let fits = match (limit, http_body::Body::size_hint(req.body()).exact()) {
            (None, _) => true,
            (Some(l), Some(len)) => len <= l,
            (Some(_), None) => false,
        };
        if !fits {
            return self.main.serve(req, ctx).await;
        }
        let (parts, body) = req.into_parts();
        let Ok(collected) = body.collect().await else {
            return crate::rescue::respond(&crate::rescue::ProxyError::BadRequest(
                "request body could not be read",
            ));
        };
        let bytes: Bytes = collected.to_bytes();
        let req = Request::from_parts(parts, Body::full(bytes.clone()));
        for mirror in chosen {
            spawn_copy(mirror, &req, Body::full(bytes.clone()), ctx);
        }
        self.main.serve(req, ctx).await
    }
}

/// Sends a copy of `req` (with `body`) to `mirror`; the response is discarded.
fn spawn_copy(mirror: Arc<Service>, req: &Request, body: Body, ctx: &RequestCtx) {
    let mut copy = Request::new(body);
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.headers_mut() = req.headers().clone();
    let ctx = RequestCtx {
        upgrade: false,
        // A mirrored copy is not what the client got: it stays out of the access log.
        log: None,
        ..ctx.clone()
    };
    tokio::spawn(async move {
        let _ = mirror.serve(copy, &ctx).await;
    });
}
