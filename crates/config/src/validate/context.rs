//! What dynamic validation needs to know from outside the dynamic configuration itself.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use crate::dynamic::{HttpConfig, Router, Service};
use crate::static_config::StaticConfig;

/// Checks whether a file exists. The model does no I/O: the caller supplies this.
pub trait Files {
    fn exists(&self, path: &str) -> bool;
}

/// A [`Files`] that accepts every path (when existence cannot or need not be checked).
pub struct AnyFile;

impl Files for AnyFile {
    fn exists(&self, _path: &str) -> bool {
        true
    }
}

/// Static facts dynamic items are checked against.
pub struct Context<'a> {
    /// Entry point names (with the implicit ones: `http` when none are defined, `traefik`).
    pub entry_points: Vec<String>,
    pub resolvers: BTreeSet<String>,
    pub default_rule_syntax: waygate_rules::Syntax,
    /// The provider whose items are checked: unqualified references resolve in it.
    pub provider: String,
    /// Items defined but not decodable (`(kind, name)`), so references to them are not reported.
    pub broken: BTreeSet<(&'static str, String)>,
    pub files: &'a dyn Files,
    /// Rules already known to parse; see [`RuleMemo`].
    pub rules: RuleMemo,
    /// The provider's previous HTTP items, when they validated without any router or
    /// service issue and had the same names (and `broken` items) as the ones checked now:
    /// a router or service equal to its previous definition then has nothing to report and
    /// is not checked again (their checks read only the item, the names and the static
    /// configuration). A router without a service is always checked (whether it is a
    /// parent depends on the other routers).
    pub unchanged: Option<&'a HttpConfig>,
}

/// Rules that parsed in the previous validation of the same provider (as hashes of their
/// syntax and text), so that an unchanged rule is not parsed again; and those that parse in
/// this one, for the next. Parsing the rules was ~40 % of validating 10,000 routers. A hash
/// collision would let an invalid rule pass validation; compiling parses every new rule
/// again, so the router would still be disabled, with its error.
#[derive(Debug, Default)]
pub struct RuleMemo {
    known: HashSet<u64>,
    parsed: RefCell<HashSet<u64>>,
}

// === impl Context ===

impl<'a> Context<'a> {
    pub fn new(st: &StaticConfig, provider: &str, files: &'a dyn Files) -> Self {
        let entry_points: Vec<String> = st.effective_entry_points().into_keys().collect();
        let default_rule_syntax = st
            .core
            .as_ref()
            .and_then(|c| c.default_rule_syntax.parse().ok())
            .unwrap_or_default();
        Self {
            entry_points,
            resolvers: st.certificates_resolvers.keys().cloned().collect(),
            default_rule_syntax,
            provider: provider.to_string(),
            broken: BTreeSet::new(),
            files,
            rules: RuleMemo::default(),
            unchanged: None,
        }
    }

    /// Whether router `name` is the same as in [`Context::unchanged`] (so already clean).
    /// `before` is the item at the same place in `unchanged`: it has the same names, so the
    /// maps are walked in step instead of searched (a search in 10,000 names cost ~1,000
    /// instructions); out of step, the names differ and the router is checked.
    pub fn unchanged_router(
        &self,
        name: &str,
        r: &Arc<Router>,
        before: Option<(&String, &Arc<Router>)>,
    ) -> bool {
        !r.service.is_empty() && self.unchanged.is_some() && same(name, r, before)
    }

    /// [`Context::unchanged_router`] for a service.
    pub fn unchanged_service(
        &self,
        name: &str,
        s: &Arc<Service>,
        before: Option<(&String, &Arc<Service>)>,
    ) -> bool {
        self.unchanged.is_some() && same(name, s, before)
    }

    /// Splits a reference into (name, provider), resolving unqualified names in this provider.
    pub fn resolve<'r>(&'r self, reference: &'r str) -> (&'r str, &'r str) {
        reference
            .rsplit_once('@')
            .unwrap_or((reference, self.provider.as_str()))
    }
}

/// Whether `before` is item `name`, the same as `item` (shared or equal).
fn same<T: PartialEq>(name: &str, item: &Arc<T>, before: Option<(&String, &Arc<T>)>) -> bool {
    before.is_some_and(|(n, p)| n == name && (Arc::ptr_eq(p, item) || p == item))
}

// === impl RuleMemo ===

impl RuleMemo {
    /// A memo of the rules that parsed last time (what [`RuleMemo::into_parsed`] returned).
    pub fn new(known: HashSet<u64>) -> Self {
        Self {
            known,
            parsed: RefCell::default(),
        }
    }

    /// Whether `rule` parses with `syntax`, asking `parse` only for a rule not known yet.
    pub fn parses<E>(
        &self,
        rule: &str,
        syntax: waygate_rules::Syntax,
        parse: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        let mut h = DefaultHasher::new();
        (syntax, rule).hash(&mut h);
        let key = h.finish();
        if !self.known.contains(&key) {
            parse()?;
        }
        self.parsed.borrow_mut().insert(key);
        Ok(())
    }

    /// The rules that parsed in this validation.
    pub fn into_parsed(self) -> HashSet<u64> {
        self.parsed.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use waygate_rules::Syntax;

    use super::*;

    /// A rule that parsed last time is not parsed again; one that fails is not remembered.
    #[test]
    fn rules_that_parsed_are_not_parsed_again() {
        let first = RuleMemo::default();
        assert_eq!(
            first.parses("Host(`a`)", Syntax::V3, || Ok::<_, ()>(())),
            Ok(())
        );
        assert_eq!(first.parses("Host(", Syntax::V3, || Err(())), Err(()));
        let next = RuleMemo::new(first.into_parsed());
        let never = || -> Result<(), ()> { panic!("parsed again") };
        assert_eq!(next.parses("Host(`a`)", Syntax::V3, never), Ok(()));
        assert_eq!(next.parses("Host(", Syntax::V3, || Err(())), Err(()));
        let mut parsed = false;
        let _ = next.parses("Host(`a`)", Syntax::V2, || {
            parsed = true;
            Ok::<_, ()>(())
        });
        assert!(parsed, "another syntax is another rule");
        assert_eq!(next.into_parsed().len(), 2);
    }
}
