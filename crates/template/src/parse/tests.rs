//! Parse errors: what Go's parser refuses, with the message and position.

use crate::{Funcs, Template};

#[test]
fn parse_errors_name_the_problem_and_position() {
    let rows: &[(&str, &str, (u32, u32))] = &[
        ("{{ nosuch 1 }}", "function \"nosuch\" not defined", (1, 4)),
        (
            "x\n  {{ uper .A }}",
            "function \"uper\" not defined (did you mean `upper`?)",
            (2, 6),
        ),
        ("{{ $x }}", "undefined variable \"$x\"", (1, 4)),
        (
            "{{ if .A }}x",
            "unexpected EOF: {{if}} without {{end}}",
            (1, 4),
        ),
        ("{{ end }}", "unexpected {{end}}", (1, 1)),
        ("{{ else }}", "unexpected {{else}}", (1, 1)),
        ("{{ }}", "missing value for command", (1, 4)),
        ("{{ if }}{{ end }}", "missing value for if", (1, 7)),
        (
            "{{ .A | 3 }}",
            "non executable command in pipeline stage 2",
            (1, 9),
        ),
        ("{{ break }}", "{{break}} outside {{range}}", (1, 4)),
        (
            "{{ range . }}{{ else }}{{ continue }}{{ end }}",
            "{{continue}} outside {{range}}",
            (1, 27),
        ),
        (
            "{{ $a, $b := . }}",
            "too many declarations in command",
            (1, 4),
        ),
        (
            "{{ range $a, 3 }}{{ end }}",
            "range can only initialize variables",
            (1, 10),
        ),
        (
            "{{ define \"x\" }}{{ end }}",
            "{{define}} is not supported",
            (1, 4),
        ),
        (
            "{{ template \"x\" }}",
            "{{template}} is not supported",
            (1, 4),
        ),
        (
            "{{ if . }}{{ else }}{{ else }}{{ end }}",
            "expected end; found {{else}}",
            (1, 24),
        ),
        ("{{ \"a\".B }}", "unexpected . after term", (1, 4)),
        ("{{ .A = }}", "unexpected \"=\" in operand", (1, 7)),
        ("{{ 1i }}", "complex number", (1, 4)),
        ("{{ end x }}", "unexpected \"x\" in end", (1, 8)),
    ];
    let funcs = Funcs::sprig();
    for (src, want, (line, col)) in rows {
        let e = Template::parse(src, &funcs).expect_err(src);
        assert!(e.message.contains(want), "{src}: {e}");
        assert_eq!((e.line, e.col), (*line, *col), "{src}: {e}");
    }
}

#[test]
fn variables_are_scoped_to_their_control_structure() {
    let funcs = Funcs::sprig();
    assert!(Template::parse("{{ if 1 }}{{ $x := 1 }}{{ end }}{{ $x }}", &funcs).is_err());
    assert!(Template::parse("{{ $x := 1 }}{{ if 1 }}{{ $x }}{{ end }}{{ $x }}", &funcs).is_ok());
    assert!(Template::parse("{{ range $i, $e := . }}{{ $i }}{{ $e }}{{ end }}", &funcs).is_ok());
    assert!(Template::parse("{{ with $x := 1 }}{{ else }}{{ $x }}{{ end }}", &funcs).is_ok());
}

#[test]
fn nesting_is_bounded() {
    let funcs = Funcs::sprig();
    let deep = format!("{{{{ {}1{} }}}}", "(".repeat(200), ")".repeat(200));
    assert!(
        Template::parse(&deep, &funcs)
            .expect_err("deep")
            .message
            .contains("nested too deeply")
    );
    let ifs = format!("{}{}", "{{ if 1 }}".repeat(200), "{{ end }}".repeat(200));
    assert!(
        Template::parse(&ifs, &funcs)
            .expect_err("deep")
            .message
            .contains("nested too deeply")
    );
}
