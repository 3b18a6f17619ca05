//! Middlewares **around the service**: `circuitBreaker`, `retry` and `buffering` see what the
//! rest of the chain and the service answered, and may call them again. When the handler's
//! chain walk meets one ([`Flow::Wrap`]), it hands the rest of the walk to [`run`]: the
//! middleware gets a [`Next`] to call the rest of its router's chain (the middlewares after
//! it, then the service) as Traefik's handlers nest. Routers without these middlewares never
//! get here, so they pay nothing for them.

use std::sync::Arc;

use http::HeaderValue;

use super::{Flow, Held, Mw, MwCtx};
use crate::forwarded::ForwardedPolicy;
use crate::service::{RequestCtx, Service};
use crate::{Request, Response};

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

    /// Whether no middleware follows: [`Next::run`] is the service alone.
    pub(crate) fn is_last(&self) -> bool {
        self.from >= self.around.chain.len()
    }

    /// Sends a request a failed try handed back (`RequestCtx::unsent`, see `Tries`) again:
    /// to the service only, since the walk to it (`X-Forwarded-For` included) was done.
    pub(crate) async fn resend(&mut self, req: Request) -> Response {
        self.around.service.handle(req, &self.around.ctx).await
    }

    /// Serves `req` through the rest of the chain and the service: request phases in order,
    /// a wrapping middleware around the rest, response phases in reverse on the way back.
    /// Runs inside the wrapping middleware's future (no box of its own): only a second
    /// wrapping middleware further down the chain is boxed, as the recursion needs.
    /// (An `async` block rather than an `async fn`, which would keep a second copy of the
    /// request in the future.)
    #[allow(clippy::manual_async_fn)] // an `async fn` would keep the request twice
    pub fn run(&mut self, mut req: Request) -> impl Future<Output = Response> + Send + '_ {
        async move {
            let (around, from) = (self.around, self.from);
            let chain = around.chain;
            let back = |until: usize, mut resp: Response| {
                for mw in chain[from..until].iter().rev() {
                    mw.response(&mut resp, around.mw_ctx);
                }
                resp
            };
            let last = chain.len().wrapping_sub(1);
            // A `retry` last in the chain whose tries the service step runs itself.
            let mut tries = None;
            for (i, mw) in chain.iter().enumerate().skip(from) {
                if i == last {
                    tries = mw.service_tries(&req);
                    if tries.is_some() {
                        break;
                    }
                }
                let mut flow = mw.request(&mut req, around.mw_ctx);
                if let Flow::Wait(pending) = flow {
                    flow = pending.await;
                }
                // Before a wrapping middleware copies the request without its extensions.
                take_username(around, &mut req);
                match flow {
                    Flow::Next | Flow::Wait(_) => {}
                    Flow::Hold(slot) => self.held.push(slot),
                    Flow::Delay(wait) => Box::pin(tokio::time::sleep(wait)).await,
                    Flow::Respond(r) => return back(i, r),
                    Flow::Wrap => {
                        let mut next = Next {
                            around,
                            from: i + 1,
                            held: &mut *self.held,
                        };
                        return back(i, mw.wrap(req, &mut next).await);
                    }
                }
            }
            around
                .forwarded
                .append_client(req.headers_mut(), around.client_ip_value);
            let resp = loop {
                let resp = around.service.handle(req, &around.ctx).await;
                let again = tries.as_mut().and_then(|t| t.again(&resp, &around.ctx));
                let Some((again, wait)) = again else {
                    break resp;
                };
                if let Some(wait) = wait {
                    Box::pin(tokio::time::sleep(wait)).await;
                }
                req = again;
            };
            back(chain.len(), resp)
        }
    }
}

/// Runs `around.chain[from]`, a wrapping middleware whose request phase the handler has
/// run (it answered [`Flow::Wrap`]), around the rest of the chain and the service. The
/// middleware's future, with the rest of the walk ([`Next::run`]) inside it, is in a box
/// of its own size ([`Mw::wrap`]); this future holds the walk's state beside it, within
/// the room the handler's future has for the service's.
#[allow(clippy::manual_async_fn)] // an `async fn` would keep the request twice
pub(crate) fn run<'a>(
    around: Around<'a>,
    from: usize,
    req: Request,
    held: &'a mut Held,
) -> impl Future<Output = Response> + Send + 'a {
    async move {
        let mut next = Next {
            around: &around,
            from: from + 1,
            held,
        };
        around.chain[from].wrap(req, &mut next).await
    }
}

/// Moves `ClientUsername` into the access log's record (see `accesslog::username`).
fn take_username(around: &Around<'_>, req: &mut Request) {
    if let Some(cell) = &around.ctx.log {
        cell.take_username(req);
    }
}
