//! `defaultRule` templates: the small subset of Go's `text/template` that Traefik users write
//! in `providers.docker.defaultRule` (reference §1.5).
//!
//! Supported: literal text around `{{ … }}` actions (with `{{-`/`-}}` trimming), the fields
//! `.Name`, `.ContainerName`, `.Labels` (and `.Labels.key`), string literals (`"…"` and
//! `` `…` ``), function calls with arguments, parentheses, and pipelines
//! (`{{ .Name | normalize }}` passes the left value as the last argument). Functions:
//! `normalize`, `index`, and the sprig string helpers `lower`, `upper`, `trim`,
//! `trimPrefix`, `trimSuffix`, `replace`, `default`. Anything else (`if`, `range`,
//! variables) is a parse error that says so.

mod eval;
mod parse;

use std::collections::BTreeMap;

/// A parsed template, rendered once per container.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pieces: Vec<Piece>,
}

/// The data a template sees (Traefik's `{Name, ContainerName, Labels}`).
#[derive(Debug, Clone, Copy)]
pub struct Data<'a> {
    /// The default service name (normalized).
    pub name: &'a str,
    /// The container name without the leading `/`.
    pub container_name: &'a str,
    pub labels: &'a BTreeMap<String, String>,
}

/// Why a template could not be parsed or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Action(Pipeline),
}

/// `cmd | cmd | …`
#[derive(Debug, Clone, PartialEq)]
struct Pipeline {
    commands: Vec<Command>,
}

/// A function call with arguments, or a single operand.
#[derive(Debug, Clone, PartialEq)]
enum Command {
    Call(String, Vec<Operand>),
    Operand(Operand),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    /// `.` (the whole data) or `.A.B` as the list of field names.
    Field(Vec<String>),
    Str(String),
    Paren(Box<Pipeline>),
}

// === impl Template ===

impl Template {
    /// Parses `src`.
    pub fn parse(src: &str) -> Result<Self, TemplateError> {
        parse::parse(src).map(|pieces| Self { pieces })
    }

    /// Renders the template for one container.
    pub fn render(&self, data: &Data<'_>) -> Result<String, TemplateError> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Action(p) => out.push_str(&eval::pipeline(p, data)?.into_text()?),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
