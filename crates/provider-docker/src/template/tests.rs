//! Table-driven tests of the template subset: what renders, and what each error says.

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
fn renders_the_supported_subset() {
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
        ("{{ .Name ", "missing `}}`"),
        ("{{ if .Name }}x{{ end }}", "not supported"),
        ("{{ .Labels }}", "is a map"),
        ("{{ normalize }}", "wrong number of arguments"),
        (r#"{{ "unterminated }}"#, "unterminated"),
        ("{{ }}", "empty action"),
        ("{{ $x }}", "variables"),
    ];
    for (src, want) in rows {
        let e = render(src).expect_err(src);
        assert!(e.contains(want), "{src}: {e}");
    }
}

#[test]
fn deep_parentheses_are_refused() {
    let src = format!("{{{{ {}.Name{} }}}}", "(".repeat(40), ")".repeat(40));
    assert!(render(&src).expect_err("too deep").contains("nested"));
}
