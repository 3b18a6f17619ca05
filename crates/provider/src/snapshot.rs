//! The unit providers send: one provider's complete configuration and its problems.

use std::sync::Arc;

use waygate_config::dynamic::DynamicConfig;
use waygate_config::{Issue, Node};

/// A provider's complete dynamic configuration (never a diff), with names as the provider
/// wrote them (unqualified) and the issues found while reading it.
///
/// Items that could not be decoded are absent from `config`; their error issues name them
/// (`Issue::item`), so references to them are not reported again as missing.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The provider name used as the `@provider` suffix (`file`, `internal`, `docker`, …).
    pub provider: String,
    pub config: Arc<DynamicConfig>,
    pub issues: Vec<Issue>,
    /// The trees the configuration was decoded from (file provider: one per file, in the
    /// order a name's first definition wins), so that issues found after decoding —
    /// validation in the aggregator — say where the item was written too.
    pub sources: Vec<Source>,
}

/// One source of a snapshot: its name as issues show it (a file path) and its tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    pub tree: Arc<Node>,
}

// === impl Snapshot ===

impl Snapshot {
    pub fn new(provider: impl Into<String>, config: DynamicConfig, issues: Vec<Issue>) -> Self {
        Self {
            provider: provider.into(),
            config: Arc::new(config),
            issues,
            sources: Vec::new(),
        }
    }

    /// [`Snapshot::new`] with a configuration the provider keeps too.
    pub fn shared(
        provider: impl Into<String>,
        config: Arc<DynamicConfig>,
        issues: Vec<Issue>,
    ) -> Self {
        Self {
            provider: provider.into(),
            config,
            issues,
            sources: Vec::new(),
        }
    }

    /// The snapshot with the trees its configuration came from.
    pub fn with_sources(mut self, sources: Vec<Source>) -> Self {
        self.sources = sources;
        self
    }

    /// Gives `issue` the position of its key path in the first source holding that path, if
    /// it has no location yet.
    pub fn locate(&self, issue: &mut Issue) {
        for s in &self.sources {
            if issue.location.is_some() {
                return;
            }
            waygate_config::validate::locate(issue, &s.tree, &s.name);
        }
    }
}
