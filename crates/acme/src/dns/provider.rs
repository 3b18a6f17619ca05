//! `dnsChallenge.provider`: which provider, built from its environment variables, and the
//! dispatch of `present`/`cleanup`/timeouts to it.

use std::time::Duration;

use super::env::Env;
use super::{Cloudflare, DnsError, Exec, HttpReq, Rfc2136, TxtRecord};

/// The provider names Waygate implements (lego's names), sorted.
pub const SUPPORTED_PROVIDERS: &[&str] = &["cloudflare", "exec", "httpreq", "rfc2136"];

/// A configured DNS-01 provider.
#[derive(Debug)]
pub enum DnsProvider {
    Rfc2136(Rfc2136),
    Exec(Exec),
    HttpReq(HttpReq),
    Cloudflare(Cloudflare),
}

// === impl DnsProvider ===

impl DnsProvider {
    /// `name` = dnsChallenge.provider; `env` looks up an environment variable (tests pass a
    /// map). Unknown provider → error listing the supported ones; missing variable → error
    /// naming it.
    pub fn from_env(name: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, DnsError> {
        match name {
            "rfc2136" => Rfc2136::from_env(&Env::new("rfc2136", env)).map(Self::Rfc2136),
            "exec" => Exec::from_env(&Env::new("exec", env)).map(Self::Exec),
            "httpreq" => HttpReq::from_env(&Env::new("httpreq", env)).map(Self::HttpReq),
            "cloudflare" => {
                Cloudflare::from_env(&Env::new("cloudflare", env)).map(Self::Cloudflare)
            }
            other => Err(DnsError(format!(
                "unknown DNS challenge provider {other:?}: Waygate supports {}",
                SUPPORTED_PROVIDERS.join(", ")
            ))),
        }
    }

    /// The provider's name, as configured.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Rfc2136(_) => "rfc2136",
            Self::Exec(_) => "exec",
            Self::HttpReq(_) => "httpreq",
            Self::Cloudflare(_) => "cloudflare",
        }
    }

    /// Publishes the TXT record.
    pub async fn present(&self, rec: &TxtRecord) -> Result<(), DnsError> {
        match self {
            Self::Rfc2136(p) => p.present(rec).await,
            Self::Exec(p) => p.present(rec).await,
            Self::HttpReq(p) => p.present(rec).await,
            Self::Cloudflare(p) => p.present(rec).await,
        }
    }

    /// Removes the TXT record `present` published.
    pub async fn cleanup(&self, rec: &TxtRecord) -> Result<(), DnsError> {
        match self {
            Self::Rfc2136(p) => p.cleanup(rec).await,
            Self::Exec(p) => p.cleanup(rec).await,
            Self::HttpReq(p) => p.cleanup(rec).await,
            Self::Cloudflare(p) => p.cleanup(rec).await,
        }
    }

    /// (propagation timeout, polling interval) from the provider's env or lego's defaults.
    pub fn timeouts(&self) -> (Duration, Duration) {
        match self {
            Self::Rfc2136(p) => (p.propagation_timeout, p.polling_interval),
            Self::Exec(p) => (p.propagation_timeout, p.polling_interval),
            Self::HttpReq(p) => (p.propagation_timeout, p.polling_interval),
            Self::Cloudflare(p) => (p.propagation_timeout, p.polling_interval),
        }
    }

    /// lego's `Sequential()`: `Some(interval)` when this provider's challenges must be solved
    /// one after another with that pause between them (`rfc2136`, `exec`), `None` when they
    /// may run together.
    pub fn sequence_interval(&self) -> Option<Duration> {
        match self {
            Self::Rfc2136(p) => Some(p.sequence_interval),
            Self::Exec(p) => Some(p.sequence_interval),
            Self::HttpReq(_) | Self::Cloudflare(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::dns::{PropagationCheck, wait_propagation};

    fn assert_send<T: Send>(_: &T) {}

    /// The ACME core runs these futures in `tokio::spawn`: they must stay `Send`.
    #[test]
    fn futures_are_send() {
        let rec = TxtRecord {
            domain: "example.com".into(),
            fqdn: "_acme-challenge.example.com.".into(),
            value: "v".into(),
            token: "t".into(),
            key_auth: "t.k".into(),
        };
        let env = |k: &str| (k == "EXEC_PATH").then(|| "/bin/true".to_string());
        let Ok(provider) = DnsProvider::from_env("exec", &env) else {
            panic!("exec provider from EXEC_PATH");
        };
        assert_send(&provider.present(&rec));
        assert_send(&provider.cleanup(&rec));
        let check = PropagationCheck::default();
        assert_send(&wait_propagation(
            &rec,
            &check,
            Duration::ZERO,
            Duration::ZERO,
        ));
    }
}
