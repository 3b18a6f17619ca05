//! Rendering, table-driven: each row is a template and what Go's `text/template` with
//! sprig prints for it (derived from Go's and sprig's source).

mod control;
mod errors;
mod functions;

use crate::{Func, Funcs, Template, Value};

/// Renders `src` with the file provider's functions, `env` reading a fixed table, and `dot`.
pub(crate) fn render_with(src: &str, dot: &Value) -> Result<String, String> {
    let funcs = Funcs::traefik_file().with(
        "env",
        Func::new(1, Some(1), |a: &[Value]| {
            let v = match a[0].as_str() {
                Some("STAGE") => "prod",
                Some("HOSTS") => "a.example.com,b.example.com",
                _ => "",
            };
            Ok(Value::from(v))
        }),
    );
    Template::parse(src, &funcs)
        .and_then(|t| t.render(dot))
        .map_err(|e| e.to_string())
}

/// Renders with Traefik's data for files: `false`.
pub(crate) fn render(src: &str) -> Result<String, String> {
    render_with(src, &Value::Bool(false))
}

pub(crate) fn check(rows: &[(&str, &str)]) {
    for (src, want) in rows {
        assert_eq!(render(src).as_deref(), Ok(*want), "{src}");
    }
}
