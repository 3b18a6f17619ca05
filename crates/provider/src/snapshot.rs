//! The unit providers send: one provider's complete configuration and its problems.

use std::collections::BTreeMap;
use std::sync::Arc;

use waygate_config::dynamic::DynamicConfig;
use waygate_config::format::Format;
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
    /// What the configuration was decoded from (file provider: one per file, in the order a
    /// name's first definition wins), so that issues found after decoding — validation in
    /// the aggregator — say where the item was written too.
    pub sources: Vec<Source>,
}

/// One source of a snapshot: its name as issues show it (a file path) and what it was parsed
/// from. A file keeps its text, not its tree: the tree of 10,000 routers was ~25 MiB held for
/// the rare issue found after decoding; it is parsed again, once, when such an issue needs
/// locating.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
enum Origin {
    Tree(Arc<Node>),
    /// The file's text as read (before any template rendering) and its format.
    Text(Arc<str>, Format),
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

    /// The snapshot with the sources its configuration came from.
    pub fn with_sources(mut self, sources: Vec<Source>) -> Self {
        self.sources = sources;
        self
    }

    /// Whether `other` is the same snapshot (`==`), comparing the HTTP items that the two
    /// share by pointer: a provider that keeps its unchanged items (the file provider) sends
    /// them again, and comparing 20,000 items value by value was most of the check.
    pub fn same_as(&self, other: &Snapshot) -> bool {
        self.provider == other.provider
            && self.issues == other.issues
            && self.sources == other.sources
            && (Arc::ptr_eq(&self.config, &other.config)
                || same_config(&self.config, &other.config))
    }

    /// Gives `issue` the position of its key path in the first source holding that path, if
    /// it has no location yet.
    pub fn locate(&self, issue: &mut Issue) {
        self.locate_all(std::slice::from_mut(issue));
    }

    /// [`Snapshot::locate`] for every issue, each source parsed at most once (and only when
    /// an issue still lacks a location).
    pub fn locate_all(&self, issues: &mut [Issue]) {
        for s in &self.sources {
            s.locate_all(issues);
        }
    }
}

/// `a == b`, with shared HTTP items compared by pointer first.
fn same_config(a: &DynamicConfig, b: &DynamicConfig) -> bool {
    fn items<T: PartialEq>(a: &BTreeMap<String, Arc<T>>, b: &BTreeMap<String, Arc<T>>) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((n, x), (m, y))| n == m && (Arc::ptr_eq(x, y) || x == y))
    }
    let http = match (&a.http, &b.http) {
        (Some(x), Some(y)) => {
            items(&x.routers, &y.routers)
                && items(&x.services, &y.services)
                && items(&x.middlewares, &y.middlewares)
                && x.servers_transports == y.servers_transports
        }
        (x, y) => x == y,
    };
    http && a.tcp == b.tcp && a.udp == b.udp && a.tls == b.tls
}

// === impl Source ===

impl Source {
    /// A source whose tree is at hand (kept as long as the source).
    pub fn from_tree(name: impl Into<String>, tree: Arc<Node>) -> Self {
        Self {
            name: name.into(),
            origin: Origin::Tree(tree),
        }
    }

    /// A file read as `text` (a template is rendered again when the tree is needed).
    pub fn from_text(name: impl Into<String>, text: Arc<str>, format: Format) -> Self {
        Self {
            name: name.into(),
            origin: Origin::Text(text, format),
        }
    }

    /// Locates the issues without a location in this source's tree (parsed only if needed).
    pub fn locate_all(&self, issues: &mut [Issue]) {
        if issues.iter().all(|i| i.location.is_some()) {
            return;
        }
        let parsed;
        let tree: &Node = match &self.origin {
            Origin::Tree(tree) => tree,
            Origin::Text(text, format) => {
                match crate::file::parse_config_text(&self.name, text, *format) {
                    Ok(tree) => {
                        parsed = tree;
                        &parsed
                    }
                    Err(_) => return,
                }
            }
        };
        for issue in issues.iter_mut() {
            waygate_config::validate::locate(issue, tree, &self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use waygate_config::dynamic::{HttpConfig, Router};

    use super::*;

    fn snapshot(rule: &str, shared: Option<&Arc<Router>>) -> Snapshot {
        let router = shared.cloned().unwrap_or_else(|| {
            Arc::new(Router {
                rule: rule.to_string(),
                ..Router::default()
            })
        });
        let http = HttpConfig {
            routers: [("r".to_string(), router)].into(),
            ..HttpConfig::default()
        };
        let config = DynamicConfig {
            http: Some(http),
            ..DynamicConfig::default()
        };
        Snapshot::new("file", config, Vec::new())
    }

    #[test]
    fn same_as_is_equality() {
        let a = snapshot("Host(`a`)", None);
        let shared = &a.config.http.as_ref().expect("http").routers["r"];
        for (b, same) in [
            (snapshot("", Some(shared)), true),
            (snapshot("Host(`a`)", None), true),
            (snapshot("Host(`b`)", None), false),
        ] {
            assert_eq!(a.same_as(&b), same);
            assert_eq!(a == b, same);
        }
        let mut other = snapshot("Host(`a`)", None);
        other.provider = "docker".to_string();
        assert!(!a.same_as(&other));
    }
}
