//! The deserializer's error: a message plus the key path, position and child trail of the node
//! it concerns (the trail lets the decoder prune that node and try again).

use std::fmt;

use crate::issue::IssueKind;
use crate::node::Pos;

#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    pub(crate) kind: IssueKind,
    pub(crate) message: String,
    pub(crate) suggestion: Option<String>,
    /// Dotted key path; `None` until the node that saw the error fills it in.
    pub(crate) path: Option<String>,
    pub(crate) pos: Pos,
    /// Child indices from the decoded root to the node in error.
    pub(crate) trail: Vec<usize>,
}

impl DeError {
    pub(crate) fn new(kind: IssueKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            suggestion: None,
            path: None,
            pos: Pos::None,
            trail: Vec::new(),
        }
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl serde::de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(IssueKind::InvalidValue, msg.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(
            IssueKind::Missing,
            format!("missing required key `{field}`"),
        )
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::new(
            IssueKind::Duplicate,
            format!("key `{field}` is set twice (keys are case-insensitive)"),
        )
    }
}
