//! One corpus case: a directory under `cases/` holding a Traefik configuration of our own
//! (static file, dynamic files or directories, CLI flags or environment) and a `case.toml`
//! that says which Traefik fixture or documentation page it stands for and what Waygate
//! must make of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// What Waygate must make of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Expect {
    /// Valid for Traefik; Waygate checks it clean (warnings other than unsupported features
    /// allowed) and serves it.
    Accepted,
    /// Valid for Traefik; Waygate checks and serves it but reports, for each of `issues`, an
    /// unsupported feature (warning, or an error that disables only the item using it).
    Unsupported,
    /// Invalid for Traefik too; Waygate reports each of `issues` as an error.
    Rejected,
}

/// `case.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Meta {
    /// The Traefik fixtures (`integration/fixtures/…`) or documentation pages
    /// (`docs/content/…`) this case stands for.
    pub(crate) stands_for: Vec<String>,
    pub(crate) expect: Expect,
    /// Substrings of the expected reports: unsupported features or errors.
    #[serde(default)]
    pub(crate) issues: Vec<String>,
    /// The static file given as `--configFile`, relative to the case; `""` gives none (flags,
    /// environment or the search list). Default: the first of `traefik.toml`, `traefik.yml`,
    /// `traefik.yaml`.
    pub(crate) config: Option<String>,
    /// Extra command-line flags (Traefik's static configuration flags).
    #[serde(default)]
    pub(crate) args: Vec<String>,
    /// Extra environment variables (`TRAEFIK_*`).
    #[serde(default)]
    pub(crate) env: BTreeMap<String, String>,
    /// A directory of this repository (e.g. `examples/seeds`) copied into the case at the
    /// same relative path, so that the repository's own examples run as cases unchanged.
    #[serde(default)]
    pub(crate) from: Option<String>,
    /// Whether to serve the case after checking it (default: yes).
    #[serde(default = "yes")]
    pub(crate) serve: bool,
    /// Why the case is written the way it is (not used by the test).
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) note: String,
}

/// A loaded case.
#[derive(Debug)]
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) dir: PathBuf,
    pub(crate) meta: Meta,
}

fn yes() -> bool {
    true
}

// === impl Case ===

impl Case {
    /// The static file to pass as `--configFile`, if any.
    pub(crate) fn config_file(&self) -> Option<String> {
        match &self.meta.config {
            Some(c) if c.is_empty() => None,
            Some(c) => Some(c.clone()),
            None => ["traefik.toml", "traefik.yml", "traefik.yaml"]
                .into_iter()
                .find(|f| self.dir.join(f).is_file())
                .map(str::to_string),
        }
    }
}

/// Every case under `root`, sorted by name; panics on a malformed `case.toml` (a broken case
/// must not be skipped silently).
pub(crate) fn load_all(root: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(root).expect("cases directory") {
        let dir = entry.expect("cases entry").path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("case name")
            .to_string();
        let text = std::fs::read_to_string(dir.join("case.toml"))
            .unwrap_or_else(|e| panic!("case {name}: case.toml: {e}"));
        let meta: Meta =
            toml::from_str(&text).unwrap_or_else(|e| panic!("case {name}: case.toml: {e}"));
        assert!(
            !meta.stands_for.is_empty(),
            "case {name}: stands_for names no fixture or page"
        );
        assert!(
            meta.expect == Expect::Accepted || !meta.issues.is_empty(),
            "case {name}: an {:?} case lists the issues it expects",
            meta.expect
        );
        cases.push(Case { name, dir, meta });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}
