//! Filesystem change notifications for the file provider, debounced.
//!
//! `filename` mode watches the file's parent directory (not recursive) and keeps only events on
//! that file name, as Traefik does: editors and config-management tools replace files by
//! writing a temporary file and renaming it over the original, which a watch on the file
//! itself would miss. `directory` mode watches the directory recursively. Bursts of events
//! (one save is often several) are coalesced into one re-read.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Quiet time after the last event before re-reading.
const DEBOUNCE: Duration = Duration::from_millis(75);
/// Upper bound on how long a continuous burst can delay a re-read.
const MAX_DELAY: Duration = Duration::from_secs(1);

/// A live watch: dropping it stops watching.
pub(super) struct Changes {
    _watcher: RecommendedWatcher,
    rx: mpsc::UnboundedReceiver<()>,
}

// === impl Changes ===

impl Changes {
    /// Starts watching; `None` (after logging why) when the watch cannot be set up, in which
    /// case the provider still reloads on request.
    pub(super) fn start(filename: &str, directory: &str) -> Option<Self> {
        let (tx, rx) = mpsc::unbounded_channel();
        let (dir, mode, name): (PathBuf, _, Option<OsString>) = if !filename.is_empty() {
            let path = Path::new(filename);
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = path.file_name().map(|n| n.to_os_string());
            (parent.to_path_buf(), RecursiveMode::NonRecursive, name)
        } else {
            (PathBuf::from(directory), RecursiveMode::Recursive, None)
        };
        let handler = move |res: notify::Result<Event>| match res {
            // Reading the files ourselves produces access events: never react to those.
            Ok(event) if matches!(event.kind, EventKind::Access(_)) => {}
            Ok(event) => {
                let relevant = name.as_ref().is_none_or(|name| {
                    event
                        .paths
                        .iter()
                        .any(|p| p.file_name() == Some(name.as_os_str()))
                });
                if relevant {
                    // The receiver is gone only when the provider stopped.
                    let _ = tx.send(());
                }
            }
            Err(e) => tracing::warn!(provider = "file", error = %e, "file watch error"),
        };
        let mut watcher = match notify::recommended_watcher(handler) {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(provider = "file", error = %e, "cannot start the file watcher");
                return None;
            }
        };
        if let Err(e) = watcher.watch(&dir, mode) {
            tracing::error!(
                provider = "file",
                path = %dir.display(),
                error = %e,
                "cannot watch; changes will only be read on reload"
            );
            return None;
        }
        tracing::debug!(provider = "file", path = %dir.display(), "watching");
        Some(Self {
            _watcher: watcher,
            rx,
        })
    }
}

/// Waits for the next change, then for the burst to settle. Never completes without a watch.
pub(super) async fn next(changes: &mut Option<Changes>) -> Option<()> {
    let Some(c) = changes else {
        return std::future::pending().await;
    };
    if c.rx.recv().await.is_none() {
        return std::future::pending().await;
    }
    let max = Instant::now() + MAX_DELAY;
    loop {
        let deadline = (Instant::now() + DEBOUNCE).min(max);
        tokio::select! {
            ev = c.rx.recv() => if ev.is_none() { break },
            () = tokio::time::sleep_until(deadline) => break,
        }
    }
    Some(())
}
