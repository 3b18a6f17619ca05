//! Binding a UDP entry point: `[host]:port/udp`, dual-stack for `[::]` (IPv4 only when the
//! host has no IPv6), `SO_REUSEPORT` with `reusePort`.

use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use waygate_config::static_config::EntryPoint;

use crate::entrypoint::parse_address;

/// A bound UDP entry point.
#[derive(Debug)]
pub(crate) struct BoundUdp {
    pub(crate) name: String,
    pub(crate) addr: SocketAddr,
    pub(crate) socket: std::net::UdpSocket,
    /// `udp.timeout`: how long a session lives without a datagram either way.
    pub(crate) timeout: Duration,
    /// `transport.lifeCycle.graceTimeOut`: how long sessions may finish at shutdown.
    pub(crate) grace: Duration,
}

/// Whether the entry point's address ends in `/udp`.
pub(crate) fn is_udp(cfg: &EntryPoint) -> bool {
    parse_address(&cfg.address).is_ok_and(|(_, udp)| udp)
}

/// Binds a UDP entry point's socket.
pub(crate) fn bind(name: &str, cfg: &EntryPoint) -> io::Result<BoundUdp> {
    let (addr, _) = parse_address(&cfg.address)?;
    let socket = match open(addr, cfg.reuse_port) {
        // No IPv6 on this host: fall back to IPv4 for the "all interfaces" address.
        Err(_) if addr.ip() == IpAddr::V6(Ipv6Addr::UNSPECIFIED) => open(
            SocketAddr::new(IpAddr::from([0, 0, 0, 0]), addr.port()),
            cfg.reuse_port,
        )?,
        other => other?,
    };
    // Validation refuses a zero timeout; a default keeps a session from living forever anyway.
    let timeout = cfg
        .udp
        .as_ref()
        .and_then(|u| u.timeout.to_std())
        .filter(|d| !d.is_zero())
        .unwrap_or(Duration::from_secs(3));
    Ok(BoundUdp {
        name: name.to_string(),
        addr: socket.local_addr()?,
        socket,
        timeout,
        grace: cfg
            .transport
            .life_cycle
            .grace_time_out
            .to_std()
            .unwrap_or_default(),
    })
}

fn open(addr: SocketAddr, reuse_port: bool) -> io::Result<std::net::UdpSocket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(false)?;
    }
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}
