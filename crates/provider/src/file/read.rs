//! Reading configuration files from disk: one file into a decoded load, a directory into its
//! sorted list of configuration files.

use std::path::{Path, PathBuf};

use waygate_config::format::Format;
use waygate_config::load::{DynamicLoad, decode_dynamic};
use waygate_config::node::Node;
use waygate_config::{Issue, IssueKind};

use super::PROVIDER;

/// Reads, parses and decodes one file; `Err` when it cannot be read or parsed at all.
pub(super) fn read_file(path: &Path) -> Result<DynamicLoad, Issue> {
    let (tree, source) = read_tree(path)?;
    Ok(decode_dynamic(&tree, &source, PROVIDER))
}

/// Reads and parses one file into its tree and its display name.
pub(super) fn read_tree(path: &Path) -> Result<(Node, String), Issue> {
    let source = path.to_string_lossy().into_owned();
    let Some(format) = Format::from_path(&source) else {
        return Err(Issue::error(
            IssueKind::File,
            "providers.file.filename",
            format!("{source}: not a configuration file (expected .yml, .yaml or .toml)"),
        ));
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        Issue::error(
            IssueKind::File,
            "providers.file",
            format!("cannot read {source}: {e}"),
        )
    })?;
    let tree = format.parse(&text).map_err(|e| e.into_issue(&source))?;
    Ok((tree, source))
}

/// Every `.yml`, `.yaml` and `.toml` file under `dir`, recursively, in sorted path order.
pub fn config_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if is_config_file(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `.yml`, `.yaml`, `.toml` (not `.json`, which Traefik's directory mode skips).
pub(super) fn is_config_file(path: &Path) -> bool {
    Format::from_path(&path.to_string_lossy()).is_some()
        && path.extension().is_none_or(|e| e != "json")
}
