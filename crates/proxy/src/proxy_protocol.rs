//! The PROXY protocol (HAProxy's `proxy-protocol.txt`, versions 1 and 2): reading the header
//! a load balancer in front sends before the client's bytes (entry points'
//! `proxyProtocol`), and writing one to backends (`tcp.serversTransports.*.proxyProtocol`).
//!
//! The parser works on the bytes received so far and never panics: it says whether they
//! start with a complete header (and how long it is), cannot be one, or need more bytes.
//! Headers are bounded: a v1 line is at most 107 bytes, a v2 header at most 16 + 65535.

use std::net::{IpAddr, SocketAddr};

/// The 12-byte signature that opens a v2 header.
const V2_SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// What opens a v1 header.
const V1_PREFIX: &[u8] = b"PROXY ";
/// The longest v1 line, CRLF included.
const V1_MAX: usize = 107;

/// What the bytes received so far are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A prefix of a header: read more.
    Incomplete,
    /// Not a PROXY header: the connection's bytes start with the client's own.
    NotProxy,
    /// A complete header of `len` bytes; `source` is the original client (`None` for
    /// `UNKNOWN`, `LOCAL` or non-IP families).
    Header {
        len: usize,
        source: Option<SocketAddr>,
    },
}

/// A header that is malformed: the connection is closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid PROXY protocol header: {0}")]
pub(crate) struct Invalid(&'static str);

/// Parses the start of a connection's bytes.
pub(crate) fn parse(buf: &[u8]) -> Result<Parsed, Invalid> {
    if buf.is_empty() {
        return Ok(Parsed::Incomplete);
    }
    let prefix_of = |sig: &[u8]| {
        let n = buf.len().min(sig.len());
        buf[..n] == sig[..n]
    };
    if prefix_of(V1_PREFIX) {
        return if buf.len() < V1_PREFIX.len() {
            Ok(Parsed::Incomplete)
        } else {
            parse_v1(buf)
        };
    }
    if prefix_of(V2_SIGNATURE) {
        return if buf.len() < 16 {
            Ok(Parsed::Incomplete)
        } else {
            parse_v2(buf)
        };
    }
    Ok(Parsed::NotProxy)
}

fn parse_v1(buf: &[u8]) -> Result<Parsed, Invalid> {
    let window = &buf[..buf.len().min(V1_MAX)];
    let Some(end) = window.windows(2).position(|w| w == b"\r\n") else {
        return if buf.len() >= V1_MAX {
            Err(Invalid("v1 line longer than 107 bytes"))
        } else {
            Ok(Parsed::Incomplete)
        };
    };
    let line = std::str::from_utf8(&buf[V1_PREFIX.len()..end]).map_err(|_| Invalid("not ASCII"))?;
    let mut fields = line.split(' ');
    let family = fields.next().unwrap_or("");
    let len = end + 2;
    if family == "UNKNOWN" {
        return Ok(Parsed::Header { len, source: None });
    }
    let (src, dst, sport, dport) = match (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) {
        (Some(a), Some(b), Some(c), Some(d), None) => (a, b, c, d),
        _ => return Err(Invalid("v1 line needs 4 address fields")),
    };
    let ip = |s: &str| -> Result<IpAddr, Invalid> {
        let ip: IpAddr = s.parse().map_err(|_| Invalid("v1 address"))?;
        match (family, ip) {
            ("TCP4", IpAddr::V4(_)) | ("TCP6", IpAddr::V6(_)) => Ok(ip),
            ("TCP4" | "TCP6", _) => Err(Invalid("v1 address of the wrong family")),
            _ => Err(Invalid("v1 family is not TCP4, TCP6 or UNKNOWN")),
        }
    };
    let port = |s: &str| -> Result<u16, Invalid> {
        // Decimal without sign or leading zero, as the specification writes it.
        if s.is_empty()
            || (s.len() > 1 && s.starts_with('0'))
            || !s.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Invalid("v1 port"));
        }
        s.parse().map_err(|_| Invalid("v1 port"))
    };
    let source = SocketAddr::new(ip(src)?, port(sport)?);
    ip(dst)?;
    port(dport)?;
    Ok(Parsed::Header {
        len,
        source: Some(source),
    })
}

fn parse_v2(buf: &[u8]) -> Result<Parsed, Invalid> {
    let ver_cmd = buf[12];
    let family = buf[13];
    let body = usize::from(u16::from_be_bytes([buf[14], buf[15]]));
    if ver_cmd >> 4 != 2 {
        return Err(Invalid("v2 version is not 2"));
    }
    let len = 16 + body;
    if buf.len() < len {
        return Ok(Parsed::Incomplete);
    }
    let addr = &buf[16..len];
    let source = match ver_cmd & 0x0f {
        // LOCAL: a health check of the proxy itself; the connection's own address holds.
        0 => None,
        1 => match family >> 4 {
            1 if addr.len() >= 12 => {
                let ip: [u8; 4] = [addr[0], addr[1], addr[2], addr[3]];
                Some(SocketAddr::new(
                    IpAddr::from(ip),
                    u16::from_be_bytes([addr[8], addr[9]]),
                ))
            }
            2 if addr.len() >= 36 => {
                let mut ip = [0u8; 16];
                ip.copy_from_slice(&addr[..16]);
                Some(SocketAddr::new(
                    IpAddr::from(ip),
                    u16::from_be_bytes([addr[32], addr[33]]),
                ))
            }
            1 | 2 => return Err(Invalid("v2 address block too short")),
            // AF_UNSPEC, AF_UNIX: no IP address to use.
            _ => None,
        },
        _ => return Err(Invalid("v2 command is neither LOCAL nor PROXY")),
    };
    Ok(Parsed::Header { len, source })
}

/// The header announcing a connection from `source` to `destination`, in `version` 1 or 2
/// (anything else is 2). Mixed families are written as IPv6 (IPv4-mapped).
pub(crate) fn encode(version: u8, source: SocketAddr, destination: SocketAddr) -> Vec<u8> {
    let (src, dst) = match (source.ip(), destination.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => (IpAddr::V4(s), IpAddr::V4(d)),
        (s, d) => (IpAddr::V6(to_v6(s)), IpAddr::V6(to_v6(d))),
    };
    if version == 1 {
        let family = if src.is_ipv4() { "TCP4" } else { "TCP6" };
        return format!(
            "PROXY {family} {src} {dst} {} {}\r\n",
            source.port(),
            destination.port()
        )
        .into_bytes();
    }
    let mut out = Vec::with_capacity(16 + 36);
    out.extend_from_slice(V2_SIGNATURE);
    out.push(0x21);
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            out.push(0x11);
            out.extend_from_slice(&12u16.to_be_bytes());
            out.extend_from_slice(&s.octets());
            out.extend_from_slice(&d.octets());
        }
        (s, d) => {
            out.push(0x21);
            out.extend_from_slice(&36u16.to_be_bytes());
            out.extend_from_slice(&to_v6(s).octets());
            out.extend_from_slice(&to_v6(d).octets());
        }
    }
    out.extend_from_slice(&source.port().to_be_bytes());
    out.extend_from_slice(&destination.port().to_be_bytes());
    out
}

fn to_v6(ip: IpAddr) -> std::net::Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

#[cfg(test)]
mod tests;
