//! `loadBalancer`: one server per request, by the service's `strategy` (`wrr`, `p2c`, `hrw`,
//! `leasttime`), after its sticky cookie if any; servers whose active or passive health check
//! failed are skipped.

mod hrw;
mod leasttime;
mod p2c;
mod passive;
mod smooth;
mod sticky;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use http::uri::{Authority, Scheme};
use tracing::{debug, error};

use super::forward::{self, RequestCtx};
use crate::rescue::{ProxyError, respond};
use crate::upstream::Pool;
use crate::{Request, Response};

pub(crate) use self::hrw::{client_key as hrw_key, pick as hrw_pick};
pub(crate) use self::leasttime::LeastTime;
pub(crate) use self::p2c::P2c;
pub(crate) use self::passive::Passive;
pub(crate) use self::smooth::Smooth;
pub(crate) use self::sticky::{Sticky, member_name};

/// One backend server.
#[derive(Debug)]
pub struct Target {
    /// Shared with the health registry, the table's server list and the access log's
    /// `ServiceURL` (10,000 servers: one string, not four, per server).
    pub url: Arc<str>,
    pub scheme: Scheme,
    pub authority: Authority,
    /// Path prefix joined before the request path (`preservePath`); empty otherwise.
    pub base_path: String,
    pub h2c: bool,
    pub weight: i64,
    /// Health as seen by the active health check; shared with the checker and kept across
    /// reloads for an unchanged service.
    pub up: Arc<AtomicBool>,
    /// This server's connections.
    pub pool: Arc<Pool>,
    pub response_header_timeout: Option<std::time::Duration>,
    /// Requests in flight (counted for `p2c` and `leasttime` only).
    pub inflight: AtomicUsize,
    /// `ServiceAddr` (`authority`) as the access log holds it: made once here, cloned by
    /// each logged request (`ServiceURL` is `url`).
    pub(crate) log_addr: Arc<str>,
}

#[derive(Debug)]
pub struct LoadBalancer {
    /// Shared with the health registry and the table's server list.
    pub(crate) name: Arc<str>,
    pub(crate) targets: Vec<Target>,
    pub(crate) pass_host_header: bool,
    /// Weighted round robin state (`strategy: wrr`).
    pub(crate) state: Smooth,
    pub(crate) strategy: Strategy,
    /// Boxed, as the rare strategies: most load balancers have neither, and the service
    /// held them in place (10,000 services: ~300 bytes each, ~3 MiB per table).
    pub(crate) sticky: Option<Box<Sticky>>,
    pub(crate) passive: Option<Box<Passive>>,
    /// Has an active `healthCheck`: its health is reported to parent services.
    pub(crate) checked: bool,
}

/// How the next server is chosen.
#[derive(Debug)]
pub(crate) enum Strategy {
    Wrr,
    P2c(P2c),
    Hrw,
    LeastTime(Box<LeastTime>),
}

/// Counts a request in flight while alive.
struct InFlight<'a>(&'a AtomicUsize);

// === impl LoadBalancer ===

impl LoadBalancer {
    pub(crate) fn new(name: Arc<str>, targets: Vec<Target>, pass_host_header: bool) -> Self {
        Self {
            name,
            targets,
            pass_host_header,
            state: Smooth::default(),
            strategy: Strategy::Wrr,
            sticky: None,
            passive: None,
            checked: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Traefik's name of the strategy.
    pub fn strategy(&self) -> &'static str {
        match self.strategy {
            Strategy::Wrr => "wrr",
            Strategy::P2c(_) => "p2c",
            Strategy::Hrw => "hrw",
            Strategy::LeastTime(_) => "leasttime",
        }
    }

    /// Whether server `i` can take requests: up, and weighted unless the strategy ignores
    /// weights (`p2c`, as Traefik).
    fn eligible(&self, i: usize) -> bool {
        let t = &self.targets[i];
        t.up.load(Ordering::Relaxed) && (t.weight > 0 || matches!(self.strategy, Strategy::P2c(_)))
    }

    pub fn is_up(&self) -> bool {
        (0..self.targets.len()).any(|i| self.eligible(i))
    }

    pub(crate) fn pick(&self, ctx: &RequestCtx) -> Option<usize> {
        let t = &self.targets;
        let up = |i: usize| t[i].up.load(Ordering::Relaxed);
        let inflight = |i: usize| t[i].inflight.load(Ordering::Relaxed);
        match &self.strategy {
            Strategy::Wrr => self.state.pick(t.len(), |i| t[i].weight, up),
            Strategy::P2c(p) => p.pick(t.len(), up, inflight),
            Strategy::Hrw => {
                let mut buf = [0; 64];
                let key = hrw_key(ctx.client_ip, &mut buf);
                hrw_pick(key, t.len(), |i| &*t[i].url, |i| t[i].weight, up)
            }
            Strategy::LeastTime(l) => l.pick(t.len(), |i| t[i].weight, up, inflight),
        }
    }

    pub(crate) async fn serve(
        &self,
        req: Request,
        ctx: &RequestCtx,
    ) -> Result<Response, ProxyError> {
        match self.plain_pick() {
            Some(Ok(target)) => forward::forward(req, target, self.pass_host_header, ctx)
                .await
                .inspect_err(|e| self.log_failure(target, e)),
            Some(Err(e)) => Err(e),
            // Boxed, so that this future, moved with every request's, stays small.
            None => Box::pin(self.serve_with_options(req, ctx)).await,
        }
    }

    /// The common case (wrr, no sticky cookie, no passive check): the server picked with no
    /// future around it, so that the caller forwards from its own (a future level less, whose
    /// bytes were copied into its `.await` every request).
    /// `None`: the other strategies and options ([`Self::serve`]).
    pub(crate) fn plain_pick(&self) -> Option<Result<&Target, ProxyError>> {
        if !matches!(self.strategy, Strategy::Wrr)
            || self.sticky.is_some()
            || self.passive.is_some()
        {
            return None;
        }
        let t = &self.targets;
        let i = self.state.pick(
            t.len(),
            |i| t[i].weight,
            |i| t[i].up.load(Ordering::Relaxed),
        );
        Some(i.map(|i| &t[i]).ok_or(ProxyError::NoServer))
    }

    /// The response to a plain forward: a failure is logged against its server and answered.
    pub(crate) fn answer(&self, target: &Target, sent: Result<Response, ProxyError>) -> Response {
        sent.unwrap_or_else(|e| {
            self.log_failure(target, &e);
            respond(&e)
        })
    }

    /// Strategies other than wrr, sticky cookies, passive health checks.
    async fn serve_with_options(
        &self,
        req: Request,
        ctx: &RequestCtx,
    ) -> Result<Response, ProxyError> {
        let Some(sticky) = &self.sticky else {
            let i = self.pick(ctx).ok_or(ProxyError::NoServer)?;
            return self.forward_to(i, req, ctx).await;
        };
        let stuck = sticky
            .lookup(req.headers())
            .filter(|&(i, _)| self.eligible(i));
        let (i, write) = match stuck {
            Some(hit) => hit,
            None => (self.pick(ctx).ok_or(ProxyError::NoServer)?, true),
        };
        let mut resp = self
            .forward_to(i, req, ctx)
            .await
            .unwrap_or_else(|e| respond(&e));
        if write {
            sticky.stick(&mut resp, i);
        }
        Ok(resp)
    }

    async fn forward_to(
        &self,
        i: usize,
        req: Request,
        ctx: &RequestCtx,
    ) -> Result<Response, ProxyError> {
        let target = &self.targets[i];
        let pass_host = self.pass_host_header;
        let result = match &self.strategy {
            Strategy::Wrr | Strategy::Hrw => forward::forward(req, target, pass_host, ctx).await,
            Strategy::P2c(_) => {
                let _inflight = InFlight::enter(&target.inflight);
                forward::forward(req, target, pass_host, ctx).await
            }
            Strategy::LeastTime(l) => {
                let _inflight = InFlight::enter(&target.inflight);
                let start = Instant::now();
                let result = forward::forward(req, target, pass_host, ctx).await;
                if result.is_ok() {
                    l.record(i, start.elapsed());
                }
                result
            }
        };
        if let Some(p) = &self.passive {
            let failed = match &result {
                Ok(resp) => resp.status().is_server_error(),
                Err(e) => e.is_upstream(),
            };
            p.record(i, failed, &target.up, &self.name, &target.url);
        }
        result.inspect_err(|e| self.log_failure(target, e))
    }

    /// The line Traefik's proxy error handler writes: a refused backend certificate at error
    /// level (it needs fixing), other upstream failures at debug (they come and go).
    pub(crate) fn log_failure(&self, target: &Target, e: &ProxyError) {
        let status = e.status();
        let (service, server) = (&self.name, &target.url);
        match e {
            ProxyError::UpstreamTls(_) => {
                error!(%service, %server, error = %e, "{status}");
            }
            _ if e.is_upstream() => debug!(%service, %server, error = %e, "{status}"),
            _ => {}
        }
    }
}

// === impl InFlight ===

impl<'a> InFlight<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
