//! Checks of single values shared by static and dynamic validation: URLs, addresses, IPs,
//! status codes and ranges.

use crate::issue::IssueKind;

use super::Scope;

/// `[host]:port[/tcp|/udp]`.
pub(crate) fn entry_point_address(addr: &str) -> Result<(), String> {
    let (hostport, proto) = addr.rsplit_once('/').map_or((addr, "tcp"), |(a, p)| (a, p));
    if !proto.eq_ignore_ascii_case("tcp") && !proto.eq_ignore_ascii_case("udp") {
        return Err(format!(
            "`{addr}`: protocol must be tcp or udp, found `{proto}`"
        ));
    }
    let (host, port) = hostport
        .rsplit_once(':')
        .ok_or_else(|| format!("`{addr}`: expected [host]:port, e.g. `:80`"))?;
    if port.parse::<u16>().is_err() {
        return Err(format!("`{addr}`: `{port}` is not a port number"));
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.contains(char::is_whitespace) {
        return Err(format!("`{addr}`: invalid host `{host}`"));
    }
    Ok(())
}

/// An absolute URL with one of `schemes` and a host.
pub(crate) fn absolute_url(value: &str, schemes: &[&str], key: &str, s: &mut Scope<'_>) {
    if let Err(msg) = check_url(value, schemes) {
        s.error(key, IssueKind::InvalidValue, msg);
    }
}

/// Checks that `value` is an absolute URL with one of `schemes`, a host, and a valid port if
/// any (IPv6 hosts in brackets).
pub(crate) fn check_url(value: &str, schemes: &[&str]) -> Result<(), String> {
    if value.contains(char::is_whitespace) {
        return Err(format!("`{value}` contains whitespace"));
    }
    let Some((scheme, rest)) = value.split_once("://") else {
        return Err(format!(
            "`{value}` is not an absolute URL (expected {}://host[:port])",
            schemes.first().copied().unwrap_or("http")
        ));
    };
    if !schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme)) {
        return Err(format!(
            "`{value}`: scheme `{scheme}` is not one of {}",
            schemes.join(", ")
        ));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (ip, after) = v6
            .split_once(']')
            .ok_or_else(|| format!("`{value}`: unclosed `[` in host"))?;
        if ip.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("`{value}`: `{ip}` is not an IPv6 address"));
        }
        match after {
            "" => (ip, None),
            p => (
                ip,
                Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| format!("`{value}`: unexpected text after `]`"))?,
                ),
            ),
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(format!("`{value}` has no host"));
    }
    if let Some(p) = port.filter(|p| !p.is_empty() && p.parse::<u16>().is_err()) {
        return Err(format!("`{value}`: `{p}` is not a port number"));
    }
    Ok(())
}

pub(crate) fn ip_or_cidr(value: &str, key: &str, s: &mut Scope<'_>) {
    let ok = value.parse::<std::net::IpAddr>().is_ok() || value.parse::<ipnet::IpNet>().is_ok();
    s.check(ok, key, || {
        format!("`{value}` is not an IP address or CIDR range")
    });
}

pub(crate) fn status_code(code: u16, key: &str, s: &mut Scope<'_>) {
    s.check((100..=599).contains(&code), key, || {
        format!("{code} is not an HTTP status code")
    });
}

/// `"500"`, `"500-599"` (and comma-separated lists of those).
pub(crate) fn status_range(value: &str, key: &str, s: &mut Scope<'_>) {
    let ok = value.split(',').all(|part| {
        let code = |c: &str| {
            c.trim()
                .parse::<u16>()
                .is_ok_and(|c| (100..=599).contains(&c))
        };
        match part.split_once('-') {
            Some((a, b)) => {
                code(a) && code(b) && a.trim().parse::<u16>().ok() <= b.trim().parse::<u16>().ok()
            }
            None => code(part),
        }
    });
    s.check(ok, key, || {
        format!("`{value}` is not a status code or range like `500-599`")
    });
}
