//! Binding entry point addresses: `:80`, `127.0.0.1:8000`, `[::]:8443`, `host:port/tcp`.

use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, ToSocketAddrs};

use socket2::{Domain, Protocol, Socket, Type};
use waygate_config::static_config::EntryPoint;

/// A bound TCP entry point.
#[derive(Debug)]
pub struct Bound {
    pub name: String,
    pub addr: SocketAddr,
    pub(crate) listener: std::net::TcpListener,
    pub(crate) config: EntryPoint,
}

/// Parses `[host]:port[/tcp|/udp]` into a socket address and whether it is UDP. An empty host
/// means every interface (dual-stack `[::]`).
pub fn parse_address(address: &str) -> io::Result<(SocketAddr, bool)> {
    let bad = |m: String| io::Error::new(io::ErrorKind::InvalidInput, m);
    let (hostport, udp) = match address.rsplit_once('/') {
        Some((a, p)) if p.eq_ignore_ascii_case("udp") => (a, true),
        Some((a, p)) if p.eq_ignore_ascii_case("tcp") => (a, false),
        Some(_) => return Err(bad(format!("`{address}`: protocol must be tcp or udp"))),
        None => (address, false),
    };
    let (host, port) = hostport
        .rsplit_once(':')
        .ok_or_else(|| bad(format!("`{address}`: expected [host]:port")))?;
    let port: u16 = port
        .parse()
        .map_err(|_| bad(format!("`{address}`: invalid port")))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Ok((
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port),
            udp,
        ));
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok((SocketAddr::new(ip, port), udp));
    }
    let addr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| bad(format!("`{address}`: `{host}` does not resolve")))?;
    Ok((addr, udp))
}

/// Binds an entry point's TCP listener (dual-stack for `[::]`, `SO_REUSEPORT` with
/// `reusePort`).
pub fn bind(name: &str, cfg: &EntryPoint) -> io::Result<Bound> {
    let (addr, udp) = parse_address(&cfg.address)?;
    if udp {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "a UDP entry point is bound by the udp module",
        ));
    }
    let listener = match listen(addr, cfg.reuse_port) {
        // No IPv6 on this host: fall back to IPv4 for the "all interfaces" address.
        Err(_) if addr.ip() == IpAddr::V6(Ipv6Addr::UNSPECIFIED) => listen(
            SocketAddr::new(IpAddr::from([0, 0, 0, 0]), addr.port()),
            cfg.reuse_port,
        )?,
        other => other?,
    };
    let addr = listener.local_addr()?;
    Ok(Bound {
        name: name.to_string(),
        addr,
        listener,
        config: cfg.clone(),
    })
}

fn listen(addr: SocketAddr, reuse_port: bool) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(false)?;
    }
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(4096)?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::parse_address;

    #[test]
    fn addresses() {
        assert_eq!(parse_address(":80").expect("ok").0.to_string(), "[::]:80");
        assert_eq!(
            parse_address("127.0.0.1:8000").expect("ok").0.to_string(),
            "127.0.0.1:8000"
        );
        assert_eq!(
            parse_address("[::1]:8443/tcp").expect("ok").0.to_string(),
            "[::1]:8443"
        );
        assert!(parse_address(":53/udp").expect("ok").1);
        assert!(parse_address("80").is_err());
        assert!(parse_address(":80/sctp").is_err());
    }
}
