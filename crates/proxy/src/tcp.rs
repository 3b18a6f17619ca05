//! TCP routing (reference §3.4): `tcp.routers` on the same entry points as HTTP, their
//! services, transports and middlewares.
//!
//! - `compile`: per entry point, the TCP routes in match order (Traefik's muxer: priority
//!   descending, `HostSNI(`*`)` alone at −1), split into non-TLS and TLS (passthrough or
//!   terminated) routes; statuses of every TCP item.
//! - `hello`: reading a ClientHello without consuming it (SNI and ALPN for the rules).
//! - `serve`: one routed connection: TLS termination, middlewares (`middleware`), a server
//!   of the service (`service`) dialled through its transport (`transport`), then the bytes
//!   copied both ways with half-close (`forward`).
//! - `health`: active health checks of TCP servers (`loadBalancer.healthCheck`).
//!
//! Which route takes a connection (Traefik's `Router.ServeTCP` order) is decided by the
//! entry point's dispatch (`entrypoint::dispatch`).

mod compile;
mod forward;
mod health;
pub(crate) mod hello;
mod middleware;
mod serve;
mod service;
mod transport;

use std::sync::Arc;

use waygate_rules::{TcpConn, TcpRule};

pub(crate) use self::compile::{TcpInput, compile};
pub(crate) use self::health::{TcpChecked, TcpHealth};
pub(crate) use self::serve::{ConnInfo, serve};

/// One entry point's TCP routes.
#[derive(Debug, Default)]
pub(crate) struct TcpRoutes {
    /// Routers without `tls`: plain TCP (their rules only use ``HostSNI(`*`)`` and
    /// `ClientIP`).
    pub(crate) plain: Vec<Arc<TcpRoute>>,
    /// Routers with `tls` (passthrough or terminated).
    pub(crate) tls: Vec<Arc<TcpRoute>>,
    /// An HTTPS router of this entry point has no `Host()` (it matches any SNI): it wins
    /// over TCP catch-all routes (Traefik's "HTTPS catch-all").
    pub(crate) https_catch_all: bool,
}

/// A TCP router on one entry point.
#[derive(Debug)]
pub(crate) struct TcpRoute {
    pub(crate) name: String,
    pub(crate) priority: i64,
    rule: TcpRule,
    /// The rule is exactly ``HostSNI(`*`)``.
    pub(crate) catch_all: bool,
    pub(crate) tls: RouteTls,
    chain: Vec<Arc<middleware::TcpMw>>,
    service: Arc<service::TcpService>,
}

/// How a TCP route treats TLS.
#[derive(Debug)]
pub(crate) enum RouteTls {
    /// A plain TCP route.
    None,
    /// The TLS bytes go to the server as they are.
    Passthrough,
    /// TLS ends here with the option's configuration; the server gets the plaintext.
    Terminate(Arc<rustls::ServerConfig>),
}

// === impl TcpRoutes ===

impl TcpRoutes {
    pub(crate) fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.tls.is_empty()
    }

    /// The first non-TLS route matching `conn`.
    pub(crate) fn match_plain(&self, conn: &TcpConn<'_>) -> Option<&Arc<TcpRoute>> {
        self.plain.iter().find(|r| r.rule.matches(conn))
    }

    /// The first TLS route matching `conn`.
    pub(crate) fn match_tls(&self, conn: &TcpConn<'_>) -> Option<&Arc<TcpRoute>> {
        self.tls.iter().find(|r| r.rule.matches(conn))
    }
}
