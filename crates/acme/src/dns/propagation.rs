//! The propagation check: after `present`, wait until the TXT record is visible before the
//! challenge is answered (`dnsChallenge.resolvers` and `dnsChallenge.propagation.*`, reference
//! §1.13), with lego's semantics as Traefik configures them:
//!
//! 1. wait `delayBeforeChecks`; with `disableChecks`, stop there (success);
//! 2. ask the recursive resolvers (`resolvers`, else `/etc/resolv.conf`'s nameservers, else
//!    lego's fallback 8.8.8.8/8.8.4.4) for the TXT record; a CNAME there is followed;
//! 3. with `requireAllRNS`, every resolver must return the value;
//! 4. unless `disableANSChecks`, find the zone (SOA walk) and its NS records through the
//!    resolvers, and every authoritative nameserver, asked without recursion, must return the
//!    value. (With `disableANSChecks` and without `requireAllRNS` nothing checks the value,
//!    exactly as in lego.)
//!
//! Rounds repeat every polling interval until the provider's propagation timeout; the
//! timeout error names the fqdn, the expected value and what each server returned last.
//! Unlike lego, `delayBeforeChecks` is waited once (lego sleeps it before every round) and
//! the first round starts at once (lego first sleeps one polling interval).

use std::net::SocketAddr;
use std::time::Duration;

use hickory_proto::rr::{Name, RecordType};
use tokio::time::Instant;

use super::{DnsError, TxtRecord, wire, zone};

mod round;

/// `dnsChallenge.resolvers` and `dnsChallenge.propagation` of a certificate resolver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PropagationCheck {
    /// `host:port` (or `host`, port 53) recursive resolvers; empty: the system's.
    pub resolvers: Vec<String>,
    pub delay_before_checks: Duration,
    pub disable_checks: bool,
    pub disable_ans_checks: bool,
    pub require_all_rns: bool,
}

/// Waits until `rec` is visible as `check` asks, polling every `interval` for at most
/// `timeout` (the provider's [`super::DnsProvider::timeouts`]).
pub async fn wait_propagation(
    rec: &TxtRecord,
    check: &PropagationCheck,
    timeout: Duration,
    interval: Duration,
) -> Result<(), DnsError> {
    wait_propagation_with(rec, check, timeout, interval, 53).await
}

/// [`wait_propagation`] asking the authoritative nameservers on `authoritative_port`
/// instead of 53: for tests, whose authoritative server cannot own port 53.
pub async fn wait_propagation_with(
    rec: &TxtRecord,
    check: &PropagationCheck,
    timeout: Duration,
    interval: Duration,
    authoritative_port: u16,
) -> Result<(), DnsError> {
    if !check.delay_before_checks.is_zero() {
        tokio::time::sleep(check.delay_before_checks).await;
    }
    if check.disable_checks {
        return Ok(());
    }
    let mut fqdn = Name::from_ascii(&rec.fqdn)
        .map_err(|e| DnsError(format!("invalid name {:?}: {e}", rec.fqdn)))?;
    fqdn.set_fqdn(true);
    let deadline = Instant::now() + timeout;
    let resolvers = resolvers(check).await?;
    let round = round::Round {
        fqdn,
        value: &rec.value,
        resolvers: &resolvers,
        check,
        authoritative_port,
        deadline,
    };
    let seen = loop {
        let seen = match round.run().await {
            Ok(()) => return Ok(()),
            Err(observations) => observations,
        };
        let now = Instant::now();
        if now >= deadline {
            break seen;
        }
        tokio::time::sleep(interval.min(deadline - now)).await;
        // A round started at the deadline could only report timeouts: keep the last real one.
        if Instant::now() >= deadline {
            break seen;
        }
    };
    Err(DnsError(format!(
        "DNS propagation: TXT {} = {:?} not visible after {}s: {}",
        rec.fqdn,
        rec.value,
        timeout.as_secs_f32(),
        seen.join("; ")
    )))
}

/// lego's CNAME support (on unless `LEGO_DISABLE_CNAME_SUPPORT=true`): the name the record
/// must really be published at, following CNAMEs at `fqdn` (at most 50) through the
/// resolvers `check` names. Providers publish at the `fqdn` of the [`TxtRecord`] they are
/// given, so the caller sets it to this. A failed lookup keeps the name reached so far.
pub async fn effective_fqdn(fqdn: &str, check: &PropagationCheck) -> String {
    let Ok(resolvers) = resolvers(check).await else {
        return fqdn.to_string();
    };
    let Ok(mut name) = Name::from_ascii(fqdn) else {
        return fqdn.to_string();
    };
    name.set_fqdn(true);
    for _ in 0..50 {
        let Ok(answer) = zone::query_any(
            &resolvers,
            &name,
            RecordType::CNAME,
            true,
            wire::QUERY_TIMEOUT,
        )
        .await
        else {
            break;
        };
        let target = answer.answers.iter().find_map(|r| match &r.data {
            hickory_proto::rr::RData::CNAME(target) if r.name == name => Some(target.0.clone()),
            _ => None,
        });
        match target {
            Some(target) => name = target,
            None => break,
        }
    }
    name.to_ascii()
}

/// Asks `server` (`host[:port]`) for the TXT values at `fqdn`, recursion desired: a
/// diagnostic for operators and tests. An NXDOMAIN or empty answer is an empty list.
pub async fn query_txt(server: &str, fqdn: &str) -> Result<Vec<String>, DnsError> {
    let fail = |e: String| DnsError(format!("TXT query for {fqdn} at {server}: {e}"));
    let addr = wire::resolve(server).await.map_err(fail)?;
    let name = Name::from_ascii(fqdn).map_err(|e| fail(e.to_string()))?;
    let answer = wire::query(addr, &name, RecordType::TXT, true, wire::QUERY_TIMEOUT)
        .await
        .map_err(fail)?;
    Ok(zone::txt_values(&answer))
}

/// The resolvers to ask, resolved to addresses.
async fn resolvers(check: &PropagationCheck) -> Result<Vec<SocketAddr>, DnsError> {
    let configured = if check.resolvers.is_empty() {
        system_resolvers()
    } else {
        check.resolvers.clone()
    };
    let mut addrs = Vec::new();
    for server in &configured {
        match wire::resolve(server).await {
            Ok(addr) => addrs.push(addr),
            Err(e) => {
                tracing::warn!(resolver = %server, error = %e, "DNS propagation check: resolver skipped")
            }
        }
    }
    if addrs.is_empty() {
        return Err(DnsError(format!(
            "DNS propagation: no usable resolver among {configured:?}"
        )));
    }
    Ok(addrs)
}

/// `nameserver` lines of `/etc/resolv.conf`, or lego's fallback (Google Public DNS).
fn system_resolvers() -> Vec<String> {
    let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let servers = parse_resolv_conf(&conf);
    if servers.is_empty() {
        vec!["8.8.8.8:53".into(), "8.8.4.4:53".into()]
    } else {
        servers
    }
}

fn parse_resolv_conf(conf: &str) -> Vec<String> {
    conf.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            (fields.next() == Some("nameserver"))
                .then(|| fields.next())
                .flatten()
        })
        // A link-local scope (`fe80::1%eth0`) cannot be written as a socket address here.
        .filter(|ns| !ns.contains('%'))
        .map(wire::with_default_port)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolv_conf_nameservers() {
        let conf = "# comment\nsearch example.com\nnameserver 10.0.0.2\nnameserver ::1\nnameserver fe80::1%eth0\n";
        assert_eq!(parse_resolv_conf(conf), vec!["10.0.0.2:53", "[::1]:53"]);
    }
}
