//! Execution errors: Go's messages, with the position and the part of the template at
//! fault.

use super::{render, render_with};
use crate::Value;

#[test]
fn execution_errors_say_where_and_why() {
    let rows: &[(&str, &str)] = &[
        (
            "{{ .Foo }}",
            "1:4: at <.Foo>: can't evaluate field Foo in type bool",
        ),
        (
            "a\nb {{ .X }}",
            "2:6: at <.X>: can't evaluate field X in type bool",
        ),
        (
            "{{ upper 3 }}",
            "1:4: at <upper 3>: error calling upper: wrong type for value; expected string; got int",
        ),
        (
            "{{ upper (dict).x }}",
            "error calling upper: invalid value; expected string",
        ),
        (
            "{{ index (list 1) 5 }}",
            "error calling index: index out of range: 5",
        ),
        ("{{ \"a\" 1 }}", "can't give argument to non-function \"a\""),
        ("{{ len 3 }}", "error calling len: len of type int"),
        ("{{ eq \"a\" 1 }}", "incompatible types for comparison"),
        (
            "{{ range \"abc\" }}{{ end }}",
            "range can't iterate over abc",
        ),
        (
            "{{ range $i, $e := 3 }}{{ end }}",
            "can't use 3 to iterate over more than one variable",
        ),
        (
            "{{ upper }}",
            "wrong number of args for upper: want 1 got 0",
        ),
        (
            "{{ printf }}",
            "wrong number of args for printf: want at least 1 got 0",
        ),
        (
            "{{ $x := 1 }}{{ $x 2 }}",
            "can't give argument to non-function $x",
        ),
        ("{{ nil }}", "nil is not a command"),
        (
            "{{ div 1 0 }}",
            "error calling div: runtime error: integer divide by zero",
        ),
        ("{{ fail \"boom\" }}", "error calling fail: boom"),
        ("{{ first \"x\" }}", "Cannot find first on type string"),
        (
            "{{ (dict \"a\" 1).a 2 }}",
            "a is not a method but has arguments",
        ),
        ("{{ until 2000000 }}", "more than 1048576 numbers"),
        ("{{ repeat 100000000 \"ab\" }}", "is too large"),
    ];
    for (src, want) in rows {
        let e = render(src).expect_err(src);
        assert!(e.contains(want), "{src}: {e}");
    }
}

#[test]
fn struct_fields_suggest_the_close_name() {
    let dot = Value::structure("Model", vec![("Name", Value::from("web"))]);
    assert_eq!(render_with("{{ .Name }}", &dot).as_deref(), Ok("web"));
    let e = render_with("{{ .Nmae }}", &dot).expect_err("typo");
    assert!(
        e.contains("can't evaluate field Nmae in type Model (did you mean `.Name`?)"),
        "{e}"
    );
}

#[test]
fn work_and_output_are_bounded() {
    let e = render("{{ range 20000000 }}{{ end }}").expect_err("steps");
    assert!(e.contains("steps"), "{e}");
    let e = render("{{ range until 1000 }}{{ repeat 1000000 \"x\" }}{{ end }}").expect_err("size");
    assert!(e.contains("output larger than 64 MiB"), "{e}");
    // A map holding itself prints (and compares) to a bounded depth.
    let out =
        render("{{ $d := dict }}{{ $_ := set $d \"d\" $d }}{{ len (print $d) }}").expect("cycle");
    assert!(out.parse::<usize>().is_ok_and(|n| n < 10_000), "{out}");
}
