//! Merging qualified provider configurations into one, and default entry points.
//!
//! Names are unique across providers once qualified, except the global TLS option and store
//! `default`: defined by two providers, both definitions are dropped with an error (the
//! built-in defaults apply), as in Traefik (reference §3.6).

use std::collections::BTreeMap;
use std::sync::Arc;

use waygate_config::dynamic::DynamicConfig;
use waygate_config::static_config::StaticConfig;
use waygate_config::{Issue, IssueKind};

/// Merges `(provider, qualified config)` pairs.
pub(super) fn merge<'a>(
    providers: impl IntoIterator<Item = (&'a str, &'a DynamicConfig)>,
) -> (DynamicConfig, Vec<Issue>) {
    let mut out = DynamicConfig::default();
    let (mut options, mut stores) = (Vec::new(), Vec::new());
    for (provider, c) in providers {
        if let Some(h) = &c.http {
            let d = out.http.get_or_insert_default();
            union(&mut d.routers, &h.routers);
            union(&mut d.services, &h.services);
            union(&mut d.middlewares, &h.middlewares);
            d.servers_transports.extend(h.servers_transports.clone());
        }
        if let Some(t) = &c.tcp {
            let d = out.tcp.get_or_insert_default();
            d.routers.extend(t.routers.clone());
            d.services.extend(t.services.clone());
            d.middlewares.extend(t.middlewares.clone());
            d.servers_transports.extend(t.servers_transports.clone());
        }
        if let Some(u) = &c.udp {
            let d = out.udp.get_or_insert_default();
            d.routers.extend(u.routers.clone());
            d.services.extend(u.services.clone());
        }
        if let Some(t) = &c.tls {
            let d = out.tls.get_or_insert_default();
            d.certificates.extend(t.certificates.iter().cloned());
            if t.options.contains_key("default") {
                options.push(provider);
            }
            if t.stores.contains_key("default") {
                stores.push(provider);
            }
            d.options.extend(t.options.clone());
            d.stores.extend(t.stores.clone());
        }
    }
    let mut issues = Vec::new();
    if let Some(tls) = out.tls.as_mut() {
        for (defined_by, kind, path, map_had) in [
            (&options, "tlsOption", "tls.options.default", "TLS option"),
            (&stores, "tlsStore", "tls.stores.default", "TLS store"),
        ] {
            if defined_by.len() < 2 {
                continue;
            }
            if kind == "tlsOption" {
                tls.options.remove("default");
            } else {
                tls.stores.remove("default");
            }
            let message = format!(
                "{map_had} `default` is defined by several providers ({}); all are dropped and the built-in default applies",
                defined_by.join(", ")
            );
            for p in defined_by {
                let issue = Issue::error(IssueKind::Conflict, path, message.clone())
                    .with_item(kind, "default")
                    .with_provider(*p);
                issues.push(issue);
            }
        }
    }
    (out, issues)
}

/// No section, or only empty ones: merged with another configuration, it adds nothing but
/// perhaps an empty section (see [`adds_nothing`]).
pub(super) fn is_blank(c: &DynamicConfig) -> bool {
    fn blank<T: Default + PartialEq>(section: Option<&T>) -> bool {
        section.is_none_or(|s| *s == T::default())
    }
    blank(c.http.as_ref())
        && blank(c.tcp.as_ref())
        && blank(c.udp.as_ref())
        && blank(c.tls.as_ref())
}

/// Whether merging `other` with `into` gives `into`: each section of `other` is absent, or
/// empty where `into` has that section too (an empty section still makes the merge have it).
pub(super) fn adds_nothing(other: &DynamicConfig, into: &DynamicConfig) -> bool {
    fn nothing<T: Default + PartialEq>(other: Option<&T>, into: Option<&T>) -> bool {
        other.is_none_or(|s| into.is_some() && *s == T::default())
    }
    nothing(other.http.as_ref(), into.http.as_ref())
        && nothing(other.tcp.as_ref(), into.tcp.as_ref())
        && nothing(other.udp.as_ref(), into.udp.as_ref())
        && nothing(other.tls.as_ref(), into.tls.as_ref())
}

/// Adds `from`'s shared items to `into`: a copy of the map (dense, as the source's) when
/// `into` is still empty, the usual case of one provider with routers.
fn union<T>(into: &mut BTreeMap<String, Arc<T>>, from: &BTreeMap<String, Arc<T>>) {
    if into.is_empty() {
        into.clone_from(from);
    } else {
        into.extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

/// Gives routers without `entryPoints` the default ones (reference §1.2 `asDefault`): HTTP
/// and TCP routers get the `asDefault` entry points if any is flagged, else every TCP entry
/// point except `traefik`; UDP routers get every UDP entry point. Child routers
/// (`parentRefs`) inherit their parents' and are left alone. Applied to each provider's
/// qualified configuration, whose routers are its own: in the merge they are shared, and
/// each would be copied.
pub(super) fn default_entry_points(config: &mut DynamicConfig, st: &StaticConfig) {
    let (tcp, udp) = defaults(st);
    if let Some(h) = config.http.as_mut() {
        for r in h.routers.values_mut() {
            if r.entry_points.is_empty() && r.parent_refs.is_empty() {
                Arc::make_mut(r).entry_points.clone_from(&tcp);
            }
        }
    }
    if let Some(t) = config.tcp.as_mut() {
        for r in t.routers.values_mut().filter(|r| r.entry_points.is_empty()) {
            r.entry_points.clone_from(&tcp);
        }
    }
    if let Some(u) = config.udp.as_mut() {
        for r in u.routers.values_mut().filter(|r| r.entry_points.is_empty()) {
            r.entry_points.clone_from(&udp);
        }
    }
}

/// (default entry points for HTTP/TCP routers, for UDP routers).
fn defaults(st: &StaticConfig) -> (Vec<String>, Vec<String>) {
    if st.entry_points.is_empty() {
        return (vec!["http".to_string()], Vec::new());
    }
    let is_udp = |address: &str| address.to_ascii_lowercase().ends_with("/udp");
    let names = |keep: &dyn Fn(&str, bool, bool) -> bool| -> Vec<String> {
        st.entry_points
            .iter()
            .filter(|(n, ep)| keep(n, is_udp(&ep.address), ep.as_default))
            .map(|(n, _)| n.clone())
            .collect()
    };
    let udp = names(&|_, udp, _| udp);
    let flagged = names(&|_, udp, flagged| !udp && flagged);
    let tcp = if flagged.is_empty() {
        names(&|n, udp, _| !udp && n != "traefik")
    } else {
        flagged
    };
    (tcp, udp)
}
