//! Test helpers: configuration from YAML, temporary directories, bounded waits.

use std::path::{Path, PathBuf};
use std::time::Duration;

use waygate_config::decode;
use waygate_config::dynamic::DynamicConfig;
use waygate_config::format::Format;
use waygate_config::static_config::StaticConfig;

/// Static configuration from YAML; panics on any issue.
pub(crate) fn static_yaml(yaml: &str) -> StaticConfig {
    let node = Format::Yaml.parse(yaml).expect("test YAML parses");
    decode::<StaticConfig>(&node, "", "static.yml")
        .clean()
        .expect("test static config decodes")
}

/// Dynamic configuration from YAML; panics on any issue.
pub(crate) fn dynamic_yaml(yaml: &str) -> DynamicConfig {
    let node = Format::Yaml.parse(yaml).expect("test YAML parses");
    let load = waygate_config::load::decode_dynamic(&node, "test.yml", "test");
    assert!(load.issues.is_empty(), "{:#?}", load.issues);
    load.config
}

/// A fresh directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "waygate-provider-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Polls `check` every 10 ms until it returns `Some`, panicking after `PATIENCE`.
pub(crate) async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// How long a propagating change may take in tests.
pub(crate) const PATIENCE: Duration = Duration::from_secs(5);
