//! Which certificates a resolver must hold (reference §9): for every router whose TLS
//! (its own `tls`, else its entry point's `http.tls`) names the resolver, the `tls.domains`
//! if set, else the `Host()` values of its rule (`HostSNI()` for TCP routers), first = main,
//! rest = SANs; and the domain of `tls.stores.default.defaultGeneratedCert` when it names the
//! resolver. Names are lowercased; double wildcards and invalid names are reported and
//! left out.

use std::collections::BTreeSet;

use waygate_config::dynamic::{Domain as ConfigDomain, DynamicConfig};
use waygate_config::static_config::StaticConfig;
use waygate_rules::{Hosts, Rule, Syntax, TcpRule};

use crate::storage::Domain;

/// The domains `resolver` must obtain, and the problems found (one line each).
pub fn wanted(
    resolver: &str,
    st: &StaticConfig,
    dynamic: &DynamicConfig,
) -> (Vec<Domain>, Vec<String>) {
    let mut out = BTreeSet::new();
    let mut problems = Vec::new();
    let default_syntax: Syntax = st
        .core
        .as_ref()
        .and_then(|c| c.default_rule_syntax.parse().ok())
        .unwrap_or_default();
    let syntax_of = |s: &str| {
        if s.is_empty() {
            Some(default_syntax)
        } else {
            s.parse().ok()
        }
    };
    let eps = st.effective_entry_points();
    for (name, r) in dynamic.http.iter().flat_map(|h| &h.routers) {
        let ep_tls = r
            .entry_points
            .iter()
            .filter_map(|ep| eps.get(ep)?.http.as_ref()?.tls.as_ref())
            .find(|t| t.cert_resolver == resolver);
        let (domains, matches) = match (&r.tls, ep_tls) {
            (Some(t), _) => (&t.domains, t.cert_resolver == resolver),
            (None, Some(t)) => (&t.domains, true),
            (None, None) => continue,
        };
        if !matches {
            continue;
        }
        let hosts = || {
            let rule = Rule::parse(&r.rule, syntax_of(&r.rule_syntax)?).ok()?;
            Some(literal_hosts(rule.hosts()))
        };
        add(
            &format!("router {name}"),
            domains,
            hosts,
            &mut out,
            &mut problems,
        );
    }
    for (name, r) in dynamic.tcp.iter().flat_map(|t| &t.routers) {
        let Some(t) = r.tls.as_ref().filter(|t| t.cert_resolver == resolver) else {
            continue;
        };
        let hosts = || {
            let rule = TcpRule::parse(&r.rule, syntax_of(&r.rule_syntax)?).ok()?;
            Some(literal_hosts(rule.hosts()))
        };
        add(
            &format!("router {name}"),
            &t.domains,
            hosts,
            &mut out,
            &mut problems,
        );
    }
    // `tls.stores.default.defaultGeneratedCert`: the default certificate, from this resolver.
    if let Some(g) = dynamic
        .tls
        .as_ref()
        .and_then(|t| t.stores.get("default"))
        .and_then(|s| s.default_generated_cert.as_ref())
        .filter(|g| g.resolver == resolver)
        && let Some(d) = &g.domain
    {
        add(
            "tls.stores.default.defaultGeneratedCert",
            std::slice::from_ref(d),
            || None,
            &mut out,
            &mut problems,
        );
    }
    (out.into_iter().collect(), problems)
}

fn literal_hosts(hosts: Hosts) -> Vec<String> {
    match hosts {
        Hosts::Any => Vec::new(),
        Hosts::Only { exact, .. } => exact,
    }
}

/// Adds the domains of `source` (a router, or the default store): explicit ones, else one
/// domain from its rule's hosts.
fn add(
    source: &str,
    domains: &[ConfigDomain],
    hosts: impl FnOnce() -> Option<Vec<String>>,
    out: &mut BTreeSet<Domain>,
    problems: &mut Vec<String>,
) {
    let mut candidates: Vec<Vec<String>> = domains
        .iter()
        .map(|d| {
            std::iter::once(d.main.clone())
                .chain(d.sans.iter().cloned())
                .collect()
        })
        .collect();
    if candidates.is_empty() {
        let hosts = hosts().unwrap_or_default();
        if hosts.is_empty() {
            problems.push(format!(
                "{source}: no domain to request (no tls.domains and no Host() in the rule)"
            ));
            return;
        }
        candidates.push(hosts);
    }
    for names in candidates {
        let mut clean: Vec<String> = Vec::new();
        for n in names {
            let n = n.trim().trim_end_matches('.').to_ascii_lowercase();
            if n.is_empty() {
                continue;
            }
            if let Err(e) = check_name(&n) {
                problems.push(format!("{source}: domain `{n}` {e}"));
                continue;
            }
            if !clean.contains(&n) {
                clean.push(n);
            }
        }
        let Some((main, sans)) = clean.split_first() else {
            continue;
        };
        out.insert(Domain {
            main: main.clone(),
            sans: sans.to_vec(),
        });
    }
}

/// A DNS name a CA can certify: labels of letters, digits and hyphens; one leading `*.`.
fn check_name(name: &str) -> Result<(), &'static str> {
    let rest = name.strip_prefix("*.").unwrap_or(name);
    if rest.contains('*') {
        return Err("has more than one wildcard or one that is not leading (refused)");
    }
    let ok = rest.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    });
    if !ok || rest.parse::<std::net::IpAddr>().is_ok() {
        return Err("is not a DNS name a certificate can be requested for");
    }
    Ok(())
}

#[cfg(test)]
mod tests;
