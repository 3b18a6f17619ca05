//! Reading a file that someone may be writing right now.
//!
//! A writer that rewrites a file in place (open with `O_TRUNC`, write in one or several
//! chunks, close) leaves it truncated or half-written for a moment; a read in that moment sees
//! a torn file. The watcher already waits for the writer's close, but events can be late, and
//! a reload request or a burst cut short reads at any time. So a read here is only trusted
//! when the file looks settled: its modification time is at least [`QUIET`] old, and its
//! length, modification time and content did not change while it was read. Otherwise it is
//! read again a little later, for at most [`PATIENCE`]; after that the last read is returned
//! and the parser and the per-file last-good logic (`state.rs`) decide what to do with it.

use std::fs::Metadata;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

/// How old the last modification must be before the content is trusted.
const QUIET: Duration = Duration::from_millis(50);
/// Pause before reading again after the file changed under the read.
const RETRY: Duration = Duration::from_millis(20);
/// Upper bound on the waiting one read may do.
const PATIENCE: Duration = Duration::from_secs(1);

/// What identifies one version of a file's content, short of the content itself.
#[derive(Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

/// The file's text, read when it is not being written (or after [`PATIENCE`]).
///
/// Blocks (sleeps) while it waits: call it off the async workers.
pub(super) fn read_settled(path: &Path) -> io::Result<String> {
    let start = Instant::now();
    loop {
        let before = Stamp::of(&std::fs::metadata(path)?);
        let patience = PATIENCE.saturating_sub(start.elapsed());
        if let Some(wait) = before.too_recent().filter(|w| *w <= patience) {
            std::thread::sleep(wait);
            continue;
        }
        let bytes = std::fs::read(path)?;
        let after = Stamp::of(&std::fs::metadata(path)?);
        let settled = before == after
            && after.len == bytes.len() as u64
            && std::fs::read(path).is_ok_and(|again| again == bytes);
        if settled || start.elapsed() + RETRY > PATIENCE {
            if !settled {
                tracing::debug!(
                    provider = super::PROVIDER,
                    file = %path.display(),
                    "the file keeps changing; using the last read"
                );
            }
            return String::from_utf8(bytes)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
        }
        std::thread::sleep(RETRY);
    }
}

// === impl Stamp ===

impl Stamp {
    fn of(meta: &Metadata) -> Self {
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }

    /// How long to wait until the last modification is [`QUIET`] old; `None` when it already
    /// is, or when the time cannot be compared (no mtime, or one in the future).
    fn too_recent(&self) -> Option<Duration> {
        let age = SystemTime::now().duration_since(self.modified?).ok()?;
        QUIET.checked_sub(age).filter(|w| !w.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TempDir;

    #[test]
    fn waits_until_the_last_write_is_quiet() {
        let dir = TempDir::new("settled");
        let file = dir.path().join("f.yml");
        std::fs::write(&file, "a: 1\n").expect("write");
        let start = Instant::now();
        assert_eq!(read_settled(&file).expect("read"), "a: 1\n");
        assert!(start.elapsed() < PATIENCE);
    }

    #[test]
    fn sees_a_writer_that_finishes_during_the_wait() {
        let dir = TempDir::new("torn");
        let file = dir.path().join("f.yml");
        std::fs::write(&file, "http:\n  rou").expect("write");
        let writer = {
            let file = file.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&file)
                    .expect("open");
                for chunk in ["ters:\n", "    r:\n", "      rule: Host(`x`)\n"] {
                    std::thread::sleep(Duration::from_millis(5));
                    f.write_all(chunk.as_bytes()).expect("append");
                }
            })
        };
        // Each chunk is younger than QUIET when the read looks, so it waits for the last one.
        let text = read_settled(&file).expect("read");
        writer.join().expect("writer");
        assert_eq!(text, "http:\n  routers:\n    r:\n      rule: Host(`x`)\n");
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let dir = TempDir::new("missing-settled");
        let err = read_settled(&dir.path().join("nope.yml")).expect_err("missing");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
