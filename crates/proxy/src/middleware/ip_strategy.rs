//! `ipStrategy` (Traefik `pkg/ip/strategy.go`): which IP a request comes from. No strategy, or
//! an empty one, means the connection's remote address; `depth` takes the Nth entry of
//! `X-Forwarded-For` counted from the right (an absent entry selects nothing); `excludedIPs`
//! takes the rightmost entry not in the list (ignored when `depth` is set); `ipv6Subnet`
//! reduces an IPv6 address to the first address of its subnet (remote address and `depth`
//! only, as in Traefik).
//!
//! `X-Forwarded-For` is read as the entry point left it: removed unless the client is a trusted
//! hop (`forwardedHeaders.trustedIPs`), several lines as one list (Traefik joins them first),
//! and without the remote address that is only appended when the request is forwarded (as
//! Traefik's proxy does).
//!
//! [`IpList`] is Traefik's `ip.Checker` (`sourceRange`, `excludedIPs`): IPs and CIDR ranges,
//! IPv4-mapped IPv6 addresses counted as the IPv4 address they carry, as in Go.

use std::net::{IpAddr, Ipv6Addr};

use http::HeaderMap;
use http::header::HeaderName;
use ipnet::{IpNet, Ipv4Net};
use waygate_config::dynamic::middleware::IpStrategy as Config;

use crate::forwarded::canonical;

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// A compiled `ipStrategy`.
#[derive(Debug)]
pub(crate) enum IpStrategy {
    Remote { subnet: Option<u8> },
    Depth { depth: usize, subnet: Option<u8> },
    Excluding(IpList),
}

/// What a strategy selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientIp<'r> {
    Ip(IpAddr),
    /// An `X-Forwarded-For` entry that is not an IP address, or nothing (empty: `depth`
    /// beyond the list, every entry excluded).
    Text(&'r [u8]),
}

/// IP addresses and CIDR ranges.
#[derive(Debug, Default)]
pub(crate) struct IpList {
    nets: Vec<IpNet>,
}

// === impl IpStrategy ===

impl IpStrategy {
    /// `None` (no `ipStrategy`) is the remote address.
    pub(crate) fn new(cfg: Option<&Config>) -> Result<Self, String> {
        let Some(cfg) = cfg else {
            return Ok(IpStrategy::Remote { subnet: None });
        };
        let subnet = || match cfg.ipv6_subnet {
            None => Ok(None),
            Some(n @ 1..=128) => Ok(Some(u8::try_from(n).unwrap_or(128))),
            Some(n) => Err(format!(
                "invalid IPv6 subnet {n} value, should be greater to 0 and lower or equal to 128"
            )),
        };
        if cfg.depth > 0 {
            let depth = usize::try_from(cfg.depth).unwrap_or(usize::MAX);
            return Ok(IpStrategy::Depth {
                depth,
                subnet: subnet()?,
            });
        }
        if !cfg.excluded_ips.is_empty() {
            return IpList::new(&cfg.excluded_ips).map(IpStrategy::Excluding);
        }
        Ok(IpStrategy::Remote { subnet: subnet()? })
    }

    /// The client IP of a request whose connection comes from `remote`.
    pub(crate) fn select<'r>(&self, headers: &'r HeaderMap, remote: IpAddr) -> ClientIp<'r> {
        match self {
            IpStrategy::Remote { subnet } => ClientIp::Ip(masked(canonical(remote), *subnet)),
            IpStrategy::Depth { depth, subnet } => {
                let Some(entry) = entries_from_right(headers).nth(depth - 1) else {
                    return ClientIp::Text(b"");
                };
                match parse_ip(trim(entry)) {
                    Some(ip) => ClientIp::Ip(masked(ip, *subnet)),
                    None => ClientIp::Text(trim(entry)),
                }
            }
            IpStrategy::Excluding(excluded) => {
                for entry in entries_from_right(headers) {
                    let entry = trim(entry);
                    if entry.is_empty() {
                        continue;
                    }
                    match parse_ip(entry) {
                        Some(ip) if excluded.contains(ip) => {}
                        Some(ip) => return ClientIp::Ip(ip),
                        None => return ClientIp::Text(entry),
                    }
                }
                ClientIp::Text(b"")
            }
        }
    }
}

/// The entries of `X-Forwarded-For`, right to left, over all its lines (as Go's
/// `strings.Split` of the joined header: an empty line is one empty entry).
fn entries_from_right(headers: &HeaderMap) -> impl Iterator<Item = &[u8]> {
    headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .rev()
        .flat_map(|v| v.as_bytes().rsplit(|b| *b == b','))
}

fn trim(b: &[u8]) -> &[u8] {
    b.trim_ascii()
}

/// The first address of `ip`'s IPv6 subnet of `prefix` bits; IPv4 unchanged.
fn masked(ip: IpAddr, prefix: Option<u8>) -> IpAddr {
    match (ip, prefix) {
        (IpAddr::V6(v6), Some(p)) => {
            let bits = u128::from(v6);
            let mask = u128::MAX.checked_shl(128 - u32::from(p)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & mask))
        }
        _ => ip,
    }
}

/// An address as Traefik's checker reads it: an IP, or `host:port` / `[host]:port` whose
/// host is one; an IPv6 zone (`%eth0`) is dropped.
pub(crate) fn parse_ip(raw: &[u8]) -> Option<IpAddr> {
    let s = std::str::from_utf8(raw).ok()?;
    let host = match s.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map(|(h, _)| h)?,
        None => match s.split_once(':') {
            // One colon: `host:port` (an IPv6 address has several).
            Some((h, port)) if !port.contains(':') => h,
            _ => s,
        },
    };
    let host = host.split_once('%').map_or(host, |(h, _)| h);
    host.parse::<IpAddr>().ok().map(canonical)
}

// === impl IpList ===

impl IpList {
    /// Traefik's `ip.NewChecker`: every entry an IP address or a CIDR range.
    pub(crate) fn new(entries: &[String]) -> Result<Self, String> {
        if entries.is_empty() {
            return Err("no IP address or CIDR range given".to_string());
        }
        let nets = entries
            .iter()
            .map(|e| {
                let e = e.trim();
                e.parse::<IpAddr>()
                    .map(|ip| IpNet::from(canonical(ip)))
                    .or_else(|_| e.parse::<IpNet>().map(|n| canonical_net(n.trunc())))
                    .map_err(|_| format!("`{e}` is not an IP address or CIDR range"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { nets })
    }

    /// Whether `ip` (canonical) is listed.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(&ip))
    }
}

/// A range inside `::ffff:0:0/96` as the IPv4 range it maps (Go matches IPv4 addresses in it).
fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, IpNet::V4),
            None => net,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests;
