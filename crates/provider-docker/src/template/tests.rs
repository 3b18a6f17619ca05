//! Table-driven tests of `defaultRule` templates on Traefik's data: what renders (as Go's
//! `text/template` prints it), and what each error says.

use std::collections::BTreeMap;

use super::{Data, Template};

fn render(src: &str) -> Result<String, String> {
    let labels: BTreeMap<String, String> = [("app.host", "a.example.com"), ("env", "Prod")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let data = Data {
        name: "web-shop",
        container_name: "shop_web_1",
        labels: &labels,
    };
    Template::parse(src)
        .and_then(|t| t.render(&data))
        .map_err(|e| e.0)
}

#[test]
fn renders_go_templates_on_traefik_data() {
    let rows: &[(&str, &str)] = &[
        ("Host(`{{ normalize .Name }}`)", "Host(`web-shop`)"),
        ("Host(`{{ .Name }}.local`)", "Host(`web-shop.local`)"),
        (
            "Host(`{{ .ContainerName | normalize }}`)",
            "Host(`shop-web-1`)",
        ),
        (
            r#"Host(`{{ index .Labels "app.host" }}`)"#,
            "Host(`a.example.com`)",
        ),
        ("{{ .Labels.env | lower }}", "prod"),
        (r#"{{ index .Labels "missing" | default "x" }}"#, "x"),
        (
            r#"{{ normalize (index .Labels "app.host") }}"#,
            "a-example-com",
        ),
        (r#"{{ "a_b" | normalize | upper }}"#, "A-B"),
        (r#"{{ trimPrefix "shop_" .ContainerName }}"#, "web_1"),
        (r#"{{ replace "_" "." .ContainerName }}"#, "shop.web.1"),
        ("a {{- .Name -}} b", "aweb-shopb"),
        ("{{ `raw` }}", "raw"),
        ("no actions", "no actions"),
        // Control structures and sprig, as in Traefik.
        ("{{ if .Name }}x{{ end }}", "x"),
        (
            r#"{{ with index .Labels "app.host" }}Host(`{{ . }}`){{ else }}Host(`{{ .Name }}.local`){{ end }}"#,
            "Host(`a.example.com`)",
        ),
        (
            r#"{{ if eq .Labels.env "Prod" }}prod{{ else }}dev{{ end }}"#,
            "prod",
        ),
        ("{{ (split \"_\" .ContainerName)._0 }}", "shop"),
        ("{{ .Labels }}", "map[app.host:a.example.com env:Prod]"),
        ("{{ .Labels.missing }}", "<no value>"),
    ];
    for (src, want) in rows {
        assert_eq!(render(src).as_deref(), Ok(*want), "{src}");
    }
}

#[test]
fn errors_say_what_is_wrong() {
    let rows: &[(&str, &str)] = &[
        ("{{ .Nmae }}", "did you mean `.Name`"),
        ("{{ normalise .Name }}", "did you mean `normalize`"),
        ("{{ .Name ", "1:1: unclosed action"),
        ("{{ if .Name }}x", "{{if}} without {{end}}"),
        (
            "{{ normalize }}",
            "wrong number of args for normalize: want 1 got 0",
        ),
        (r#"{{ "unterminated }}"#, "unterminated"),
        ("{{ }}", "missing value for command"),
        ("{{ $x }}", "undefined variable \"$x\""),
        ("{{ define \"x\" }}{{ end }}", "not supported"),
    ];
    for (src, want) in rows {
        let e = render(src).expect_err(src);
        assert!(e.contains(want), "{src}: {e}");
    }
}

#[test]
fn deep_parentheses_are_refused() {
    let src = format!("{{{{ {}.Name{} }}}}", "(".repeat(200), ")".repeat(200));
    assert!(render(&src).expect_err("too deep").contains("nested"));
}
