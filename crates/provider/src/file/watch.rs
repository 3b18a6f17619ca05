//! Filesystem change notifications for the file provider, debounced.
//!
//! `filename` mode watches the file's parent directory (not recursive) and keeps only events on
//! that file name, as Traefik does: editors and config-management tools replace files by
//! writing a temporary file and renaming it over the original, which a watch on the file
//! itself would miss. `directory` mode watches the directory recursively.
//!
//! Bursts of events (one save is often several) are coalesced into one re-read, and a file
//! being written in place is read only after its writer closed it (`burst.rs`). Access events
//! are ignored (reading the files ourselves produces them), except close-after-write, which is
//! how a writer says it is done.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::burst::{Burst, Signal};
use super::read;

/// Whether the platform's watcher reports close-after-write (inotify does; FSEvents, kqueue
/// and polling do not, and there a write must not wait for a close that never comes).
const CLOSE_EVENTS: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// A live watch: dropping it stops watching.
pub(super) struct Changes {
    _watcher: RecommendedWatcher,
    rx: mpsc::UnboundedReceiver<Signal>,
    /// The burst in progress; kept here so that a cancelled [`Changes::next`] loses nothing.
    burst: Option<Burst>,
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
            Ok(event) => {
                let relevant = event.paths.iter().filter(|p| {
                    name.as_ref()
                        .is_none_or(|name| p.file_name() == Some(name.as_os_str()))
                });
                for path in relevant {
                    // In `directory` mode only configuration files are waited for: an editor's
                    // swap file is written to, and kept open, for as long as it edits.
                    let ours = name.is_some() || read::is_config_file(path);
                    if let Some(signal) = signal(&event.kind, path, ours) {
                        // The receiver is gone only when the provider stopped.
                        let _ = tx.send(signal);
                    }
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
            burst: None,
        })
    }

    /// Waits for the next change, then for its burst to end. Cancel-safe. Never completes
    /// once the watcher is gone.
    async fn next(&mut self) {
        loop {
            let deadline = self.burst.as_ref().map(Burst::deadline);
            tokio::select! {
                signal = self.rx.recv() => {
                    let Some(signal) = signal else {
                        return std::future::pending().await;
                    };
                    let now = Instant::now();
                    self.burst.get_or_insert_with(|| Burst::new(now)).note(signal, now);
                }
                () = sleep_until(deadline) => {
                    let unclosed = self.burst.take().map_or(0, |b| b.unclosed());
                    if unclosed > 0 {
                        tracing::debug!(
                            provider = "file",
                            files = unclosed,
                            "reading although a writer has not closed its file yet"
                        );
                    }
                    return;
                }
            }
        }
    }
}

/// Waits for the next change, then for its burst to end. Never completes without a watch.
pub(super) async fn next(changes: &mut Option<Changes>) -> Option<()> {
    match changes {
        Some(c) => c.next().await,
        None => std::future::pending().await,
    }
    Some(())
}

/// What `kind` on `path` means for the debounce (a write to it is waited for only if `ours`);
/// `None` for events to ignore.
fn signal(kind: &EventKind, path: &Path, ours: bool) -> Option<Signal> {
    let path = path.to_path_buf();
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => Some(Signal::Closed(path)),
        // Our own reads open and close the files: never react to those.
        EventKind::Access(_) => None,
        EventKind::Create(CreateKind::Folder) => Some(Signal::Other),
        EventKind::Create(_) | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Any) => {
            Some(if CLOSE_EVENTS && ours {
                Signal::Write(path)
            } else {
                Signal::Other
            })
        }
        EventKind::Modify(ModifyKind::Name(_)) | EventKind::Remove(_) => Some(Signal::Gone(path)),
        _ => Some(Signal::Other),
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
