//! What a resolver holds: its `acme.json` entry, with each certificate's names and expiry
//! parsed once (when loaded or stored), not on every renewal check.

use crate::cert::{self, CertFacts};
use crate::storage::{CertRecord, Domain, ResolverData};

/// The stored data and, per certificate, its facts (`None` when it does not parse).
pub(crate) struct Held {
    pub(crate) data: ResolverData,
    facts: Vec<Option<CertFacts>>,
}

impl Held {
    pub(crate) fn new(data: ResolverData) -> Self {
        let facts = data
            .certificates
            .iter()
            .map(|c| cert::facts(&c.certificate).ok())
            .collect();
        Self { data, facts }
    }

    /// The stored certificate covering every name of `domain` (the one stored for exactly
    /// this domain first).
    pub(crate) fn covering(&self, domain: &Domain) -> Option<&CertFacts> {
        let exact = self
            .data
            .certificates
            .iter()
            .position(|c| c.domain == *domain);
        exact.into_iter().chain(0..self.facts.len()).find_map(|i| {
            let facts = self.facts[i].as_ref()?;
            domain
                .names()
                .all(|n| facts.names.iter().any(|c| cert::covers(c, n)))
                .then_some(facts)
        })
    }

    /// Stores `record`, replacing the certificate stored for the same domain.
    pub(crate) fn store(&mut self, record: CertRecord) {
        let facts = cert::facts(&record.certificate).ok();
        let certs = &mut self.data.certificates;
        match certs.iter().position(|c| c.domain == record.domain) {
            Some(i) => {
                certs[i] = record;
                self.facts[i] = facts;
            }
            None => {
                certs.push(record);
                self.facts.push(facts);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(main: &str, names: &[&str]) -> CertRecord {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let cert = rcgen::generate_simple_self_signed(names).expect("cert");
        CertRecord {
            domain: Domain {
                main: main.into(),
                sans: vec![],
            },
            certificate: cert.cert.pem().into_bytes(),
            key: cert.signing_key.serialize_pem().into_bytes(),
            store: "default".into(),
        }
    }

    #[test]
    fn covering_by_names_and_store_replaces_the_same_domain() {
        let mut held = Held::new(ResolverData {
            account: None,
            certificates: vec![record("wild", &["*.a.test"]), record("b.test", &["b.test"])],
        });
        let d = |main: &str| Domain {
            main: main.into(),
            sans: vec![],
        };
        assert!(
            held.covering(&d("x.a.test")).is_some(),
            "by a wildcard name"
        );
        assert!(held.covering(&d("c.test")).is_none());
        held.store(record("c.test", &["c.test"]));
        assert!(held.covering(&d("c.test")).is_some());
        held.store(record("b.test", &["other.test"]));
        assert_eq!(held.data.certificates.len(), 3, "replaced, not added");
        assert!(
            held.covering(&d("b.test")).is_none(),
            "facts follow the new certificate"
        );
    }
}
