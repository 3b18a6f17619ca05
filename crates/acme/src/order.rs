//! One certificate order (RFC 8555 §7.4): new order for the domain's names, one challenge per
//! pending authorization (DNS-01 when configured or when the name is a wildcard, else HTTP-01,
//! else TLS-ALPN-01), wait until the order is ready, finalize with a fresh key of `keyType`,
//! download the chain. Published challenges are always withdrawn, whatever the outcome.

use std::sync::Arc;
use std::time::Duration;

use instant_acme::{
    Account, AuthorizationStatus, ChallengeType, Identifier, NewOrder, OrderStatus, RetryPolicy,
};
use tracing::{debug, info};
use waygate_proxy::acme::AcmeChallenges;

use crate::dns::{DnsProvider, PropagationCheck, TxtRecord, effective_fqdn, wait_propagation};
use crate::keys::{self, KeyType};
use crate::storage::Domain;

/// How a resolver proves control of names.
pub struct Solver {
    pub challenges: Arc<AcmeChallenges>,
    /// `httpChallenge` (its `delay`).
    pub http: Option<Duration>,
    /// `tlsChallenge` (its `delay`).
    pub tls: Option<Duration>,
    /// `dnsChallenge`.
    pub dns: Option<DnsSolver>,
}

/// `dnsChallenge`: the provider and its propagation check.
pub struct DnsSolver {
    pub provider: DnsProvider,
    pub check: PropagationCheck,
}

/// Certificate request settings.
pub struct Request<'a> {
    pub key_type: KeyType,
    pub disable_common_name: bool,
    pub emails: &'a [String],
    pub profile: &'a str,
    /// `certificateTimeout`: how long to wait for the certificate after finalizing.
    pub certificate_timeout: Duration,
}

/// An issued certificate: PEM chain and PEM key.
#[derive(Debug, Clone)]
pub struct Issued {
    pub chain_pem: String,
    pub key_pem: String,
}

/// Something published for a challenge, to withdraw afterwards.
enum Published {
    Http { token: String, host: String },
    TlsAlpn { name: String },
    Dns(TxtRecord),
}

/// Orders a certificate for `domain`.
pub async fn obtain(
    account: &Account,
    domain: &Domain,
    solver: &Solver,
    req: &Request<'_>,
) -> Result<Issued, String> {
    let names: Vec<String> = domain.names().map(str::to_string).collect();
    let identifiers: Vec<Identifier> = names.iter().map(|n| Identifier::Dns(n.clone())).collect();
    let mut new = NewOrder::new(&identifiers);
    if !req.profile.is_empty() {
        new = new.profile(req.profile);
    }
    let mut order = account
        .new_order(&new)
        .await
        .map_err(|e| format!("new order: {e}"))?;
    let mut published = Vec::new();
    let result = async {
        let mut authorizations = order.authorizations();
        while let Some(authz) = authorizations.next().await {
            let mut authz = authz.map_err(|e| format!("authorization: {e}"))?;
            if authz.status != AuthorizationStatus::Pending {
                continue;
            }
            let wildcard = authz.wildcard;
            let name = authz.identifier().to_string();
            let kind = pick(solver, wildcard).ok_or_else(|| {
                format!("{name}: a wildcard needs the DNS-01 challenge (dnsChallenge)")
            })?;
            let mut challenge = authz
                .challenge(kind.clone())
                .ok_or_else(|| format!("{name}: the CA offers no {kind:?} challenge"))?;
            let key_auth = challenge.key_authorization();
            let bare = name.strip_prefix("*.").unwrap_or(&name).to_string();
            let delay = match kind {
                ChallengeType::Http01 => {
                    let token = challenge.token.clone();
                    solver.challenges.put_http(&token, &bare, key_auth.as_str());
                    published.push(Published::Http { token, host: bare });
                    solver.http.unwrap_or_default()
                }
                ChallengeType::TlsAlpn01 => {
                    let cert = keys::tls_alpn_certificate(&bare, key_auth.digest().as_ref())?;
                    solver.challenges.put_tls_alpn(&bare, cert);
                    published.push(Published::TlsAlpn { name: bare });
                    solver.tls.unwrap_or_default()
                }
                _ => {
                    let dns = solver.dns.as_ref().ok_or("no dnsChallenge configured")?;
                    // A CNAME at `_acme-challenge.<domain>` is followed, as lego does unless
                    // LEGO_DISABLE_CNAME_SUPPORT=true.
                    let fqdn = format!("_acme-challenge.{bare}.");
                    let follow = std::env::var("LEGO_DISABLE_CNAME_SUPPORT")
                        .map_or(true, |v| !v.eq_ignore_ascii_case("true"));
                    let fqdn = if follow {
                        effective_fqdn(&fqdn, &dns.check).await
                    } else {
                        fqdn
                    };
                    let rec = TxtRecord {
                        fqdn,
                        domain: bare,
                        value: key_auth.dns_value(),
                        token: challenge.token.clone(),
                        key_auth: key_auth.as_str().to_string(),
                    };
                    dns.provider
                        .present(&rec)
                        .await
                        .map_err(|e| format!("{name}: DNS-01 present: {e}"))?;
                    published.push(Published::Dns(rec.clone()));
                    let (timeout, interval) = dns.provider.timeouts();
                    wait_propagation(&rec, &dns.check, timeout, interval)
                        .await
                        .map_err(|e| format!("{name}: {e}"))?;
                    Duration::ZERO
                }
            };
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            debug!(%name, challenge = ?kind, "challenge ready");
            challenge
                .set_ready()
                .await
                .map_err(|e| format!("{name}: {e}"))?;
        }
        let ready = RetryPolicy::new()
            .initial_delay(Duration::from_millis(250))
            .backoff(1.5)
            .timeout(Duration::from_secs(90));
        let status = order
            .poll_ready(&ready)
            .await
            .map_err(|e| format!("validation: {e}"))?;
        if status != OrderStatus::Ready {
            return Err(format!("validation failed: {}", problems(&mut order).await));
        }
        let (csr, key_pem) = keys::csr(&names, req.key_type, req.disable_common_name, req.emails)?;
        order
            .finalize_csr(&csr)
            .await
            .map_err(|e| format!("finalize: {e}"))?;
        let issue = RetryPolicy::new()
            .initial_delay(Duration::from_millis(250))
            .backoff(1.5)
            .timeout(req.certificate_timeout.max(Duration::from_secs(1)));
        let chain_pem = order
            .poll_certificate(&issue)
            .await
            .map_err(|e| format!("certificate: {e}"))?;
        Ok(Issued { chain_pem, key_pem })
    }
    .await;
    withdraw(solver, published).await;
    if result.is_ok() {
        info!(domain = %domain.main, sans = ?domain.sans, "certificate obtained");
    }
    result
}

/// The challenge type for an authorization.
fn pick(solver: &Solver, wildcard: bool) -> Option<ChallengeType> {
    if solver.dns.is_some() {
        Some(ChallengeType::Dns01)
    } else if wildcard {
        None
    } else if solver.http.is_some() {
        Some(ChallengeType::Http01)
    } else if solver.tls.is_some() {
        Some(ChallengeType::TlsAlpn01)
    } else {
        None
    }
}

/// The errors of the order's failed challenges, for the log.
async fn problems(order: &mut instant_acme::Order) -> String {
    let mut out = Vec::new();
    let mut authorizations = order.authorizations();
    while let Some(Ok(mut authz)) = authorizations.next().await {
        let name = authz.identifier().to_string();
        if let Ok(state) = authz.refresh().await {
            for c in &state.challenges {
                if let Some(p) = &c.error {
                    out.push(format!("{name}: {p}"));
                }
            }
        }
    }
    if out.is_empty() {
        "the order became invalid".to_string()
    } else {
        out.join("; ")
    }
}

async fn withdraw(solver: &Solver, published: Vec<Published>) {
    for p in published {
        match p {
            Published::Http { token, host } => solver.challenges.remove_http(&token, &host),
            Published::TlsAlpn { name } => solver.challenges.remove_tls_alpn(&name),
            Published::Dns(rec) => {
                if let Some(dns) = &solver.dns
                    && let Err(e) = dns.provider.cleanup(&rec).await
                {
                    tracing::warn!(fqdn = %rec.fqdn, error = %e, "DNS-01 cleanup failed");
                }
            }
        }
    }
}
