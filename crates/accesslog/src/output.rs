//! Where lines go: standard output, or a file that is created with its directory, appended
//! to, and reopened on demand (SIGUSR1, after logrotate renamed it). Shared by the access log
//! and Waygate's own log (`log.filePath`).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// A log file that can be reopened under its path while writers hold it.
#[derive(Debug)]
pub struct ReopenableFile {
    path: PathBuf,
    file: Mutex<File>,
}

// === impl ReopenableFile ===

impl ReopenableFile {
    /// Opens (creating the directory and the file if needed) `path` for appending.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = open_append(&path)?;
        Ok(Self {
            path,
            file: Mutex::new(file),
        })
    }

    /// Closes the file and opens `path` again: after a rename, lines go to a new file.
    pub fn reopen(&self) -> io::Result<()> {
        let fresh = open_append(&self.path)?;
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = file.flush();
        *file = fresh;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Write for &ReopenableFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // One `write_all` per call under the lock: lines from several threads never interleave.
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush()
    }
}

/// Traefik's `openAccessLogFile`: `MkdirAll(dir, 0755)`, then `O_RDWR|O_CREATE|O_APPEND`, 0664.
fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o664);
    opts.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reopen_follows_a_rename() {
        let dir = std::env::temp_dir().join(format!("waygate-reopen-{}", std::process::id()));
        let path = dir.join("sub/a.log");
        let f = ReopenableFile::open(&path).expect("open");
        (&f).write_all(b"one\n").expect("write");
        let rotated = dir.join("a.log.1");
        std::fs::rename(&path, &rotated).expect("rename");
        (&f).write_all(b"two\n").expect("write");
        f.reopen().expect("reopen");
        (&f).write_all(b"three\n").expect("write");
        assert_eq!(
            std::fs::read_to_string(&rotated).expect("read"),
            "one\ntwo\n"
        );
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "three\n");
        let _ = std::fs::remove_dir_all(dir);
    }
}
