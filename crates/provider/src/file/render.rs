//! Files as Traefik reads them: a file whose text contains `{{` is first rendered as a Go
//! template (text/template with sprig, `normalize`, and Go's `strings.Split` as `split`;
//! `env` reads the process environment; the data `.` is `false`, as Traefik passes), then
//! parsed as YAML or TOML.
//!
//! A template error is a syntax error of the file, at its line and column, so the file keeps
//! its last good version as for a YAML error. Positions in the parsed tree, and those of a
//! YAML/TOML error in the rendered text, are mapped back to the template line that produced
//! them, so every later issue points at what the user wrote.

use std::sync::LazyLock;

use waygate_config::format::{Format, SyntaxError};
use waygate_config::node::{Node, Pos, Value as NodeValue};
use waygate_config::{Issue, IssueKind};
use waygate_template::{Funcs, Rendered, Template, Value};

/// Traefik's function map for the file provider, built once.
static FUNCS: LazyLock<Funcs> = LazyLock::new(Funcs::traefik_file);

/// Renders `text` (when it holds a template) and parses it in `format`; `source` names the
/// file in issues.
pub fn parse_config_text(source: &str, text: &str, format: Format) -> Result<Node, Issue> {
    render_and_parse(source, text, format, false)
}

/// [`parse_config_text`]; with `log`, the template and its rendering are logged at debug
/// level (Traefik's `debugLogGeneratedTemplate`).
pub(super) fn render_and_parse(
    source: &str,
    text: &str,
    format: Format,
    log: bool,
) -> Result<Node, Issue> {
    if !text.contains("{{") {
        return format.parse(text).map_err(|e| e.into_issue(source));
    }
    let rendered = Template::parse(text, &FUNCS)
        .and_then(|t| t.render_mapped(&Value::Bool(false)))
        .map_err(|e| {
            let pos = Pos::At {
                line: e.line,
                col: e.col,
            };
            let msg = format!("template: {}", e.message);
            Issue::error(IssueKind::Syntax, "", msg).at(source, &pos)
        })?;
    if log {
        tracing::debug!(provider = "file", file = source, "template content: {text}");
        tracing::debug!(
            provider = "file",
            file = source,
            "rendering results: {}",
            rendered.text
        );
    }
    match format.parse(&rendered.text) {
        Ok(mut tree) => {
            remap(&mut tree, &rendered, 0);
            Ok(tree)
        }
        Err(e) => {
            let (line, col) = rendered.source_position(e.line, e.col);
            let e = SyntaxError {
                line,
                col,
                message: format!("{} (in the file as its template renders it)", e.message),
            };
            Err(e.into_issue(source))
        }
    }
}

/// Rewrites every position of `node` from the rendered text to the template.
fn remap(node: &mut Node, rendered: &Rendered, depth: usize) {
    // The YAML and TOML parsers bound nesting well below this; the guard only keeps the
    // recursion obviously finite.
    if depth > 1024 {
        return;
    }
    remap_pos(&mut node.pos, rendered);
    match &mut node.value {
        NodeValue::List(items) => {
            for item in items {
                remap(item, rendered, depth + 1);
            }
        }
        NodeValue::Map(entries) => {
            for entry in entries {
                remap_pos(&mut entry.key_pos, rendered);
                remap(&mut entry.value, rendered, depth + 1);
            }
        }
        NodeValue::Null | NodeValue::Scalar(_) => {}
    }
}

fn remap_pos(pos: &mut Pos, rendered: &Rendered) {
    if let Pos::At { line, col } = pos {
        (*line, *col) = rendered.source_position(*line, *col);
    }
}

#[cfg(test)]
mod tests {
    use waygate_config::format::Format;
    use waygate_config::node::Pos;

    use super::parse_config_text;

    #[test]
    fn templates_render_before_parsing_and_positions_map_back() {
        let text = "http:\n  routers:\n{{- range $i := until 2 }}\n    r{{ $i }}:\n      rule: Host(`{{ $i }}.test`)\n{{- end }}\n";
        let tree = parse_config_text("d.yml", text, Format::Yaml).expect("renders");
        let routers = tree.get_path("http.routers").expect("routers");
        let names: Vec<&str> = routers.entries().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(names, ["r0", "r1"]);
        // Both generated routers point at the loop body, template line 4.
        for e in routers.entries() {
            assert!(
                matches!(e.key_pos, Pos::At { line: 4, .. }),
                "{:?}",
                e.key_pos
            );
        }
        let rule = tree.get_path("http.routers.r1.rule").expect("rule");
        assert_eq!(rule.as_str(), Some("Host(`1.test`)"));
        assert!(
            matches!(rule.pos, Pos::At { line: 5, col: 13 }),
            "{:?}",
            rule.pos
        );
    }

    #[test]
    fn template_and_yaml_errors_point_into_the_template() {
        let e =
            parse_config_text("d.yml", "a: 1\nb: {{ nosuch }}\n", Format::Yaml).expect_err("bad");
        assert_eq!(
            e.to_string(),
            "d.yml:2:7: template: function \"nosuch\" not defined"
        );
        let e = parse_config_text("d.yml", "a: 1\nb: {{ .X }}\n", Format::Yaml).expect_err("bad");
        assert!(
            e.to_string()
                .starts_with("d.yml:2:7: template: at <.X>: can't evaluate field X in type bool"),
            "{e}"
        );
        // The YAML error is in line 3 of the output, which the loop body (line 2) produced.
        let text = "a:\n{{ range until 2 }}  - [x\n{{ end }}";
        let e = parse_config_text("d.yml", text, Format::Yaml).expect_err("yaml");
        let shown = e.to_string();
        assert!(shown.starts_with("d.yml:2:"), "{shown}");
        assert!(
            shown.contains("(in the file as its template renders it)"),
            "{shown}"
        );
    }

    #[test]
    fn text_without_actions_is_parsed_as_written() {
        let tree = parse_config_text(
            "d.toml",
            "[http.routers.r]\nrule = \"Path(`/{x}`)\"\n",
            Format::Toml,
        )
        .expect("toml");
        assert!(tree.get_path("http.routers.r.rule").is_some());
    }
}
