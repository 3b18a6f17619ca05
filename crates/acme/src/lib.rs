//! ACME certificate resolvers (`certificatesResolvers.<name>.acme`, reference §1.13, §9).
//!
//! Each resolver runs as one task ([`resolver`]) that behaves like a provider: it sends full
//! snapshots, named `<resolver>.acme`, whose `tls.certificates` are the certificates it holds,
//! so they reach the certificate store through the same merge → compile → swap path as file
//! certificates. It watches the merged configuration to learn which domains its routers need
//! ([`domains`]), restores its account and certificates from `acme.json` ([`storage`]),
//! orders what is missing or due for renewal ([`order`], [`renewal`]) with a per-domain
//! exponential backoff, and publishes challenges to the data plane
//! (`waygate_proxy::acme::AcmeChallenges`) or to DNS ([`dns`]).

pub mod account;
pub mod cert;
pub mod client;
pub mod dns;
pub mod domains;
mod held;
pub mod keys;
pub mod order;
pub mod renewal;
pub mod resolver;
pub mod storage;

pub use self::resolver::spawn_all;

use waygate_config::static_config::StaticConfig;
use waygate_config::{Issue, IssueKind};

/// What would stop a resolver at startup, as issues for `waygate check`: a storage file with
/// too-open permissions or invalid JSON (errors), DNS provider credentials missing from this
/// environment (warnings).
pub fn diagnose(st: &StaticConfig, env: &dyn Fn(&str) -> Option<String>) -> Vec<Issue> {
    let mut issues = Vec::new();
    for (name, r) in &st.certificates_resolvers {
        let Some(acme) = &r.acme else { continue };
        let key = format!("certificatesResolvers.{name}.acme");
        if let Err(e) = storage::Storage::new(&acme.storage, name).inspect() {
            issues.push(Issue::error(IssueKind::File, format!("{key}.storage"), e.0));
        }
        if let Some(d) = &acme.dns_challenge
            && let Err(e) = dns::DnsProvider::from_env(&d.provider, env)
        {
            // Credentials often live only in the deployment's environment: a warning here,
            // the resolver does not start without them.
            issues.push(Issue::warning(
                IssueKind::InvalidValue,
                format!("{key}.dnsChallenge.provider"),
                format!(
                    "{} (in this environment; the resolver will not start without it)",
                    e.0
                ),
            ));
        }
    }
    issues
}
