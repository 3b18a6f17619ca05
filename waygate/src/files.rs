//! The binary's file access: reading the static file, the file provider's files or directory,
//! and the existence checks validation asks for.

use std::path::{Path, PathBuf};

use waygate_config::validate::Files;

/// Real filesystem existence checks.
pub(crate) struct RealFiles;

impl Files for RealFiles {
    fn exists(&self, path: &str) -> bool {
        Path::new(path).is_file()
    }
}

/// Every `.yml`, `.yaml` and `.toml` file under `dir`, recursively, in sorted path order.
pub(crate) fn config_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if waygate_config::format::Format::from_path(&path.to_string_lossy()).is_some()
                && path.extension().is_none_or(|e| e != "json")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}
