//! The binary's file access: reading the static file, the file provider's files or directory,
//! and the existence checks validation asks for.

use std::path::Path;

use waygate_config::validate::Files;

/// Real filesystem existence checks.
pub(crate) struct RealFiles;

impl Files for RealFiles {
    fn exists(&self, path: &str) -> bool {
        Path::new(path).is_file()
    }
}
