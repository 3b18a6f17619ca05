//! `rfc2136`: publish the TXT record with a DNS UPDATE (RFC 2136) sent to
//! `RFC2136_NAMESERVER`, signed with TSIG (RFC 8945) when a key is configured.
//!
//! Like lego: the zone is found by walking up the name with SOA queries against that
//! nameserver; `present` deletes any TXT RRset at the name and adds the record in one update
//! (a leftover challenge cannot linger), `cleanup` deletes just that record; a non-NOERROR
//! answer is an error naming the RCODE.
//!
//! Variables (each also as `<NAME>_FILE`): `RFC2136_NAMESERVER` (required, `host` or
//! `host:port`, port 53 by default), `RFC2136_TSIG_KEY`, `RFC2136_TSIG_SECRET`,
//! `RFC2136_TSIG_ALGORITHM` (lego's default `hmac-sha1`; `hmac-sha224`, `hmac-sha256`,
//! `hmac-sha384`, `hmac-sha512`, trailing dot optional; HMAC-MD5 is refused, as by lego),
//! `RFC2136_TSIG_FILE` (a `tsig-keygen` file, overrides the three), `RFC2136_TTL` (120),
//! `RFC2136_PROPAGATION_TIMEOUT` (60, legacy `RFC2136_TIMEOUT`), `RFC2136_POLLING_INTERVAL`
//! (2), `RFC2136_SEQUENCE_INTERVAL` (60), `RFC2136_DNS_TIMEOUT` (10), all in seconds.
//! Without both a key name and a secret the update is sent unsigned, as lego does.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::TXT;
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use super::env::Env;
use super::{DnsError, TxtRecord, wire, zone};

mod key_file;
mod tsig;

use tsig::TsigKey;

/// Settings of the `rfc2136` provider (see the module doc).
#[derive(Debug)]
pub struct Rfc2136 {
    nameserver: String,
    tsig: Option<TsigKey>,
    ttl: u32,
    pub(crate) propagation_timeout: Duration,
    pub(crate) polling_interval: Duration,
    pub(crate) sequence_interval: Duration,
    dns_timeout: Duration,
}

#[derive(Clone, Copy)]
enum Action {
    Insert,
    Remove,
}

// === impl Rfc2136 ===

impl Rfc2136 {
    pub(crate) fn from_env(env: &Env<'_>) -> Result<Self, DnsError> {
        let nameserver = wire::with_default_port(&env.required(&["RFC2136_NAMESERVER"])?);
        let (key, secret, algorithm) = match env.get(&["RFC2136_TSIG_FILE"])? {
            Some(path) => {
                let content = std::fs::read_to_string(&path)
                    .map_err(|e| env.error(format!("cannot read TSIG file {path}: {e}")))?;
                let file = key_file::parse(&content)
                    .map_err(|e| env.error(format!("TSIG file {path}: {e}")))?;
                (
                    Some(file.name),
                    Some(file.secret),
                    Some(file.algorithm).filter(|a| !a.is_empty()),
                )
            }
            None => (
                env.get(&["RFC2136_TSIG_KEY"])?,
                env.get(&["RFC2136_TSIG_SECRET"])?,
                env.get(&["RFC2136_TSIG_ALGORITHM"])?,
            ),
        };
        let algorithm = algorithm.unwrap_or_else(|| "hmac-sha1".into());
        let tsig = match (key, secret) {
            (Some(key), Some(secret)) => {
                Some(TsigKey::new(&key, &algorithm, &secret).map_err(|e| env.error(e))?)
            }
            // lego validates the algorithm name even when TSIG is off.
            _ => {
                TsigKey::new("unused.", &algorithm, "").map_err(|e| env.error(e))?;
                None
            }
        };
        let legacy_timeout = env.seconds("RFC2136_TIMEOUT", Duration::from_secs(60))?;
        Ok(Self {
            nameserver,
            tsig,
            ttl: env.int("RFC2136_TTL")?.unwrap_or(120),
            propagation_timeout: env.seconds("RFC2136_PROPAGATION_TIMEOUT", legacy_timeout)?,
            polling_interval: env.seconds("RFC2136_POLLING_INTERVAL", Duration::from_secs(2))?,
            sequence_interval: env.seconds("RFC2136_SEQUENCE_INTERVAL", Duration::from_secs(60))?,
            dns_timeout: env.seconds("RFC2136_DNS_TIMEOUT", wire::QUERY_TIMEOUT)?,
        })
    }

    pub(crate) async fn present(&self, rec: &TxtRecord) -> Result<(), DnsError> {
        self.change(rec, Action::Insert).await.map_err(|e| {
            DnsError(format!(
                "rfc2136: failed to insert TXT {} at {}: {e}",
                rec.fqdn, self.nameserver
            ))
        })
    }

    pub(crate) async fn cleanup(&self, rec: &TxtRecord) -> Result<(), DnsError> {
        self.change(rec, Action::Remove).await.map_err(|e| {
            DnsError(format!(
                "rfc2136: failed to remove TXT {} at {}: {e}",
                rec.fqdn, self.nameserver
            ))
        })
    }

    async fn change(&self, rec: &TxtRecord, action: Action) -> Result<(), String> {
        let server = wire::resolve(&self.nameserver).await?;
        let mut fqdn =
            Name::from_ascii(&rec.fqdn).map_err(|e| format!("invalid name {:?}: {e}", rec.fqdn))?;
        fqdn.set_fqdn(true);
        let zone = zone::find_zone(&fqdn, &[server], self.dns_timeout).await?;
        let mut msg = update_message(&zone, &fqdn, &rec.value, self.ttl, action);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let (bytes, mac) = match &self.tsig {
            Some(key) => {
                let (bytes, mac) = key.sign(&mut msg, now)?;
                (bytes, Some(mac))
            }
            None => (msg.to_vec().map_err(|e| e.to_string())?, None),
        };
        let answer = wire::exchange(server, &bytes, self.dns_timeout).await?;
        if let (Some(key), Some(mac)) = (&self.tsig, &mac) {
            key.verify(&answer, mac, now)
                .map_err(|e| format!("{e} (key {}, {})", key.name(), key.algorithm()))?;
        }
        let answer = Message::from_vec(&answer).map_err(|e| format!("malformed answer: {e}"))?;
        match answer.metadata.response_code {
            ResponseCode::NoError => Ok(()),
            code => Err(format!(
                "DNS update failed: server replied {}",
                wire::rcode_name(u16::from(code))
            )),
        }
    }
}

/// The UPDATE message: zone section `<zone> SOA`, then the update section.
fn update_message(zone: &Name, fqdn: &Name, value: &str, ttl: u32, action: Action) -> Message {
    let mut msg = Message::new(wire::random_id(), MessageType::Query, OpCode::Update);
    msg.add_query(Query::query(zone.clone(), RecordType::SOA));
    let txt = RData::TXT(TXT::new(vec![value.to_string()]));
    match action {
        Action::Insert => {
            // "Delete an RRset" (RFC 2136 §2.5.2): class ANY, TTL 0, no RDATA.
            let mut delete_all = Record::update0(fqdn.clone(), 0, RecordType::TXT);
            delete_all.dns_class = DNSClass::ANY;
            msg.add_authority(delete_all);
            msg.add_authority(Record::from_rdata(fqdn.clone(), ttl, txt));
        }
        Action::Remove => {
            // "Delete an RR from an RRset" (§2.5.4): class NONE, TTL 0, the RDATA to remove.
            let mut delete_one = Record::from_rdata(fqdn.clone(), 0, txt);
            delete_one.dns_class = DNSClass::NONE;
            msg.add_authority(delete_one);
        }
    }
    msg
}
