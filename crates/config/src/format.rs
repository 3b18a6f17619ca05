//! File formats: YAML and TOML text into a [`Node`] tree with line/column positions.
//!
//! JSON is read by the YAML parser (YAML is a superset of JSON), as Traefik does for `.yml`
//! files and HTTP-provider bodies.

mod toml;
mod yaml;

use crate::issue::{Issue, IssueKind};
use crate::node::{Node, Pos};

pub use self::toml::parse_toml;
pub use self::yaml::parse_yaml;

/// A syntax error: the whole source is unreadable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// The format of a configuration file, chosen by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Toml,
}

// === impl Format ===

impl Format {
    /// `.yml`, `.yaml` (and `.json`) are YAML, `.toml` is TOML; anything else is not a
    /// configuration file.
    pub fn from_path(path: &str) -> Option<Self> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "yml" | "yaml" | "json" => Some(Format::Yaml),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }

    pub fn parse(self, src: &str) -> Result<Node, SyntaxError> {
        match self {
            Format::Yaml => parse_yaml(src),
            Format::Toml => parse_toml(src),
        }
    }
}

// === impl SyntaxError ===

impl SyntaxError {
    /// The error as an [`Issue`] located in `source`.
    pub fn into_issue(self, source: &str) -> Issue {
        let pos = Pos::At {
            line: self.line,
            col: self.col,
        };
        Issue::error(IssueKind::Syntax, "", self.message).at(source, &pos)
    }
}
