//! The **service** stage (reference §3.2): where a routed request goes. A service is built once
//! per table and shared by every router that names it.

mod api;
mod failover;
mod forward;
mod grpc_health;
pub mod health;
pub(crate) mod lb;
mod mirror;
mod tunnel;
mod weighted;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::rescue::{ProxyError, respond};
use crate::{Request, Response};

pub use self::api::ApiSource;
pub use self::failover::Failover;
pub use self::forward::RequestCtx;
pub(crate) use self::lb::{LeastTime, P2c, Passive, Sticky, Strategy, member_name};
pub use self::lb::{LoadBalancer, Target};
pub use self::mirror::Mirroring;
pub use self::weighted::{Hrw, Weighted};

/// A compiled service.
#[derive(Debug)]
pub enum Service {
    LoadBalancer(LoadBalancer),
    Weighted(Weighted),
    /// `highestRandomWeight`.
    Hrw(Hrw),
    Mirroring(Mirroring),
    Failover(Failover),
    /// `noop@internal`: routers whose middlewares always answer (redirects).
    Noop,
    /// `ping@internal`: 200 `OK`, or the terminating status once shutdown has begun.
    Ping(Arc<PingState>),
    /// `acme-http@internal`: answers ACME HTTP-01 validation requests.
    AcmeHttp(Arc<crate::acme::AcmeChallenges>),
    /// `api@internal`: Traefik's REST API (and the dashboard's redirects).
    Api(Arc<ApiSource>),
    /// `dashboard@internal`: the dashboard on insecure mode's catch-all router.
    Dashboard(Arc<ApiSource>),
    /// `prometheus@internal`: the metrics in Prometheus' text format.
    Prometheus(Arc<crate::metrics::Prometheus>),
}

/// What `ping@internal` answers.
#[derive(Debug)]
pub struct PingState {
    /// Set when shutdown begins.
    pub terminating: Arc<std::sync::atomic::AtomicBool>,
    pub terminating_status: http::StatusCode,
}

type BoxFuture<'a> = Pin<Box<dyn Future<Output = Response> + Send + 'a>>;

/// [`Service::handle`]'s body, written out in the caller's own future: a plain load balancer
/// (wrr, no sticky cookie, no passive check) forwards from there, one future level less
/// than awaiting `handle` (whose bytes were copied into its `.await` every request). The
/// router's service stage uses it (`handler.rs`); `handle` is this for everyone else.
macro_rules! handle_inline {
    ($service:expr, $req:expr, $ctx:expr) => {
        match $service.plain_target() {
            Some((lb, Ok(target))) => {
                let sent = $crate::service::forward_plain(lb, target, $req, $ctx).await;
                lb.answer(target, sent)
            }
            Some((_, Err(e))) => $crate::rescue::respond(&e),
            None => $service.handle_other($req, $ctx).await,
        }
    };
}
pub(crate) use handle_inline;

/// Forwards to the server [`Service::plain_target`] gave; the caller awaits this future
/// itself and answers with [`LoadBalancer::answer`].
pub(crate) fn forward_plain<'a>(
    lb: &'a LoadBalancer,
    target: &'a Target,
    req: Request,
    ctx: &'a RequestCtx,
) -> impl Future<Output = Result<Response, ProxyError>> + Send + 'a {
    forward::forward(req, target, lb.pass_host_header, ctx)
}

// === impl Service ===

impl Service {
    /// Serves the request. A load balancer (the common case) is served without boxing a
    /// future; composite services recurse through [`Service::serve`].
    pub async fn handle(&self, req: Request, ctx: &RequestCtx) -> Response {
        handle_inline!(self, req, ctx)
    }

    /// [`Service::handle`] for all but a plain load balancer ([`handle_inline`]).
    pub(crate) async fn handle_other(&self, req: Request, ctx: &RequestCtx) -> Response {
        match self {
            Service::LoadBalancer(lb) => lb.serve(req, ctx).await.unwrap_or_else(|e| respond(&e)),
            other => other.serve(req, ctx).await,
        }
    }

    /// The common case's server ([`LoadBalancer::plain_pick`]), for [`handle_inline`].
    pub(crate) fn plain_target(&self) -> Option<(&LoadBalancer, Result<&Target, ProxyError>)> {
        match self {
            Service::LoadBalancer(lb) => lb.plain_pick().map(|t| (lb, t)),
            _ => None,
        }
    }

    /// Serves the request; errors become responses here.
    pub fn serve<'a>(&'a self, req: Request, ctx: &'a RequestCtx) -> BoxFuture<'a> {
        Box::pin(async move {
            match self {
                Service::LoadBalancer(lb) => match lb.serve(req, ctx).await {
                    Ok(resp) => resp,
                    Err(e) => respond(&e),
                },
                Service::Weighted(w) => w.serve(req, ctx).await,
                Service::Hrw(h) => h.serve(req, ctx).await,
                Service::Mirroring(m) => m.serve(req, ctx).await,
                Service::Failover(f) => f.serve(req, ctx).await,
                Service::Noop => respond(&ProxyError::NoRoute),
                Service::AcmeHttp(c) => c.serve_http(&req),
                Service::Api(api) => api.serve_api(&req),
                Service::Dashboard(api) => api.serve_dashboard(&req, ctx),
                Service::Prometheus(m) => m.serve(),
                Service::Ping(p) => {
                    if p.terminating.load(std::sync::atomic::Ordering::Relaxed) {
                        crate::rescue::text(p.terminating_status, "Service Unavailable")
                    } else {
                        crate::rescue::text(http::StatusCode::OK, "OK")
                    }
                }
            }
        })
    }

    /// Whether at least one server behind this service is healthy, as far as this service
    /// follows its children's health (see [`Service::reports_health`]).
    pub fn is_up(&self) -> bool {
        match self {
            Service::LoadBalancer(lb) => lb.is_up(),
            Service::Weighted(w) => w.is_up(),
            Service::Hrw(h) => h.is_up(),
            Service::Mirroring(m) => m.main().is_up(),
            Service::Failover(f) => f.is_up(),
            Service::Noop
            | Service::Ping(_)
            | Service::AcmeHttp(_)
            | Service::Api(_)
            | Service::Dashboard(_)
            | Service::Prometheus(_) => true,
        }
    }

    /// Whether this service reports its health to a parent with `healthCheck: {}`: a load
    /// balancer with an active `healthCheck`, a composite service with `healthCheck: {}`
    /// (Traefik's status updaters; parents of other services are refused).
    pub fn reports_health(&self) -> bool {
        match self {
            Service::LoadBalancer(lb) => lb.checked,
            Service::Weighted(w) => w.health,
            Service::Hrw(h) => h.health,
            Service::Mirroring(m) => m.health && m.main().reports_health(),
            Service::Failover(f) => f.health,
            Service::Noop
            | Service::Ping(_)
            | Service::AcmeHttp(_)
            | Service::Api(_)
            | Service::Dashboard(_)
            | Service::Prometheus(_) => false,
        }
    }
}
