//! TSIG (RFC 8945): signing the UPDATE and verifying the server's signed answer.
//!
//! Why by hand rather than hickory's `TSigner`: that one needs a hickory `dnssec-*` feature
//! and only computes hmac-sha256/384/512, while lego (hence Traefik) defaults to hmac-sha1
//! and also accepts hmac-sha224. hickory-proto still builds and parses the messages and the
//! TSIG record (`message_tbs`, `emit_tsig_for_mac`); only the HMAC is ours, from aws-lc-rs
//! (our single crypto provider). HMAC-MD5 is refused, as in current lego.

use aws_lc_rs::hmac;
use base64::Engine as _;
use hickory_proto::op::Message;
use hickory_proto::rr::rdata::tsig::{TSIG, TsigAlgorithm, make_tsig_record, message_tbs};
use hickory_proto::rr::{Name, RData, Record};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncoder};

use crate::dns::wire::rcode_name;

/// Seconds of clock skew allowed either way (lego and BIND use 300).
const FUDGE: u16 = 300;

/// The algorithm names lego accepts for `RFC2136_TSIG_ALGORITHM`.
pub(crate) const ALGORITHMS: &[&str] = &[
    "hmac-sha1",
    "hmac-sha224",
    "hmac-sha256",
    "hmac-sha384",
    "hmac-sha512",
];

/// A TSIG key: name, algorithm and secret.
pub(crate) struct TsigKey {
    name: Name,
    algorithm: TsigAlgorithm,
    hmac: hmac::Algorithm,
    secret: Vec<u8>,
}

// === impl TsigKey ===

impl TsigKey {
    /// `algorithm` as lego takes it (`hmac-sha256` or `hmac-sha256.`, any case); `secret` is
    /// base64.
    pub(crate) fn new(name: &str, algorithm: &str, secret: &str) -> Result<Self, String> {
        let alg = algorithm.trim().trim_end_matches('.').to_ascii_lowercase();
        let (algorithm, hmac_alg) = match alg.as_str() {
            "hmac-sha1" => (TsigAlgorithm::HmacSha1, hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY),
            "hmac-sha224" => (TsigAlgorithm::HmacSha224, hmac::HMAC_SHA224),
            "hmac-sha256" => (TsigAlgorithm::HmacSha256, hmac::HMAC_SHA256),
            "hmac-sha384" => (TsigAlgorithm::HmacSha384, hmac::HMAC_SHA384),
            "hmac-sha512" => (TsigAlgorithm::HmacSha512, hmac::HMAC_SHA512),
            _ => {
                return Err(format!(
                    "unsupported TSIG algorithm {algorithm:?} (supported: {})",
                    ALGORITHMS.join(", ")
                ));
            }
        };
        let secret = base64::engine::general_purpose::STANDARD
            .decode(secret.trim())
            .map_err(|e| format!("TSIG secret is not valid base64: {e}"))?;
        let mut name = Name::from_ascii(name.trim())
            .map_err(|e| format!("invalid TSIG key name {name:?}: {e}"))?;
        name.set_fqdn(true);
        Ok(Self {
            name: name.to_lowercase(),
            algorithm,
            hmac: hmac_alg,
            secret,
        })
    }

    fn key(&self) -> hmac::Key {
        hmac::Key::new(self.hmac, &self.secret)
    }

    pub(crate) fn name(&self) -> &Name {
        &self.name
    }

    pub(crate) fn algorithm(&self) -> String {
        self.algorithm.to_string()
    }

    /// Appends the TSIG record to `msg` and encodes it; returns the wire bytes and the MAC
    /// (needed to verify the answer).
    pub(crate) fn sign(&self, msg: &mut Message, now: u64) -> Result<(Vec<u8>, Vec<u8>), String> {
        let pre = TSIG::new(
            self.algorithm.clone(),
            now,
            FUDGE,
            Vec::new(),
            msg.metadata.id,
            None,
            Vec::new(),
        );
        let tbs = message_tbs(msg, &pre, &self.name).map_err(|e| e.to_string())?;
        let mac = hmac::sign(&self.key(), &tbs).as_ref().to_vec();
        msg.signature = Some(Box::new(make_tsig_record(
            self.name.clone(),
            pre.set_mac(mac.clone()),
        )));
        Ok((msg.to_vec().map_err(|e| e.to_string())?, mac))
    }

    /// Verifies the answer to a request signed with `request_mac` (RFC 8945 §5.3): a TSIG
    /// error (BADSIG, BADKEY, BADTIME) reported by the server, a missing or wrong MAC, another
    /// key, or a time outside the fudge are errors.
    pub(crate) fn verify(&self, answer: &[u8], request_mac: &[u8], now: u64) -> Result<(), String> {
        let rcode = rcode_name(u16::from(answer.get(3).copied().unwrap_or(0) & 0x0f));
        let (tsig_start, name, tsig) = match last_tsig(answer)? {
            Some(found) => found,
            None => return Err(format!("the answer ({rcode}) is not TSIG-signed")),
        };
        if let Some(err) = tsig.error {
            return Err(format!(
                "TSIG: the server rejected our signature: {} ({rcode})",
                rcode_name(u16::from(err))
            ));
        }
        if name.to_lowercase() != self.name || tsig.algorithm != self.algorithm {
            return Err(format!(
                "TSIG: the answer is signed with another key ({name}, {})",
                tsig.algorithm
            ));
        }
        let mut tbs = Vec::with_capacity(answer.len() + request_mac.len() + 64);
        tbs.extend_from_slice(&u16::try_from(request_mac.len()).unwrap_or(0).to_be_bytes());
        tbs.extend_from_slice(request_mac);
        // The header as it was before the TSIG record was added: original id, one record less.
        let mut header = [0u8; 12];
        header.copy_from_slice(&answer[..12]);
        header[..2].copy_from_slice(&tsig.oid.to_be_bytes());
        let arcount = u16::from_be_bytes([header[10], header[11]]).saturating_sub(1);
        header[10..12].copy_from_slice(&arcount.to_be_bytes());
        tbs.extend_from_slice(&header);
        tbs.extend_from_slice(&answer[12..tsig_start]);
        // A fresh buffer: a BinEncoder writes from its offset 0, not at the end of a Vec.
        let mut variables = Vec::with_capacity(64);
        tsig.emit_tsig_for_mac(&mut BinEncoder::new(&mut variables), &name)
            .map_err(|e| e.to_string())?;
        tbs.extend_from_slice(&variables);
        hmac::verify(&self.key(), &tbs, &tsig.mac)
            .map_err(|_| format!("TSIG: bad signature on the answer ({rcode})"))?;
        if now.abs_diff(tsig.time) > u64::from(tsig.fudge) {
            return Err(format!(
                "TSIG: the answer's time is {}s off our clock (BADTIME)",
                now.abs_diff(tsig.time)
            ));
        }
        Ok(())
    }
}

impl std::fmt::Debug for TsigKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsigKey")
            .field("name", &self.name.to_string())
            .field("algorithm", &self.algorithm.to_string())
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Finds the last record of the additional section when it is a TSIG: its offset, owner and
/// data.
fn last_tsig(answer: &[u8]) -> Result<Option<(usize, Name, TSIG)>, String> {
    let malformed = |e: &dyn std::fmt::Display| format!("malformed answer: {e}");
    if answer.len() < 12 {
        return Err(malformed(&"shorter than a DNS header"));
    }
    let count = |i: usize| usize::from(u16::from_be_bytes([answer[i], answer[i + 1]]));
    let (queries, records) = (count(4), count(6) + count(8) + count(10));
    if count(10) == 0 {
        return Ok(None);
    }
    let mut decoder = BinDecoder::new(answer);
    decoder.read_slice(12).map_err(|e| malformed(&e))?;
    for _ in 0..queries {
        hickory_proto::op::Query::read(&mut decoder).map_err(|e| malformed(&e))?;
    }
    for _ in 0..records - 1 {
        Record::<RData>::read(&mut decoder).map_err(|e| malformed(&e))?;
    }
    let start = decoder.index();
    let record = Record::<RData>::read(&mut decoder).map_err(|e| malformed(&e))?;
    Ok(match record.data {
        RData::TSIG(tsig) => Some((start, record.name, tsig)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithms_as_lego_names_them() {
        for name in [
            "hmac-sha1",
            "hmac-sha256.",
            "HMAC-SHA512",
            "hmac-sha224",
            "hmac-sha384.",
        ] {
            assert!(TsigKey::new("k.", name, "c2VjcmV0").is_ok(), "{name}");
        }
        let md5 = TsigKey::new("k.", "hmac-md5.sig-alg.reg.int.", "c2VjcmV0")
            .err()
            .unwrap_or_default();
        assert!(
            md5.contains("unsupported TSIG algorithm") && md5.contains("hmac-sha256"),
            "{md5}"
        );
        assert!(TsigKey::new("k.", "hmac-sha256", "not base64!").is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let key = TsigKey::new("Key.Example.", "hmac-sha256", "c2VjcmV0").ok();
        let shown = format!("{key:?}");
        assert!(
            shown.contains("key.example.") && !shown.contains("c2VjcmV0"),
            "{shown}"
        );
    }
}
