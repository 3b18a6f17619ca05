//! `defaultRule` templates: Go's `text/template` with sprig and `normalize`, as Traefik's
//! `provider.MakeDefaultRuleTemplate` builds them, on the shared engine (`waygate-template`).
//!
//! The data is Traefik's: `.Name` (the default service name), `.ContainerName` (without the
//! leading `/`) and `.Labels` (`index .Labels "key"`, or `.Labels.key`, which is
//! `<no value>` when the label is missing, as in Go). Sprig's `split` is sprig's here (a map
//! keyed `_0`, `_1`, …), not the file provider's.

use std::collections::BTreeMap;

use waygate_template::{Funcs, Map, Value};

/// Go's name for Traefik's anonymous model struct, as its errors print it.
const MODEL_TYPE: &str = "struct { Name string; ContainerName string; Labels map[string]string }";

/// A parsed template, rendered once per container.
#[derive(Debug, Clone)]
pub struct Template {
    inner: waygate_template::Template,
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

/// Why a template could not be parsed or rendered (with its `line:col`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

// === impl Template ===

impl Template {
    /// Parses `src`.
    pub fn parse(src: &str) -> Result<Self, TemplateError> {
        waygate_template::Template::parse(src, &Funcs::traefik_default_rule())
            .map(|inner| Self { inner })
            .map_err(|e| TemplateError(e.to_string()))
    }

    /// Renders the template for one container.
    pub fn render(&self, data: &Data<'_>) -> Result<String, TemplateError> {
        let labels = data.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let model = Value::structure(
            MODEL_TYPE,
            vec![
                ("Name", Value::from(data.name)),
                ("ContainerName", Value::from(data.container_name)),
                ("Labels", Value::Map(Map::strings(labels))),
            ],
        );
        self.inner
            .render(&model)
            .map_err(|e| TemplateError(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
