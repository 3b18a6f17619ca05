//! One task per ACME resolver: load `acme.json`, publish what it holds, then keep the
//! certificates its routers need valid.
//!
//! Rules beyond Traefik's (issue #4): only certificates some router still uses are renewed;
//! a domain that fails waits (1 min, doubling, at most 24 h) before it is tried again, so a
//! broken domain never burns the account's rate limit; a restart with a valid stored
//! certificate makes no request to the CA at all (the account is only contacted when an
//! order is due).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use instant_acme::Account;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tracing::{error, info, warn};
use waygate_config::dynamic::{CertAndStores, DynamicConfig, TlsConfig};
use waygate_config::static_config::Acme;
use waygate_config::static_config::StaticConfig;
use waygate_provider::{Merged, Snapshot};
use waygate_proxy::acme::AcmeChallenges;

use crate::cert;
use crate::dns::{DnsProvider, PropagationCheck};
use crate::held::Held;
use crate::keys::KeyType;
use crate::order::{self, DnsSolver, Solver};
use crate::renewal::Renewal;
use crate::storage::{CertRecord, Domain, ResolverData, Storage};

/// The first wait after a failed order; doubles per failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(60);
const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

/// Starts every ACME resolver of `st`. A resolver whose settings are unusable (DNS provider
/// credentials, CA files) is logged as an error and not started; its routers are served the
/// default certificate.
pub fn spawn_all(
    st: &Arc<StaticConfig>,
    challenges: &Arc<AcmeChallenges>,
    tx: &mpsc::Sender<Snapshot>,
    merged: &watch::Receiver<Arc<Merged>>,
) {
    for (name, r) in &st.certificates_resolvers {
        let Some(acme) = &r.acme else { continue };
        match Resolver::new(name, acme, st.clone(), challenges.clone(), tx.clone()) {
            Ok(resolver) => {
                tokio::spawn(resolver.run(merged.clone()));
            }
            Err(e) => error!(resolver = %name, "ACME resolver not started: {e}"),
        }
    }
}

struct Resolver {
    name: String,
    cfg: Acme,
    st: Arc<StaticConfig>,
    directory: String,
    storage: Storage,
    renewal: Renewal,
    key_type: KeyType,
    solver: Solver,
    tx: mpsc::Sender<Snapshot>,
}

/// A domain's failed attempts.
struct Backoff {
    failures: u32,
    until: Instant,
}

// === impl Resolver ===

impl Resolver {
    fn new(
        name: &str,
        cfg: &Acme,
        st: Arc<StaticConfig>,
        challenges: Arc<AcmeChallenges>,
        tx: mpsc::Sender<Snapshot>,
    ) -> Result<Self, String> {
        crate::client::AcmeHttp::new(cfg)?;
        let (key_type, warning) = KeyType::parse(&cfg.key_type);
        if let Some(w) = warning {
            warn!(resolver = %name, "{w}");
        }
        let dns = match &cfg.dns_challenge {
            Some(d) => {
                let env = |k: &str| std::env::var(k).ok();
                let provider = DnsProvider::from_env(&d.provider, &env)
                    .map_err(|e| format!("dnsChallenge.provider: {e}"))?;
                let p = d.propagation.clone().unwrap_or_default();
                let check = PropagationCheck {
                    resolvers: d.resolvers.clone(),
                    delay_before_checks: d
                        .delay_before_check
                        .unwrap_or(p.delay_before_checks)
                        .to_std()
                        .unwrap_or_default(),
                    disable_checks: d.disable_propagation_check.unwrap_or(p.disable_checks),
                    disable_ans_checks: p.disable_ans_checks,
                    require_all_rns: p.require_all_rns,
                };
                Some(DnsSolver { provider, check })
            }
            None => None,
        };
        let http = cfg
            .http_challenge
            .as_ref()
            .map(|h| h.delay.to_std().unwrap_or_default());
        let tls = cfg
            .tls_challenge
            .as_ref()
            .map(|t| t.delay.to_std().unwrap_or_default());
        if http.is_none() && tls.is_none() && dns.is_none() {
            return Err(
                "no challenge configured (httpChallenge, tlsChallenge or dnsChallenge)".into(),
            );
        }
        Ok(Self {
            name: name.to_string(),
            directory: crate::account::directory_url(&cfg.ca_server),
            storage: Storage::new(&cfg.storage, name),
            renewal: Renewal::for_duration_hours(cfg.certificates_duration),
            key_type,
            solver: Solver {
                challenges,
                http,
                tls,
                dns,
            },
            cfg: cfg.clone(),
            st,
            tx,
        })
    }

    async fn run(self, mut merged: watch::Receiver<Arc<Merged>>) {
        let mut held = match self.storage.load() {
            Ok(d) => Held::new(d),
            Err(e) => {
                error!(resolver = %self.name, "ACME resolver disabled: {e}");
                return;
            }
        };
        info!(
            resolver = %self.name,
            storage = %self.storage.path().display(),
            certificates = held.data.certificates.len(),
            "ACME resolver started"
        );
        self.publish(&held.data).await;
        let mut account: Option<Account> = None;
        let mut backoff: HashMap<Domain, Backoff> = HashMap::new();
        let mut wanted: Vec<Domain> = Vec::new();
        let mut covered_elsewhere: Vec<String> = Vec::new();
        let mut reported: Vec<String> = Vec::new();
        loop {
            let mut wake = Instant::now() + self.renewal.interval;
            for domain in &wanted {
                if domain
                    .names()
                    .all(|n| covered_elsewhere.iter().any(|c| cert::covers(c, n)))
                {
                    continue;
                }
                if !self.due(&held, domain) {
                    continue;
                }
                if let Some(b) = backoff.get(domain)
                    && b.until > Instant::now()
                {
                    wake = wake.min(b.until);
                    continue;
                }
                match self.order(&mut account, &mut held, domain).await {
                    Ok(()) => {
                        backoff.remove(domain);
                        self.publish(&held.data).await;
                    }
                    Err(e) => {
                        let b = backoff.entry(domain.clone()).or_insert(Backoff {
                            failures: 0,
                            until: Instant::now(),
                        });
                        b.failures += 1;
                        let wait = FIRST_BACKOFF
                            .saturating_mul(1 << (b.failures - 1).min(16))
                            .min(MAX_BACKOFF);
                        b.until = Instant::now() + wait;
                        wake = wake.min(b.until);
                        error!(
                            resolver = %self.name,
                            domain = %domain.main,
                            sans = ?domain.sans,
                            next_attempt_in = ?wait,
                            "cannot obtain a certificate: {e}"
                        );
                    }
                }
            }
            tokio::select! {
                changed = merged.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let m = merged.borrow_and_update().clone();
                    let (w, problems) = crate::domains::wanted(&self.name, &self.st, &m.config);
                    for p in problems.iter().filter(|p| !reported.contains(p)) {
                        warn!(resolver = %self.name, "{p}");
                    }
                    reported = problems;
                    wanted = w;
                    covered_elsewhere = names_elsewhere(&m.config, &held.data);
                }
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Whether `domain` has no stored certificate covering it, or one inside its renewal
    /// window.
    fn due(&self, held: &Held, domain: &Domain) -> bool {
        let now = SystemTime::now();
        match held.covering(domain) {
            Some(facts) => self.renewal.due(facts.not_after, now),
            None => true,
        }
    }

    /// Orders a certificate for `domain` and stores it (replacing the one for the same
    /// domain).
    async fn order(
        &self,
        account: &mut Option<Account>,
        held: &mut Held,
        domain: &Domain,
    ) -> Result<(), String> {
        if account.is_none() {
            let stored = held.data.account.as_ref();
            let (acc, created) =
                crate::account::account(&self.cfg, &self.directory, stored).await?;
            if let Some(record) = created {
                held.data.account = Some(record);
                self.save(&held.data);
            }
            *account = Some(acc);
        }
        let Some(acc) = account.as_ref() else {
            return Err("no ACME account".into());
        };
        let renewing = held.covering(domain).is_some();
        info!(resolver = %self.name, domain = %domain.main, sans = ?domain.sans, renewing, "ordering a certificate");
        let req = order::Request {
            key_type: self.key_type,
            disable_common_name: self.cfg.disable_common_name,
            emails: &self.cfg.email_addresses,
            profile: &self.cfg.profile,
            certificate_timeout: self.cfg.certificate_timeout.to_std().unwrap_or_default(),
        };
        let issued = order::obtain(acc, domain, &self.solver, &req).await?;
        let record = CertRecord {
            domain: domain.clone(),
            certificate: issued.chain_pem.into_bytes(),
            key: issued.key_pem.into_bytes(),
            store: "default".to_string(),
        };
        held.store(record);
        self.save(&held.data);
        Ok(())
    }

    /// Writes `acme.json`; a failure is logged (the certificate is still served).
    fn save(&self, data: &ResolverData) {
        if let Err(e) = self.storage.save(data) {
            error!(resolver = %self.name, "{e}");
        }
    }

    /// Sends the resolver's snapshot: every stored certificate, in the default store.
    async fn publish(&self, data: &ResolverData) {
        let mut certificates = Vec::new();
        for c in &data.certificates {
            let (Ok(cert), Ok(key)) = (
                String::from_utf8(c.certificate.clone()),
                String::from_utf8(c.key.clone()),
            ) else {
                warn!(resolver = %self.name, domain = %c.domain.main, "stored certificate is not PEM; skipped");
                continue;
            };
            certificates.push(CertAndStores {
                cert_file: cert,
                key_file: key,
                stores: vec![if c.store.is_empty() {
                    "default".into()
                } else {
                    c.store.clone()
                }],
            });
        }
        let config = DynamicConfig {
            tls: Some(TlsConfig {
                certificates,
                ..TlsConfig::default()
            }),
            ..DynamicConfig::default()
        };
        let snapshot = Snapshot::new(format!("{}.acme", self.name), config, Vec::new());
        let _ = self.tx.send(snapshot).await;
    }
}

/// The names of the merged configuration's certificates that are not this resolver's (file
/// certificates, other resolvers'): domains they cover are not requested, as in Traefik.
fn names_elsewhere(config: &DynamicConfig, data: &ResolverData) -> Vec<String> {
    let ours: HashSet<&[u8]> = data
        .certificates
        .iter()
        .map(|c| c.certificate.as_slice())
        .collect();
    let mut names = Vec::new();
    for c in config.tls.iter().flat_map(|t| &t.certificates) {
        if ours.contains(c.cert_file.as_bytes()) {
            continue;
        }
        if !c.stores.is_empty() && !c.stores.iter().any(|s| s == "default") {
            continue;
        }
        let pem = if waygate_config::types::is_inline_content(&c.cert_file) {
            c.cert_file.clone().into_bytes()
        } else {
            match std::fs::read(&c.cert_file) {
                Ok(b) => b,
                Err(_) => continue,
            }
        };
        if let Ok(f) = cert::facts(&pem) {
            names.extend(f.names);
        }
    }
    names
}
