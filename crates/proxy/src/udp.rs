//! UDP routing (reference §1.2 `udp.timeout`, §3.5): `udp.routers` on UDP entry points
//! (`address: ":53/udp"`) and their `udp.services`.
//!
//! UDP has no connections, so, as Traefik does, the gateway makes **sessions**: the first
//! datagram from a client address opens one, bound to one server of the router's service
//! (picked then, by weighted round robin) through a socket of its own; later datagrams from
//! that address go the same way, and what the server sends back is relayed to the client from
//! the entry point's socket. A session ends after `entryPoints.<ep>.udp.timeout` (default 3 s)
//! without a datagram either way.
//!
//! - `bind`: binding UDP entry points (once, kept across reloads like TCP listeners).
//! - `compile`: per UDP entry point, the one router that serves it; statuses of every UDP
//!   item.
//! - `service`: picking a server of a (weighted) UDP service.
//! - `serve`: the entry point's receive loop and its session table, bounded in sessions and
//!   in bytes queued.
//! - `session`: one session's relay to and from its server.
//!
//! Which router serves is read from the table current when a session opens: a reload changes
//! where new sessions go, never the sessions already open.

mod bind;
mod compile;
mod serve;
mod service;
mod session;

use std::sync::Arc;

pub(crate) use self::bind::{BoundUdp, bind, is_udp};
pub(crate) use self::compile::compile;
pub(crate) use self::serve::serve;

/// The UDP router serving one entry point.
#[derive(Debug)]
pub(crate) struct UdpRoute {
    pub(crate) name: String,
    pub(crate) service_name: String,
    service: Arc<service::UdpService>,
}
