//! The file provider (reference §1.4): `providers.file.filename` or `.directory`, read in
//! full on every change and sent as a [`Snapshot`].
//!
//! A file that cannot be read or parsed never empties the configuration: in `filename` mode
//! the last good configuration is sent again with the error; in `directory` mode only the
//! broken file's items are missing (the other files still load). Items with decode errors
//! are absent and their issues say why.

mod read;
mod watch;

pub use self::read::config_files;

use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, mpsc};
use waygate_config::dynamic::DynamicConfig;
use waygate_config::load::{DynamicLoad, merge};
use waygate_config::static_config;
use waygate_config::{Issue, IssueKind};

use crate::snapshot::Snapshot;

/// The provider name used as `@file`.
const PROVIDER: &str = "file";

/// Reads and watches `providers.file`.
#[derive(Debug)]
pub struct FileProvider {
    filename: String,
    directory: String,
    watch: bool,
    /// The last configuration read without a fatal error, sent again when the input breaks.
    last_good: Mutex<Option<Arc<DynamicConfig>>>,
}

// === impl FileProvider ===

impl FileProvider {
    /// Paths are used as written: relative ones are relative to the process's working directory.
    pub fn new(cfg: &static_config::FileProvider) -> Self {
        Self {
            filename: cfg.filename.clone(),
            directory: cfg.directory.clone(),
            watch: cfg.watch,
            last_good: Mutex::new(None),
        }
    }

    /// Reads everything once and returns the provider's complete snapshot.
    pub fn load(&self) -> Snapshot {
        let (config, issues) = if !self.filename.is_empty() {
            self.load_file()
        } else if !self.directory.is_empty() {
            self.load_directory()
        } else {
            let issue = Issue::error(
                IssueKind::Missing,
                "providers.file",
                "the file provider needs `filename` or `directory`",
            );
            (Some(DynamicConfig::default()), vec![issue])
        };
        let mut last_good = self.last_good.lock().unwrap_or_else(|e| e.into_inner());
        let config = match config {
            Some(c) => {
                let c = Arc::new(c);
                *last_good = Some(c.clone());
                c
            }
            None => {
                tracing::warn!(provider = PROVIDER, "keeping the last good configuration");
                last_good.clone().unwrap_or_default()
            }
        };
        let issues: Vec<Issue> = issues
            .into_iter()
            .map(|i| match i.provider {
                Some(_) => i,
                None => i.with_provider(PROVIDER),
            })
            .collect();
        log_reload(&config, &issues);
        Snapshot {
            provider: PROVIDER.to_string(),
            config,
            issues,
        }
    }

    /// Sends the initial snapshot, then a new one after each change on disk (when `watch` is
    /// set) and each time `reload` is notified. Returns when `tx` is closed.
    pub async fn run(self, tx: mpsc::Sender<Snapshot>, reload: Arc<Notify>) {
        // Watch before the first read so that no change between the two is missed.
        let mut changes = if self.watch {
            watch::Changes::start(&self.filename, &self.directory)
        } else {
            None
        };
        if tx.send(self.load()).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                () = reload.notified() => {
                    tracing::info!(provider = PROVIDER, "reload requested");
                }
                Some(()) = watch::next(&mut changes) => {}
                () = tx.closed() => return,
            }
            if tx.send(self.load()).await.is_err() {
                return;
            }
        }
    }

    /// `filename` mode: `None` when the file cannot be read or parsed at all.
    fn load_file(&self) -> (Option<DynamicConfig>, Vec<Issue>) {
        match read::read_file(Path::new(&self.filename)) {
            Ok(load) => (Some(load.config), load.issues),
            Err(issue) => (None, vec![issue]),
        }
    }

    /// `directory` mode: every configuration file, sorted, the first definition of a name
    /// winning; `None` only when the directory itself cannot be listed.
    fn load_directory(&self) -> (Option<DynamicConfig>, Vec<Issue>) {
        let files = match read::config_files(Path::new(&self.directory)) {
            Ok(files) => files,
            Err(e) => {
                let issue = Issue::error(
                    IssueKind::File,
                    "providers.file.directory",
                    format!("cannot read directory {}: {e}", self.directory),
                );
                return (None, vec![issue]);
            }
        };
        let mut all = DynamicLoad::default();
        let mut broken = Vec::new();
        for path in files {
            match read::read_tree(&path) {
                Ok((tree, source)) => {
                    let load = waygate_config::load::decode_dynamic(&tree, &source, PROVIDER);
                    merge(&mut all, load, &source, &tree);
                }
                Err(issue) => broken.push(issue),
            }
        }
        all.issues.extend(broken);
        (Some(all.config), all.issues)
    }
}

fn log_reload(config: &DynamicConfig, issues: &[Issue]) {
    for issue in issues {
        if issue.is_error() {
            tracing::error!(provider = PROVIDER, "{issue}");
        } else {
            tracing::warn!(provider = PROVIDER, "{issue}");
        }
    }
    let (routers, services, middlewares) = config.counts();
    let errors = issues.iter().filter(|i| i.is_error()).count();
    tracing::info!(
        provider = PROVIDER,
        routers,
        services,
        middlewares,
        errors,
        "file provider configuration read"
    );
}

#[cfg(test)]
mod tests;
