//! The runtime status of every configuration item: what compiling a merged configuration
//! decided for each router, service, middleware, TLS option, … (`enabled`, `warning` or
//! `disabled`) and why. The gateway keeps one per runtime table; `waygate check` computes the
//! same one without serving; the REST API and the dashboard show it. Pure data, no I/O.
//!
//! Items are keyed by the [`ItemRef`](crate::issue::ItemRef) kind of the issues that concern
//! them (`router`, `service`, `middleware`, `tcpRouter`, `tcpService`, `tcpMiddleware`,
//! `udpRouter`, `udpService`, `serversTransport`, `tcpServersTransport`, `tlsOption`,
//! `tlsStore`, `tlsCertificate`, `entryPoint`, …) and then by qualified name.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dynamic::DynamicConfig;
use crate::issue::{Issue, Severity};

mod texts;
mod usage;

pub use self::texts::Texts;

/// Traefik's three item states (`status` in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Serving as configured.
    Enabled,
    /// Serving, with something the user should read (an option reported, a fallback).
    Warning,
    /// Not serving: its errors say why.
    Disabled,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Enabled => "enabled",
            State::Warning => "warning",
            State::Disabled => "disabled",
        }
    }
}

/// One item's status.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemStatus {
    /// False when the item does not serve (it then has at least one error).
    pub enabled: bool,
    pub errors: Texts,
    pub warnings: Texts,
    /// Routers: the entry points the router is actually attached to. Filled by
    /// [`RuntimeStatus::record_usage`] (the serving gateway's table leaves it empty).
    #[serde(skip_serializing_if = "Texts::is_empty")]
    pub using: Texts,
    /// HTTP services and middlewares: the routers (qualified names) that use them. Filled by
    /// [`RuntimeStatus::record_usage`] (the serving gateway's table leaves it empty).
    #[serde(skip_serializing_if = "Texts::is_empty")]
    pub used_by: Texts,
}

impl Default for ItemStatus {
    fn default() -> Self {
        ItemStatus {
            enabled: true,
            errors: Texts::default(),
            warnings: Texts::default(),
            using: Texts::default(),
            used_by: Texts::default(),
        }
    }
}

impl ItemStatus {
    pub fn state(&self) -> State {
        if !self.enabled || !self.errors.is_empty() {
            State::Disabled
        } else if !self.warnings.is_empty() {
            State::Warning
        } else {
            State::Enabled
        }
    }

    /// Marks the item disabled for `reason` (kept once).
    pub fn disable(&mut self, reason: impl Into<String>) {
        self.enabled = false;
        push_once(&mut self.errors, reason.into());
    }

    pub fn warn(&mut self, message: impl Into<String>) {
        push_once(&mut self.warnings, message.into());
    }
}

fn push_once(list: &mut Texts, s: String) {
    if !list.contains(&s) {
        list.push(s);
    }
}

/// Every item's status, by kind then qualified name.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuntimeStatus {
    pub items: BTreeMap<&'static str, BTreeMap<String, ItemStatus>>,
}

/// Counts of one kind, as the API's overview shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub total: usize,
    pub warnings: usize,
    pub errors: usize,
}

impl RuntimeStatus {
    /// Every item of `dynamic` (merged and qualified), enabled until told otherwise.
    pub fn seeded(dynamic: &DynamicConfig) -> Self {
        let mut s = RuntimeStatus::default();
        if let Some(h) = &dynamic.http {
            s.seed("router", h.routers.keys());
            s.seed("service", h.services.keys());
            s.seed("middleware", h.middlewares.keys());
            s.seed("serversTransport", h.servers_transports.keys());
        }
        if let Some(t) = &dynamic.tcp {
            s.seed("tcpRouter", t.routers.keys());
            s.seed("tcpService", t.services.keys());
            s.seed("tcpMiddleware", t.middlewares.keys());
            s.seed("tcpServersTransport", t.servers_transports.keys());
        }
        if let Some(u) = &dynamic.udp {
            s.seed("udpRouter", u.routers.keys());
            s.seed("udpService", u.services.keys());
        }
        if let Some(t) = &dynamic.tls {
            s.seed("tlsOption", t.options.keys());
            s.seed("tlsStore", t.stores.keys());
        }
        s
    }

    fn seed<'a>(&mut self, kind: &'static str, names: impl Iterator<Item = &'a String>) {
        let map = self.items.entry(kind).or_default();
        if map.is_empty() {
            // Built at once, the map's nodes are full; inserted one by one in order, they
            // were left about half empty (10,000 routers: ~3 MiB more per table).
            *map = names.map(|n| (n.clone(), ItemStatus::default())).collect();
            return;
        }
        for n in names {
            map.entry(n.clone()).or_default();
        }
    }

    /// The status of one item, created (enabled) if unknown.
    pub fn item(&mut self, kind: &'static str, name: &str) -> &mut ItemStatus {
        let map = self.items.entry(kind).or_default();
        // Looked up first: the items are seeded, and copying the name for `entry` on every
        // call was a tenth of a compile's status work.
        if !map.contains_key(name) {
            map.insert(name.to_string(), ItemStatus::default());
        }
        // Present: it was there or was inserted just above.
        map.get_mut(name).expect("inserted above")
    }

    pub fn get(&self, kind: &str, name: &str) -> Option<&ItemStatus> {
        self.items.get(kind).and_then(|m| m.get(name))
    }

    /// The items of one kind (empty when there are none).
    pub fn kind(&self, kind: &str) -> impl Iterator<Item = (&String, &ItemStatus)> {
        self.items.get(kind).into_iter().flat_map(|m| m.iter())
    }

    /// Records every issue that names an item: errors disable it, warnings mark it.
    /// Issues about items of kinds not tracked here (containers, static sections) are kept
    /// only if the item already exists.
    pub fn fold(&mut self, issues: &[Issue]) {
        for issue in issues {
            let Some(item) = &issue.item else { continue };
            let Some(map) = self.items.get_mut(item.kind) else {
                continue;
            };
            let Some(st) = map.get_mut(&item.name) else {
                continue;
            };
            let text = issue.short();
            match issue.severity {
                Severity::Error => st.disable(text),
                Severity::Warning => st.warn(text),
            }
        }
    }

    pub fn counts(&self, kind: &str) -> Counts {
        let mut c = Counts::default();
        for (_, st) in self.kind(kind) {
            c.total += 1;
            match st.state() {
                State::Enabled => {}
                State::Warning => c.warnings += 1,
                State::Disabled => c.errors += 1,
            }
        }
        c
    }

    /// `12 enabled, 1 warning, 2 disabled (by kind, enabled/warning/disabled: router 5/0/2,
    /// …)`: the per-item verdict, kinds without items left out. `check` prints it and the
    /// gateway logs it at every apply, so the two can be compared.
    pub fn summary(&self) -> String {
        let (e, w, d) = self.totals();
        let kinds: Vec<String> = self
            .items
            .keys()
            .map(|kind| (kind, self.counts(kind)))
            .filter(|(_, c)| c.total > 0)
            .map(|(kind, c)| {
                let enabled = c.total - c.warnings - c.errors;
                format!("{kind} {enabled}/{}/{}", c.warnings, c.errors)
            })
            .collect();
        format!(
            "{e} enabled, {w} warning, {d} disabled (by kind, enabled/warning/disabled: {})",
            kinds.join(", ")
        )
    }

    /// Counts by state over every kind: (enabled, warning, disabled).
    pub fn totals(&self) -> (usize, usize, usize) {
        let mut t = (0, 0, 0);
        for st in self.items.values().flat_map(|m| m.values()) {
            match st.state() {
                State::Enabled => t.0 += 1,
                State::Warning => t.1 += 1,
                State::Disabled => t.2 += 1,
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IssueKind;

    #[test]
    fn issues_decide_the_state() {
        let mut s = RuntimeStatus::default();
        s.item("router", "a@file");
        s.item("router", "b@file");
        s.item("router", "c@file");
        s.fold(&[
            Issue::warning(
                IssueKind::Unsupported,
                "http.routers.b",
                "x is not implemented",
            )
            .with_item("router", "b@file"),
            Issue::error(IssueKind::InvalidRule, "http.routers.c.rule", "bad rule")
                .with_item("router", "c@file"),
            Issue::error(
                IssueKind::InvalidRule,
                "http.routers.z.rule",
                "unknown item",
            )
            .with_item("router", "z@file"),
        ]);
        assert_eq!(
            s.get("router", "a@file").expect("present").state(),
            State::Enabled
        );
        assert_eq!(
            s.get("router", "b@file").expect("present").state(),
            State::Warning
        );
        assert_eq!(
            s.get("router", "c@file").expect("present").state(),
            State::Disabled
        );
        assert!(s.get("router", "z@file").is_none());
        let c = s.counts("router");
        assert_eq!((c.total, c.warnings, c.errors), (3, 1, 1));
        assert_eq!(s.totals(), (1, 1, 1));
    }

    #[test]
    fn a_status_is_five_words() {
        // Four `Vec<String>` made it 104 bytes: 10,000 routers and services cost ~1.2 MiB
        // more per table.
        assert_eq!(size_of::<ItemStatus>(), 5 * size_of::<usize>());
    }
}
