//! Reading configuration files from disk: one file into its parsed tree, a directory into its
//! sorted list of configuration files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use waygate_config::format::Format;
use waygate_config::node::Node;
use waygate_config::{Issue, IssueKind};

use super::stable;

/// A file that parsed.
#[derive(Debug)]
pub(super) struct Parsed {
    pub(super) tree: Node,
    /// The text is empty or ends with a line break: it was not cut in the middle of a line.
    pub(super) whole_lines: bool,
    /// The text as read, kept instead of the tree to locate later issues (see `Source`).
    pub(super) text: Arc<str>,
    pub(super) format: Format,
}

/// Reads (once the file is not being written, see `stable.rs`), renders (`render.rs`) and
/// parses one file; `Err` when it cannot be read, rendered or parsed at all. `source` is
/// its display name; `log_templates` logs a template and its rendering at debug level.
pub(super) fn read_tree(path: &Path, source: &str, log_templates: bool) -> Result<Parsed, Issue> {
    let Some(format) = Format::from_path(source) else {
        return Err(Issue::error(
            IssueKind::File,
            "providers.file.filename",
            format!("{source}: not a configuration file (expected .yml, .yaml or .toml)"),
        ));
    };
    let text = stable::read_settled(path).map_err(|e| {
        Issue::error(
            IssueKind::File,
            "providers.file",
            format!("cannot read {source}: {e}"),
        )
    })?;
    let tree = super::render::render_and_parse(source, &text, format, log_templates)?;
    Ok(Parsed {
        tree,
        whole_lines: text.is_empty() || text.ends_with('\n'),
        text: text.into(),
        format,
    })
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
