//! What dynamic validation needs to know from outside the dynamic configuration itself.

use std::collections::BTreeSet;

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
        }
    }

    /// Splits a reference into (name, provider), resolving unqualified names in this provider.
    pub fn resolve<'r>(&'r self, reference: &'r str) -> (&'r str, &'r str) {
        reference
            .rsplit_once('@')
            .unwrap_or((reference, self.provider.as_str()))
    }
}
