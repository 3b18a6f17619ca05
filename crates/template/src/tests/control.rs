//! Go's template syntax: literals, trimming, comments, `if`/`with`/`range`, variables,
//! pipelines, parentheses, field chains and the builtins.

use super::{check, render};

#[test]
fn literals_and_data() {
    check(&[
        ("no actions", "no actions"),
        (r#"{{ "a" }}{{ `b` }}"#, "ab"),
        (
            "{{ 3 }} {{ -4 }} {{ 1.5 }} {{ 1e3 }} {{ 0x10 }} {{ 'a' }}",
            "3 -4 1.5 1000 16 97",
        ),
        ("{{ true }} {{ . }} {{ $ }}", "true false false"),
        ("a  {{- 1 -}}  b", "a1b"),
        ("a\n  {{- 1 }}\n b", "a1\n b"),
        ("a{{/* comment */}}b {{- /* trimmed */ -}} c", "abc"),
        ("{{ \"}}\" }}", "}}"),
    ]);
}

#[test]
fn conditionals() {
    check(&[
        ("{{ if true }}y{{ else }}n{{ end }}", "y"),
        ("{{ if 0 }}y{{ else if \"\" }}e{{ else }}n{{ end }}", "n"),
        ("{{ if 0 }}a{{ else if 2 }}b{{ else }}c{{ end }}", "b"),
        (
            "{{ if list }}y{{ else }}n{{ end }}{{ if dict \"k\" 1 }}y{{ end }}",
            "ny",
        ),
        ("{{ with \"x\" }}[{{ . }}]{{ end }}", "[x]"),
        ("{{ with \"\" }}a{{ else }}b{{ end }}", "b"),
        ("{{ with $x := \"v\" }}{{ $x }}{{ . }}{{ end }}", "vv"),
        ("{{ with 0 }}a{{ else with 2 }}{{ . }}{{ end }}", "2"),
        ("{{ if and (eq 1 1) (ne \"a\" \"b\") }}ok{{ end }}", "ok"),
        ("{{ if not (env \"NOPE\") }}unset{{ end }}", "unset"),
    ]);
}

#[test]
fn ranges() {
    check(&[
        ("{{ range list \"a\" \"b\" }}{{ . }},{{ end }}", "a,b,"),
        (
            "{{ range $i, $e := list \"a\" \"b\" }}{{ $i }}={{ $e }} {{ end }}",
            "0=a 1=b ",
        ),
        ("{{ range $e := list 1 2 }}{{ $e }}{{ end }}", "12"),
        (
            "{{ range $k, $v := dict \"b\" 2 \"a\" 1 }}{{ $k }}{{ $v }}{{ end }}",
            "a1b2",
        ),
        (
            "{{ range 3 }}{{ . }}{{ end }}|{{ range $i := 2 }}{{ $i }}{{ end }}",
            "012|01",
        ),
        ("{{ range list }}x{{ else }}empty{{ end }}", "empty"),
        ("{{ range (dict).missing }}x{{ else }}none{{ end }}", "none"),
        (
            "{{ range until 5 }}{{ if eq . 3 }}{{ break }}{{ end }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }}{{ end }}",
            "02",
        ),
        ("{{ range list 1 }}{{ $ }}{{ end }}", "false"),
        (
            "{{ range $i, $r := list (list 1 2) (list 3) }}{{ range $r }}{{ $i }}{{ . }} {{ end }}{{ end }}",
            "01 02 13 ",
        ),
    ]);
}

#[test]
fn variables_and_pipelines() {
    check(&[
        ("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", "2"),
        (
            "{{ $x := \"a\" }}{{ range list 1 }}{{ $x = \"b\" }}{{ end }}{{ $x }}",
            "b",
        ),
        (
            "{{ $x := \"a\" }}{{ if 1 }}{{ $x := \"b\" }}{{ $x }}{{ end }}{{ $x }}",
            "ba",
        ),
        ("{{ \"abc\" | upper | printf \"%s!\" }}", "ABC!"),
        ("{{ 3 | printf \"%d-%d\" 4 }}", "4-3"),
        ("{{ printf \"%s-%s\" (upper \"a\") (lower \"B\") }}", "A-b"),
        ("{{ (dict \"a\" (dict \"b\" \"c\")).a.b }}", "c"),
        ("{{ $d := dict \"a\" \"x\" }}{{ $d.a }}", "x"),
        (
            "{{ $d := dict }}{{ $d.a }} {{ $d.a.b }} {{ index $d \"a\" }}",
            "<no value> <no value> <no value>",
        ),
        (
            "{{ index (split \"a\" \",\") 0 }}{{ index (splitn \",\" 2 \"a\") \"_9\" }}|",
            "a|",
        ),
    ]);
}

#[test]
fn go_builtins() {
    check(&[
        (
            "{{ and 1 0 2 }} {{ or 0 \"\" \"x\" }} {{ and 1 2 }} {{ not 0 }}",
            "0 x 2 true",
        ),
        (
            "{{ or 1 (fail \"boom\") }}{{ and 0 (fail \"boom\") }}",
            "10",
        ),
        ("{{ 0 | or \"p\" }}{{ \"q\" | and 1 }}", "pq"),
        (
            "{{ len \"héllo\" }} {{ len (list 1 2) }} {{ len (dict \"a\" 1) }}",
            "6 2 1",
        ),
        (
            "{{ index (list \"a\" \"b\") 1 }} {{ index \"abc\" 1 }}",
            "b 98",
        ),
        ("{{ index (list (list 1 2)) 0 1 }}", "2"),
        (
            "{{ lt 1 2 }}{{ gt \"b\" \"a\" }}{{ le 2 2 }}{{ ge 1.5 2.5 }}",
            "truetruetruefalse",
        ),
        (
            "{{ eq \"a\" \"b\" \"a\" }}{{ eq 1 2 }}{{ ne 1 2 }}",
            "truefalsetrue",
        ),
        ("{{ print 1 2 \"a\" 3 \"b\" \"c\" }}", "1 2a3bc"),
        ("{{ println \"a\" 1 }}", "a 1\n"),
        (
            r#"{{ printf "%5s|%-5s|%05d|%x|%q|%v|%t|%.2f|%3d%%" "ab" "cd" 42 255 "q\"" (list 1 "a") true 3.14159 7 }}"#,
            r#"   ab|cd   |00042|ff|"q\""|[1 a]|true|3.14|  7%"#,
        ),
        ("{{ printf \"%d %s\" \"x\" }}", "%!d(string=x) %!s(MISSING)"),
        ("{{ printf \"a\" 1 }}", "a%!(EXTRA int=1)"),
        (
            "{{ printf \"%T %T %T %T\" 1 \"a\" (list) (dict) }}",
            "int string []interface {} map[string]interface {}",
        ),
        (
            "{{ printf \"%+d %x %X %o %b %c %U\" 5 \"hi\" 254 8 5 65 65 }}",
            "+5 6869 FE 10 101 A U+0041",
        ),
        (
            "{{ printf \"%6.2f|%-6d|%e|%g\" 3.14159 42 1234.5678 0.000012 }}",
            "  3.14|42    |1.234568e+03|1.2e-05",
        ),
        (
            "{{ html \"<a href='x'>&</a>\" }}",
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;",
        ),
        (
            "{{ urlquery \"a b&c/é\" }} {{ js \"a'b<\" }}",
            "a+b%26c%2F%C3%A9 a\\'b\\u003C",
        ),
    ]);
}

#[test]
fn a_dynamic_file_generating_routers() {
    let src = "http:\n  routers:\n{{- range $i, $h := splitList \",\" (env \"HOSTS\") }}\n    r{{ $i }}:\n      rule: Host(`{{ $h }}`)\n{{- end }}\n";
    assert_eq!(
        render(src).as_deref(),
        Ok(
            "http:\n  routers:\n    r0:\n      rule: Host(`a.example.com`)\n    r1:\n      rule: Host(`b.example.com`)\n"
        )
    );
    let src = "{{ if eq (env \"STAGE\") \"prod\" }}level: ERROR{{ else }}level: DEBUG{{ end }}";
    assert_eq!(render(src).as_deref(), Ok("level: ERROR"));
}
