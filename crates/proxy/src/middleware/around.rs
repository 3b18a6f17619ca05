//! Middlewares **around the service**: `circuitBreaker`, `retry` and `buffering` see what the
//! rest of the chain and the service answered, and may call them again. When the handler's
//! chain walk meets one ([`Flow::Wrap`]), it hands the rest of the walk to [`run`]: the
//! middleware gets a [`Next`] to call the rest of its router's chain (the middlewares after
//! it, then the service) as Traefik's handlers nest. Routers without these middlewares never
//! get here, so they pay nothing for them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::HeaderValue;

use super::{Flow, Held, Mw, MwCtx};
use crate::forwarded::ForwardedPolicy;
use crate::service::{RequestCtx, Service};
use crate::{Request, Response};

type BoxFuture<'a> = Pin<Box<dyn Future<Output = Response> + Send + 'a>>;

/// What the rest of a router's walk needs.
pub(crate) struct Around<'a> {
    pub(crate) chain: &'a [Arc<Mw>],
    pub(crate) service: &'a Service,
    pub(crate) mw_ctx: MwCtx,
    pub(crate) ctx: RequestCtx,
    /// Appends the client to `X-Forwarded-For` just before the service, as Traefik's proxy.
    pub(crate) forwarded: &'a ForwardedPolicy,
    pub(crate) client_ip_value: &'a HeaderValue,
}

/// The rest of the router's chain after a wrapping middleware, and the service.
pub struct Next<'a> {
    around: &'a Around<'a>,
    from: usize,
    held: &'a mut Held,
}

// === impl Next ===

impl Next<'_> {
    /// What middlewares know about the connection.
    pub fn ctx(&self) -> MwCtx {
        self.around.mw_ctx
    }

    /// What the service stage knows about the request (for a middleware that calls
    /// another service: `errors`).
    pub(crate) fn service_ctx(&self) -> &RequestCtx {
        &self.around.ctx
    }

    /// Serves `req` through the rest of the chain and the service.
    pub fn run(&mut self, req: Request) -> BoxFuture<'_> {
        walk(self.around, self.from, req, self.held)
    }
}

/// Runs `around.chain[from..]` (`from` being a wrapping middleware) and the service.
pub(crate) fn run<'a>(
    around: Around<'a>,
    from: usize,
    req: Request,
    held: &'a mut Held,
) -> BoxFuture<'a> {
    Box::pin(async move { walk(&around, from, req, held).await })
}

/// The handler's chain walk from `from`: request phases in order, a wrapping middleware
/// around the rest, response phases in reverse on the way back. The wrapping middleware's
/// future and the service's are boxed apart, each at its own size: the walk's own future
/// stays small (a future is copied whole when boxed, whatever state it is in).
fn walk<'a>(
    around: &'a Around<'a>,
    from: usize,
    mut req: Request,
    held: &'a mut Held,
) -> BoxFuture<'a> {
    Box::pin(async move {
        let chain = around.chain;
        let back = |until: usize, mut resp: Response| {
            for mw in chain[from..until].iter().rev() {
                mw.response(&mut resp, around.mw_ctx);
            }
            resp
        };
        for (i, mw) in chain.iter().enumerate().skip(from) {
            let mut flow = mw.request(&mut req, around.mw_ctx);
            if let Flow::Wait(pending) = flow {
                flow = pending.await;
            }
            // Before a wrapping middleware copies the request without its extensions.
            take_username(around, &mut req);
            match flow {
                Flow::Next | Flow::Wait(_) => {}
                Flow::Hold(slot) => held.push(slot),
                Flow::Delay(wait) => tokio::time::sleep(wait).await,
                Flow::Respond(r) => return back(i, r),
                Flow::Wrap => {
                    let mut next = Next {
                        around,
                        from: i + 1,
                        held,
                    };
                    let r = Box::pin(mw.wrap(req, &mut next)).await;
                    return back(i, r);
                }
            }
        }
        around
            .forwarded
            .append_client(req.headers_mut(), around.client_ip_value);
        let resp = Box::pin(around.service.handle(req, &around.ctx)).await;
        back(chain.len(), resp)
    })
}

/// Moves `ClientUsername` into the access log's record (see `accesslog::username`).
fn take_username(around: &Around<'_>, req: &mut Request) {
    if let Some(cell) = &around.ctx.log {
        cell.take_username(req);
    }
}
