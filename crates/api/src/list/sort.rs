//! `sortBy` and `direction` (`asc` by default; any other value sorts descending, as in
//! Traefik). Ties are broken by name in the same direction; an unknown `sortBy` sorts by name.

use crate::items::Entry;
use crate::query::Query;

/// Which `sortBy` keys a list accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `name`, `provider`, `priority`, `status`, `rule`, `service`, `entryPoints`.
    Routers,
    /// `name`, `type`, `servers`, `provider`, `status`.
    Services,
    /// `name`, `type`, `provider`, `status`.
    Middlewares,
}

/// Whether the request asks for descending order.
pub(crate) fn descending(q: &Query) -> bool {
    let d = q.get("direction");
    !d.is_empty() && d != "asc"
}

pub(crate) fn sort(q: &Query, family: Family, entries: &mut [Entry]) {
    let desc = descending(q);
    let sort_by = q.get("sortBy");
    let name = |e: &Entry| e.name.clone();
    use Family::*;
    match (family, sort_by) {
        (Routers | Services | Middlewares, "provider") => by(
            entries,
            desc,
            |e| e.name.as_str(),
            |e| e.keys.provider.clone(),
        ),
        (Routers | Services | Middlewares, "status") => {
            by(entries, desc, |e| e.name.as_str(), |e| e.keys.status)
        }
        (Routers, "priority") => by(entries, desc, |e| e.name.as_str(), |e| e.keys.priority),
        (Routers, "rule") => by(
            entries,
            desc,
            |e| e.name.as_str(),
            |e| e.keys.rule.clone().unwrap_or_default(),
        ),
        (Routers, "service") => by(
            entries,
            desc,
            |e| e.name.as_str(),
            |e| e.keys.service.clone().unwrap_or_default(),
        ),
        (Routers, "entryPoints") => by(entries, desc, |e| e.name.as_str(), |e| e.keys.entry_points),
        (Services | Middlewares, "type") => {
            by(entries, desc, |e| e.name.as_str(), |e| e.keys.kind.clone())
        }
        (Services, "servers") => by(entries, desc, |e| e.name.as_str(), |e| e.keys.servers),
        _ => by(entries, desc, |e| e.name.as_str(), name),
    }
}

/// Sorts by `key`, then by name, both in the same direction.
pub(crate) fn by<T, K: Ord>(
    items: &mut [T],
    desc: bool,
    name: impl Fn(&T) -> &str,
    key: impl Fn(&T) -> K,
) {
    items.sort_by(|a, b| {
        let ord = key(a).cmp(&key(b)).then_with(|| name(a).cmp(name(b)));
        if desc { ord.reverse() } else { ord }
    });
}
