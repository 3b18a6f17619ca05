//! The file provider (reference §1.4): `providers.file.filename` or `.directory`, read in
//! full on every change and sent as a [`Snapshot`]. A file holding `{{` is rendered as a Go
//! template before it is parsed, as Traefik does (`render.rs`).
//!
//! Edits must never take routes down by accident, so each file keeps its last good version
//! (`state.rs`): a file that cannot be read or parsed contributes its last good items, in
//! `filename` and `directory` mode alike, with the error and a warning; an item that fails to
//! decode keeps its last good definition (`keep.rs`); a file emptied after having had content,
//! or cut in the middle of a line, is taken for an edit in progress and applied only if it
//! stays like that for [`state::SETTLE`]. A file is read once its writer has closed it
//! (`watch.rs`, `burst.rs`) and its content is settled (`stable.rs`), so a file rewritten in
//! place is not read half-written. Items that never decoded are absent and their issues say
//! why.

mod burst;
mod keep;
mod read;
mod render;
mod share;
mod stable;
mod state;
mod watch;

pub use self::read::config_files;
pub use self::render::parse_config_text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{Notify, mpsc};
use waygate_config::dynamic::DynamicConfig;
use waygate_config::load::{DynamicLoad, merge_with};
use waygate_config::static_config;
use waygate_config::{Issue, IssueKind};

use self::state::FileState;
use crate::snapshot::{Snapshot, Source};

/// The provider name used as `@file`.
const PROVIDER: &str = "file";

/// What one read produces: the configuration, its issues, and the sources it came from.
type Loaded = (Arc<DynamicConfig>, Vec<Issue>, Vec<Source>);

/// Reads and watches `providers.file`.
#[derive(Debug)]
pub struct FileProvider {
    filename: String,
    directory: String,
    watch: bool,
    /// `debugLogGeneratedTemplate`: log each template and what it renders, at debug level.
    log_templates: bool,
    /// Every file's last good version and whether it is settling after being emptied.
    files: Mutex<BTreeMap<PathBuf, FileState>>,
}

// === impl FileProvider ===

impl FileProvider {
    /// Paths are used as written: relative ones are relative to the process's working directory.
    pub fn new(cfg: &static_config::FileProvider) -> Self {
        Self {
            filename: cfg.filename.clone(),
            directory: cfg.directory.clone(),
            watch: cfg.watch,
            log_templates: cfg.debug_log_generated_template,
            files: Mutex::new(BTreeMap::new()),
        }
    }

    /// Reads everything once and returns the provider's complete snapshot.
    ///
    /// Blocks while a file is being written (up to about a second, see `stable.rs`).
    pub fn load(&self) -> Snapshot {
        self.load_at(Instant::now())
    }

    /// [`FileProvider::load`], taking `now` as the time of the read (for the settle period).
    fn load_at(&self, now: Instant) -> Snapshot {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let (config, issues, sources) = if !self.filename.is_empty() {
            self.load_file(&mut files, now)
        } else if !self.directory.is_empty() {
            self.load_directory(&mut files, now)
        } else {
            let issue = Issue::error(
                IssueKind::Missing,
                "providers.file",
                "the file provider needs `filename` or `directory`",
            );
            (Arc::default(), vec![issue], Vec::new())
        };
        let issues: Vec<Issue> = issues
            .into_iter()
            .map(|i| match i.provider {
                Some(_) => i,
                None => i.with_provider(PROVIDER),
            })
            .collect();
        log_reload(&config, &issues);
        Snapshot::shared(PROVIDER, config, issues).with_sources(sources)
    }

    /// When a held file (one that looks like an edit in progress) is due to be read again and
    /// applied as it is (the earliest of them).
    fn settle_at(&self) -> Option<Instant> {
        let files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.values().filter_map(FileState::settle_at).min()
    }

    /// Sends the initial snapshot, then a new one after each change on disk (when `watch` is
    /// set), each time `reload` is notified and when a held file's settle period ends.
    /// Returns when `tx` is closed.
    pub async fn run(self, tx: mpsc::Sender<Snapshot>, reload: Arc<Notify>) {
        // Watch before the first read so that no change between the two is missed.
        let mut changes = if self.watch {
            watch::Changes::start(&self.filename, &self.directory)
        } else {
            None
        };
        let this = Arc::new(self);
        // Set when a settle period ended: the read counts as made at its end at the earliest,
        // so that timer rounding cannot make it look a little early.
        let mut settled = None;
        loop {
            let provider = this.clone();
            let read = tokio::task::spawn_blocking(move || {
                let now = Instant::now();
                provider.load_at(settled.map_or(now, |at: Instant| at.max(now)))
            });
            let snapshot = match read.await {
                Ok(snapshot) => snapshot,
                Err(e) => {
                    tracing::error!(
                        provider = PROVIDER,
                        error = %e,
                        "reading the configuration failed"
                    );
                    return;
                }
            };
            if tx.send(snapshot).await.is_err() {
                return;
            }
            let settle = this.settle_at();
            settled = None;
            tokio::select! {
                () = reload.notified() => {
                    tracing::info!(provider = PROVIDER, "reload requested");
                }
                Some(()) = watch::next(&mut changes) => {}
                () = sleep_until(settle) => settled = settle,
                () = tx.closed() => return,
            }
        }
    }

    /// `filename` mode: the file, or its last good version.
    fn load_file(&self, files: &mut BTreeMap<PathBuf, FileState>, now: Instant) -> Loaded {
        let path = Path::new(&self.filename);
        let read = read::read_tree(path, &self.filename, self.log_templates);
        let state = files.entry(path.to_path_buf()).or_default();
        let out = state.update(&self.filename, read, now);
        let source = out.source(&self.filename);
        (out.config, out.issues, vec![source])
    }

    /// `directory` mode: every configuration file (or its last good version), sorted, the
    /// first definition of a name winning. Files no longer there are forgotten; when the
    /// directory itself cannot be listed, every file known keeps its last good version.
    fn load_directory(&self, files: &mut BTreeMap<PathBuf, FileState>, now: Instant) -> Loaded {
        let mut all = DynamicLoad::default();
        let mut sources = Vec::new();
        match read::config_files(Path::new(&self.directory)) {
            Ok(paths) => {
                files.retain(|p, _| paths.binary_search(p).is_ok());
                for path in paths {
                    let source = path.to_string_lossy().into_owned();
                    let read = read::read_tree(&path, &source, self.log_templates);
                    let out = files.entry(path).or_default().update(&source, read, now);
                    let (load, source) = out.into_load(&source);
                    merge_with(&mut all, load, &source.name, |i| source.locate_all(i));
                    sources.push(source);
                }
            }
            Err(e) => {
                let dir = &self.directory;
                all.issues.push(Issue::error(
                    IssueKind::File,
                    "providers.file.directory",
                    format!("cannot read directory {dir}: {e}"),
                ));
                all.issues.push(Issue::warning(
                    IssueKind::File,
                    "providers.file.directory",
                    format!("keeping the last good configuration of {dir}"),
                ));
                for (path, state) in files.iter_mut() {
                    let name = path.to_string_lossy();
                    let (load, source) = state.unread().into_load(&name);
                    merge_with(&mut all, load, &source.name, |i| source.locate_all(i));
                    sources.push(source);
                }
            }
        }
        (Arc::new(all.config), all.issues, sources)
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

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;
