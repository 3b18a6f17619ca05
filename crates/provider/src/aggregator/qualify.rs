//! Qualification (reference §3.0): every item name becomes `name@provider`, and every
//! reference without `@` is resolved in the referencing item's provider. The TLS option and
//! store named `default` are global and stay unqualified.

use std::collections::BTreeMap;
use std::sync::Arc;

use waygate_config::Issue;
use waygate_config::dynamic::{DynamicConfig, HttpConfig};
use waygate_config::sorted::seek;

use super::refs::{self, Target};

/// `name@provider`, or `name` when it already names a provider.
pub(super) fn qualified(name: &str, provider: &str) -> String {
    if name.contains('@') {
        name.to_string()
    } else {
        with_provider(name, provider)
    }
}

/// `name@provider`, built without the formatting machinery: 20,000 names per publish of
/// 10,000 routers, and `format!` cost four times the copy itself.
fn with_provider(name: &str, provider: &str) -> String {
    let mut s = String::with_capacity(name.len() + 1 + provider.len());
    s.push_str(name);
    s.push('@');
    s.push_str(provider);
    s
}

/// The same provider's previous qualification: the HTTP configuration it was given and
/// what it made of it (entry points defaulted too), and in which order its names went.
#[derive(Clone, Copy)]
pub(super) struct Previous<'a> {
    pub(super) raw: &'a HttpConfig,
    pub(super) qualified: &'a HttpConfig,
    pub(super) order: &'a Order,
}

/// Per HTTP map, the position of each item (in name order) in qualified-name order: the
/// next qualification of the same names takes it instead of sorting them again (sorting
/// 10,000 qualified names was ~15 M instructions, a fifth of the aggregator's work).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Order {
    routers: Vec<u32>,
    services: Vec<u32>,
    middlewares: Vec<u32>,
}

/// `provider`'s configuration with every name and reference qualified. The HTTP items are
/// shared with `config` where no reference of theirs needed qualifying, and with
/// `previous`'s result where the item is unchanged (the same or an equal definition): a
/// qualified item depends only on the item, the provider and the static configuration, so
/// a one-router change copies one router, not 10,000, and the merged configuration shares
/// the unchanged items with the previous one (the data plane then reuses what it compiled
/// from them without comparing).
pub(super) fn qualify(
    config: &DynamicConfig,
    provider: &str,
    previous: Option<Previous<'_>>,
) -> (DynamicConfig, Order) {
    let mut order = Order::default();
    // The HTTP maps are built with their qualified names at once (a copy then a rename
    // allocated every name twice).
    let mut c = DynamicConfig {
        http: config.http.as_ref().map(|h| {
            let (raw, done) = (previous.map(|p| p.raw), previous.map(|p| p.qualified));
            let before = previous.map(|p| p.order);
            HttpConfig {
                routers: reused(
                    &h.routers,
                    provider,
                    raw.map(|r| &r.routers),
                    done.map(|d| &d.routers),
                    (before.map(|o| &o.routers[..]), &mut order.routers),
                ),
                services: reused(
                    &h.services,
                    provider,
                    raw.map(|r| &r.services),
                    done.map(|d| &d.services),
                    (before.map(|o| &o.services[..]), &mut order.services),
                ),
                middlewares: reused(
                    &h.middlewares,
                    provider,
                    raw.map(|r| &r.middlewares),
                    done.map(|d| &d.middlewares),
                    (before.map(|o| &o.middlewares[..]), &mut order.middlewares),
                ),
                servers_transports: qualified_keys(&h.servers_transports, provider),
            }
        }),
        tcp: config.tcp.clone(),
        udp: config.udp.clone(),
        tls: config.tls.clone(),
    };
    refs::visit(&mut c, &mut |site, r| {
        let global = site.target == Target::TlsOption && r == "default";
        (!global && !r.contains('@')).then(|| with_provider(r, provider))
    });
    if let Some(t) = c.tcp.as_mut() {
        keys(&mut t.routers, provider);
        keys(&mut t.services, provider);
        keys(&mut t.middlewares, provider);
        keys(&mut t.servers_transports, provider);
    }
    if let Some(u) = c.udp.as_mut() {
        keys(&mut u.routers, provider);
        keys(&mut u.services, provider);
    }
    if let Some(tls) = c.tls.as_mut() {
        tls_keys(&mut tls.options, provider);
        tls_keys(&mut tls.stores, provider);
    }
    (c, order)
}

/// Qualifies the item an issue is about, so the data plane can find it in the merged
/// configuration. Certificates (identified by index) and entry points are left as they are.
pub(super) fn issue(mut issue: Issue, provider: &str) -> Issue {
    if issue.provider.is_none() {
        issue.provider = Some(provider.to_string());
    }
    if let Some(item) = issue.item.as_mut() {
        let global = matches!(item.kind, "tlsOption" | "tlsStore") && item.name == "default";
        let named = !matches!(item.kind, "tls" | "tlsCertificate" | "entryPoint");
        if named && !global && !item.name.contains('@') {
            item.name = with_provider(&item.name, provider);
        }
    }
    issue
}

/// A copy of `map` (its items shared or cloned) under qualified names.
fn qualified_keys<T: Clone>(map: &BTreeMap<String, T>, provider: &str) -> BTreeMap<String, T> {
    map.iter()
        .map(|(k, v)| (qualified(k, provider), v.clone()))
        .collect()
}

/// [`qualified_keys`] for shared items, each taken from `done` (the previous result) when
/// `raw` (the previous input) had the same definition under the same name.
///
/// Nothing is searched by name: `raw` is walked beside `map` (both sorted by the same
/// names), then, once the items are sorted by their qualified names, `done` beside them
/// (a search in 10,000 names cost ~1,000 instructions, a fifth of a qualification).
///
/// `order` is (the previous qualification's order, where to put this one's): with the same
/// names as `raw`, the items take the previous order instead of being sorted.
fn reused<T: PartialEq>(
    map: &BTreeMap<String, Arc<T>>,
    provider: &str,
    raw: Option<&BTreeMap<String, Arc<T>>>,
    done: Option<&BTreeMap<String, Arc<T>>>,
    order: (Option<&[u32]>, &mut Vec<u32>),
) -> BTreeMap<String, Arc<T>> {
    let mut old = raw.map(|r| r.iter().peekable());
    let mut same_names = raw.is_some_and(|r| r.len() == map.len());
    let mut items: Vec<Option<(String, &Arc<T>, bool)>> = map
        .iter()
        .map(|(k, v)| {
            let before = old.as_mut().and_then(|old| seek(old, k));
            same_names &= before.is_some();
            let same = before.is_some_and(|o| Arc::ptr_eq(o, v) || o == v);
            Some((qualified(k, provider), v, same))
        })
        .collect();
    let (previous, order) = order;
    match previous.filter(|p| same_names && p.len() == items.len()) {
        Some(previous) => order.extend_from_slice(previous),
        None => {
            // `name@provider` does not sort as `name` does (`r1@p` > `r10@p`).
            let n = u32::try_from(items.len()).unwrap_or(u32::MAX);
            order.extend(0..n);
            let key = |i: &u32| items[*i as usize].as_ref().map(|x| x.0.as_str());
            order.sort_by(|a, b| key(a).cmp(&key(b)));
        }
    }
    let mut done = done.map(|d| d.iter().peekable());
    order
        .iter()
        .filter_map(|&i| items.get_mut(i as usize).and_then(Option::take))
        .map(|(q, v, same)| {
            let before = done
                .as_mut()
                .filter(|_| same)
                .and_then(|done| seek(done, &q));
            let item = before.unwrap_or(v).clone();
            (q, item)
        })
        .collect()
}

fn keys<T>(map: &mut BTreeMap<String, T>, provider: &str) {
    rename(map, provider, false);
}

/// TLS options and stores keep `default` global.
fn tls_keys<T>(map: &mut BTreeMap<String, T>, provider: &str) {
    rename(map, provider, true);
}

fn rename<T>(map: &mut BTreeMap<String, T>, provider: &str, keep_default: bool) {
    *map = std::mem::take(map)
        .into_iter()
        .map(|(k, v)| match keep_default && k == "default" {
            true => (k, v),
            false => (qualified(&k, provider), v),
        })
        .collect();
}
