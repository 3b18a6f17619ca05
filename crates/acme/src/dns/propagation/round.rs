//! One round of the propagation check (steps 2 to 4 of the parent module's doc). A failed
//! round returns one observation per server asked ("ns.example.com. (192.0.2.1:53) returned
//! [\"abc\"]"), which the timeout error reports.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use tokio::time::Instant;

use super::PropagationCheck;
use crate::dns::{wire, zone};

/// What one round checks, and until when it may ask.
pub(super) struct Round<'a> {
    pub(super) fqdn: Name,
    pub(super) value: &'a str,
    pub(super) resolvers: &'a [SocketAddr],
    pub(super) check: &'a PropagationCheck,
    pub(super) authoritative_port: u16,
    pub(super) deadline: Instant,
}

// === impl Round ===

impl Round<'_> {
    /// `Ok` when the value is visible everywhere required, else what each server returned.
    pub(super) async fn run(&self) -> Result<(), Vec<String>> {
        // Initial recursive query: also tells whether the name is a CNAME (lego follows it).
        let mut fqdn = self.fqdn.clone();
        let first = zone::query_any(self.resolvers, &fqdn, RecordType::TXT, true, self.timeout())
            .await
            .map_err(|e| vec![format!("resolvers {:?}: {e}", self.resolvers)])?;
        if first.metadata.response_code == ResponseCode::NoError {
            for record in &first.answers {
                if let RData::CNAME(target) = &record.data
                    && record.name == fqdn
                {
                    fqdn = target.0.clone();
                }
            }
        }
        let mut seen = Vec::new();
        let mut ok = true;
        if self.check.require_all_rns {
            for &resolver in self.resolvers {
                ok &= self
                    .observe(
                        &format!("resolver {resolver}"),
                        resolver,
                        &fqdn,
                        true,
                        &mut seen,
                    )
                    .await;
            }
            if !ok {
                return Err(seen);
            }
        }
        if self.check.disable_ans_checks {
            return Ok(());
        }
        let nameservers = self.authoritative(&fqdn).await.map_err(|e| vec![e])?;
        for (ns, addr) in nameservers {
            match addr {
                Ok(addr) => {
                    ok &= self
                        .observe(&format!("{ns} ({addr})"), addr, &fqdn, false, &mut seen)
                        .await
                }
                Err(e) => {
                    ok = false;
                    seen.push(format!("{ns}: {e}"));
                }
            }
        }
        if ok { Ok(()) } else { Err(seen) }
    }

    /// Asks one server for the TXT record; records what it said; true when the value is there.
    async fn observe(
        &self,
        label: &str,
        server: SocketAddr,
        fqdn: &Name,
        recursive: bool,
        seen: &mut Vec<String>,
    ) -> bool {
        let answer =
            match wire::query(server, fqdn, RecordType::TXT, recursive, self.timeout()).await {
                Ok(answer) => answer,
                Err(e) => {
                    let e = e.strip_prefix(&format!("{server}: ")).unwrap_or(&e);
                    seen.push(format!("{label}: {e}"));
                    return false;
                }
            };
        let code = answer.metadata.response_code;
        if code != ResponseCode::NoError {
            seen.push(format!(
                "{label} returned {}",
                wire::rcode_name(u16::from(code))
            ));
            return false;
        }
        let values = zone::txt_values(&answer);
        let found = values.iter().any(|v| v == self.value);
        seen.push(format!("{label} returned {values:?}"));
        found
    }

    /// The zone's NS names, each with its address (or why it has none).
    async fn authoritative(
        &self,
        fqdn: &Name,
    ) -> Result<Vec<(Name, Result<SocketAddr, String>)>, String> {
        let zone = zone::find_zone(fqdn, self.resolvers, self.timeout())
            .await
            .map_err(|e| format!("could not determine the zone of {fqdn}: {e}"))?;
        let answer = zone::query_any(self.resolvers, &zone, RecordType::NS, true, self.timeout())
            .await
            .map_err(|e| format!("NS query for {zone}: {e}"))?;
        let names: Vec<Name> = answer
            .answers
            .iter()
            .filter_map(|r| match &r.data {
                RData::NS(ns) => Some(ns.0.to_lowercase()),
                _ => None,
            })
            .collect();
        if names.is_empty() {
            return Err(format!(
                "could not determine the authoritative nameservers of {zone}"
            ));
        }
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let addr = self.address(&name).await;
            out.push((name, addr));
        }
        Ok(out)
    }

    /// A nameserver's address: A, then AAAA, through the resolvers; then the system's lookup.
    async fn address(&self, ns: &Name) -> Result<SocketAddr, String> {
        for rtype in [RecordType::A, RecordType::AAAA] {
            if let Ok(answer) =
                zone::query_any(self.resolvers, ns, rtype, true, self.timeout()).await
                && let Some(ip) = first_ip(&answer)
            {
                return Ok(SocketAddr::new(ip, self.authoritative_port));
            }
        }
        let host = ns.to_ascii();
        let host = host.trim_end_matches('.');
        tokio::net::lookup_host((host, self.authoritative_port))
            .await
            .map_err(|e| format!("no address: {e}"))?
            .next()
            .ok_or_else(|| "no address".to_string())
    }

    /// Per-query timeout: lego's 10 s, cut to what is left before the deadline.
    fn timeout(&self) -> Duration {
        wire::QUERY_TIMEOUT.min(self.deadline.saturating_duration_since(Instant::now()))
    }
}

fn first_ip(answer: &Message) -> Option<IpAddr> {
    answer.answers.iter().find_map(|r| match &r.data {
        RData::A(a) => Some(IpAddr::V4(a.0)),
        RData::AAAA(a) => Some(IpAddr::V6(a.0)),
        _ => None,
    })
}
