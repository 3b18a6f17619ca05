//! The unit providers send: one provider's complete configuration and its problems.

use std::sync::Arc;

use waygate_config::Issue;
use waygate_config::dynamic::DynamicConfig;

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
}

// === impl Snapshot ===

impl Snapshot {
    pub fn new(provider: impl Into<String>, config: DynamicConfig, issues: Vec<Issue>) -> Self {
        Self {
            provider: provider.into(),
            config: Arc::new(config),
            issues,
        }
    }
}
