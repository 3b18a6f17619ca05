//! Go's `text/template` with the sprig functions: what Traefik renders every file of the file
//! provider with, and `providers.docker.defaultRule`.
//!
//! A [`Template`] is parsed once ([`lex`] → [`parse`] into the [`tree`]) against a set of
//! [`Funcs`], then rendered ([`exec`]) with a data value (`.`). The syntax is Go's: text and
//! `{{ … }}` actions with `{{-`/`-}}` trimming and `{{/* comments */}}`; pipelines with
//! `|`, parentheses, `$variables` (`:=` declares, `=` assigns); `if`/`else if`/`else`,
//! `with`/`else with`, `range` over lists, maps (sorted keys) and integers with
//! `$i, $e :=` and `else`, `break` and `continue`. Values follow Go's rules: truthiness, the
//! way `fmt` prints them, `<no value>` for a missing map key. `define`, `template` and
//! `block` (named templates) are not supported.
//!
//! Functions are checked when the template is parsed, as Go does: an unknown one is an error
//! naming it and its position. [`Funcs::sprig`] holds Go's builtins and the sprig functions
//! ([`funcs`] lists which); [`Funcs::traefik_file`] and [`Funcs::traefik_default_rule`] add
//! what Traefik adds for each use.
//!
//! Rendering is bounded (output size, loop iterations, nesting), so a mistaken template
//! fails with an error instead of exhausting the process.

mod error;
mod exec;
pub mod funcs;
mod lex;
mod parse;
mod rendered;
mod tree;
mod value;

pub use self::error::Error;
pub use self::funcs::{Func, Funcs, normalize};
pub use self::rendered::Rendered;
pub use self::value::{Map, Struct, Value};

use std::sync::Arc;

/// A parsed template.
#[derive(Clone)]
pub struct Template {
    src: Arc<str>,
    root: Vec<tree::Node>,
    funcs: Funcs,
}

// === impl Template ===

impl Template {
    /// Parses `src`; every function it calls must be in `funcs`.
    pub fn parse(src: &str, funcs: &Funcs) -> Result<Self, Error> {
        let root = parse::parse(src, funcs)?;
        Ok(Self {
            src: src.into(),
            root,
            funcs: funcs.clone(),
        })
    }

    /// Renders the template with `dot` as its data.
    pub fn render(&self, dot: &Value) -> Result<String, Error> {
        self.render_mapped(dot).map(|r| r.text)
    }

    /// Renders the template, remembering where each part of the output came from, so that a
    /// position in the output can be traced back to the template ([`Rendered::source_position`]).
    pub fn render_mapped(&self, dot: &Value) -> Result<Rendered, Error> {
        exec::execute(self, dot)
    }

    /// The template's text.
    pub fn source(&self) -> &str {
        &self.src
    }
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template").field("src", &self.src).finish()
    }
}

#[cfg(test)]
mod tests;
