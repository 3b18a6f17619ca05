//! Robustness: pseudo-random templates built from pieces of the syntax never panic the
//! parser or the executor, and rendering always ends (bounded work).

use proptest::prelude::*;
use waygate_template::{Funcs, Template, Value};

const PIECES: &[&str] = &[
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    "\n",
    "{{/*",
    "*/}}",
    "{{- /*",
    "*/ -}}",
    "if",
    "else",
    "end",
    "range",
    "with",
    "break",
    "continue",
    "define",
    "nil",
    "true",
    ".",
    ".A",
    ".A.B",
    "$",
    "$x",
    "$i",
    ",",
    ":=",
    "=",
    "|",
    "(",
    ")",
    "\"s\"",
    "\"\\x\"",
    "\"\\u12\"",
    "`r`",
    "'c'",
    "'\\''",
    "0",
    "-1",
    "3",
    "1.5",
    "0x1F",
    "1e3",
    "1i",
    "_",
    "é",
    "🦭",
    "index",
    "len",
    "printf",
    "\"%d %s %v %q %5.2f %!\"",
    "print",
    "and",
    "or",
    "not",
    "eq",
    "lt",
    "list",
    "dict",
    "until",
    "seq",
    "split",
    "splitList",
    "join",
    "default",
    "env",
    "set",
    "get",
    "slice",
    "first",
    "repeat",
    "substr",
    "trunc",
    "regexFind",
    "\"(\"",
    "toJson",
    "fromJson",
    "b64dec",
    "b32dec",
    "div",
    "mod",
    "untilStep",
    "chunk",
    "abbrev",
    "title",
    "indent",
    "expandenv",
    "\"${\"",
    "merge",
    "dig",
    "deepCopy",
    "normalize",
    "upper",
];

fn template() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn parse_and_render_never_panic(src in template()) {
        if let Ok(t) = Template::parse(&src, &Funcs::traefik_file()) {
            let _ = t.render(&Value::Bool(false));
            let dot = Value::structure("M", vec![("A", Value::from("a"))]);
            let _ = t.render_mapped(&dot).map(|r| r.source_position(1, 1));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,60}") {
        let _ = Template::parse(&src, &Funcs::sprig()).map(|t| t.render(&Value::Nil));
    }
}

#[test]
fn known_hard_inputs() {
    let funcs = Funcs::traefik_file();
    for src in [
        "{{ range $i, $e := . }}{{ end }}",
        "{{ range $, $ = list 1 2 }}{{ $ }}{{ end }}",
        "{{ $a := 0 }}{{ range $a, $a = list 1 }}{{ $a }}{{ end }}",
        "{{ $d := dict }}{{ $_ := set $d \"d\" $d }}{{ toJson $d }}{{ deepCopy $d }}{{ eq $d $d }}",
        "{{ $d := dict }}{{ $_ := set $d \"d\" $d }}{{ merge $d $d }}",
        "{{ slice (list 1 2) 2 1 }}{{ substr 5 1 \"abc\" }}{{ trunc -9 \"é\" }}{{ abbrev 4 \"éééé\" }}",
        "{{ index \"é\" 1 }}{{ printf \"%*d\" -5 1 }}{{ printf \"%.*f\" 99999 1.0 }}",
        "{{ seq 9223372036854775807 }}{{ untilStep 9223372036854775806 9223372036854775807 5 }}",
        "{{ add 9223372036854775807 1 }}{{ div -9223372036854775808 -1 }}{{ mod -9223372036854775808 -1 }}",
        "{{ repeat -1 \"x\" }}{{ indent 99999999 \"x\" }}{{ chunk 0 (list) }}",
    ] {
        if let Ok(t) = Template::parse(src, &funcs) {
            let _ = t.render(&Value::Nil);
        }
    }
}

#[test]
fn doubling_fails_early_instead_of_exhausting_memory() {
    let funcs = Funcs::traefik_file();
    for src in [
        "{{ $s := \"xx\" }}{{ range until 100 }}{{ $s = print $s $s }}{{ end }}",
        "{{ $s := \"xx\" }}{{ range until 100 }}{{ $s = replace \"x\" $s $s }}{{ end }}",
        "{{ $l := list 1 }}{{ range until 100 }}{{ $l = concat $l $l }}{{ end }}",
        "{{ $l := list 1 }}{{ range until 60 }}{{ $l = list $l $l }}{{ end }}{{ $l }}{{ printf \"%v\" $l }}{{ toJson $l }}",
        "{{ $l := list 1 }}{{ range until 60 }}{{ $l = list $l $l }}{{ end }}{{ deepEqual $l $l }}{{ deepCopy $l }}",
        "{{ indent 4000 (repeat 100000 \"\\n\") }}",
    ] {
        let t = Template::parse(src, &funcs).expect(src);
        let _ = t.render(&Value::Nil);
    }
}
