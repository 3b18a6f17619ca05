//! Which zone holds a name: ask for its SOA, then its parent's, walking up until a server
//! answers with a SOA record in the answer section (lego's `FindZoneByFqdn`). A name that
//! is a CNAME is skipped, since a zone apex cannot be one. Used by `rfc2136` (against its
//! nameserver) and by the authoritative-nameserver propagation check (against the resolvers).

use std::net::SocketAddr;
use std::time::Duration;

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};

use super::wire;

/// lego's `dnsQuery`: the first of `servers` that answers (n+1 attempts, rotating) wins,
/// whatever the RCODE.
pub(crate) async fn query_any(
    servers: &[SocketAddr],
    name: &Name,
    rtype: RecordType,
    recursive: bool,
    timeout: Duration,
) -> Result<Message, String> {
    if servers.is_empty() {
        return Err("no nameserver to ask".into());
    }
    let mut last = String::new();
    for i in 1..=servers.len() + 1 {
        match wire::query(servers[i % servers.len()], name, rtype, recursive, timeout).await {
            Ok(answer) => return Ok(answer),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The apex of the zone that holds `fqdn`, as the first server of `servers` that answers
/// sees it.
pub(crate) async fn find_zone(
    fqdn: &Name,
    servers: &[SocketAddr],
    timeout: Duration,
) -> Result<Name, String> {
    let mut name = fqdn.clone();
    name.set_fqdn(true);
    while !name.is_root() {
        let answer = query_any(servers, &name, RecordType::SOA, true, timeout).await?;
        match answer.metadata.response_code {
            ResponseCode::NoError => {
                let is_cname = answer
                    .answers
                    .iter()
                    .any(|r| r.record_type() == RecordType::CNAME);
                if !is_cname
                    && let Some(soa) = answer
                        .answers
                        .iter()
                        .find(|r| matches!(r.data, RData::SOA(_)))
                {
                    return Ok(soa.name.clone());
                }
            }
            ResponseCode::NXDomain => {}
            other => {
                let code = wire::rcode_name(u16::from(other));
                return Err(format!("unexpected response code {code} for {name} SOA"));
            }
        }
        name = name.base_name();
    }
    Err(format!(
        "could not find the start of authority (SOA) for {fqdn}"
    ))
}

/// The TXT values in an answer, each record's strings joined (as lego compares them).
pub(crate) fn txt_values(answer: &Message) -> Vec<String> {
    answer
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::TXT(txt) => Some(
                txt.txt_data
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect::<String>(),
            ),
            _ => None,
        })
        .collect()
}
