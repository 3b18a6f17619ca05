//! Configuration problems as values.
//!
//! An [`Issue`] says which provider and item it concerns, the key path, where it was written and
//! what is wrong. Decoding and validation never stop at the first problem: they return every
//! issue, and the runtime disables only the items that carry an error.

use std::fmt;

use serde::Serialize;

use crate::node::Pos;

/// How bad an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The item still works; the user should look.
    Warning,
    /// The item (or, for static configuration, the gateway) cannot start.
    Error,
}

/// What kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum IssueKind {
    /// The source could not be parsed at all (YAML/TOML syntax).
    Syntax,
    /// A key the model does not know.
    UnknownKey,
    /// A value of the wrong type or out of range.
    InvalidValue,
    /// A required value is missing.
    Missing,
    /// A reference to a router, service, middleware, entry point, … that does not exist.
    MissingReference,
    /// A rule that does not parse.
    InvalidRule,
    /// The same name defined twice.
    Duplicate,
    /// Options that cannot be combined (e.g. a middleware with two types).
    Conflict,
    /// A file named by the configuration could not be read.
    File,
    /// Accepted by Traefik but not (yet) supported by Waygate, or deprecated.
    Unsupported,
    /// Valid (often Traefik's default) but leaves the gateway exposed, e.g. no upstream
    /// timeout; kept as configured.
    Advice,
}

/// The configuration object an issue belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRef {
    /// `router`, `service`, `middleware`, `serversTransport`, `tcpRouter`, …, `entryPoint`,
    /// `certificatesResolver`, `tlsOption`, `tlsStore`, `tlsCertificate`, or a static section.
    pub kind: &'static str,
    pub name: String,
}

/// Where an issue was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// A file path, or a description of a flat source (`flag`, `env`, `container NAME`, …).
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub col: Option<u32>,
    /// The flat key (label, flag, env var, KV key) as written, for flat sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// One configuration problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    pub severity: Severity,
    pub kind: IssueKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemRef>,
    /// Dotted key path from the root of the source, e.g. `http.routers.web.rule`.
    pub key_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

// === impl Issue ===

impl Issue {
    pub fn error(kind: IssueKind, key_path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            kind,
            provider: None,
            item: None,
            key_path: key_path.into(),
            location: None,
            message: message.into(),
            suggestion: None,
        }
    }

    pub fn warning(
        kind: IssueKind,
        key_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(kind, key_path, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The issue as one line without its severity: `source:line:col: key.path: message`
    /// (what an item's status lists).
    pub fn short(&self) -> String {
        let mut s = String::new();
        if let Some(loc) = &self.location {
            s.push_str(&format!("{loc}: "));
        }
        if !self.key_path.is_empty() {
            s.push_str(&format!("{}: ", self.key_path));
        }
        s.push_str(&self.message);
        if let Some(sug) = &self.suggestion {
            s.push_str(&format!(" (did you mean `{sug}`?)"));
        }
        s
    }

    pub fn with_item(mut self, kind: &'static str, name: impl Into<String>) -> Self {
        self.item = Some(ItemRef {
            kind,
            name: name.into(),
        });
        self
    }

    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    pub fn with_suggestion(mut self, suggestion: Option<impl Into<String>>) -> Self {
        self.suggestion = suggestion.map(Into::into);
        self
    }

    pub fn with_location(mut self, location: Option<Location>) -> Self {
        if self.location.is_none() {
            self.location = location;
        }
        self
    }

    /// Places the issue in `source` at `pos`.
    pub fn at(self, source: &str, pos: &Pos) -> Self {
        let location = Location::new(source, pos);
        self.with_location(Some(location))
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        if !self.key_path.is_empty() {
            write!(f, "{}: ", self.key_path)?;
        }
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

// === impl Location ===

impl Location {
    pub fn new(source: &str, pos: &Pos) -> Self {
        let (line, col, key) = match pos {
            Pos::None => (None, None, None),
            Pos::At { line, col } => (Some(*line), Some(*col), None),
            Pos::Key(k) => (None, None, Some(k.to_string())),
        };
        Self {
            source: source.to_string(),
            line,
            col,
            key,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
        }
        if let Some(key) = &self.key {
            write!(f, " {key}")?;
        }
        Ok(())
    }
}

/// True when any issue in `issues` is an error.
pub fn has_errors(issues: &[Issue]) -> bool {
    issues.iter().any(Issue::is_error)
}
