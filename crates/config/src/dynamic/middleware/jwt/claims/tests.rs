//! The claims expressions: Hub's documented examples, errors with columns, no panic.

use super::*;
use serde_json::json;

fn holds(expr: &str, claims: &Value) -> bool {
    parse_claims(expr).expect("parses").holds(claims)
}

#[test]
fn hub_examples_hold() {
    // The data structure of Hub's documentation: every example holds.
    let c = json!({
        "active": true, "grp": "admin", "scope": "reader writer deploy",
        "referrer": "http://example.com/foo/bar", "areas": ["office", "home"],
        "user": {"name": "John Snow"}, "a.b": "dot"
    });
    for ok in [
        "Equals(`grp`, `admin`)",
        "Prefix(`referrer`, `http://example.com`)",
        "Contains(`referrer`, `/foo/`)",
        "Contains(`areas`, `home`)",
        "SplitContains(`scope`, ` `, `writer`)",
        "OneOf(`areas`, `office`, `lab`)",
        "Equals(`grp`, `admin`) && Equals(`active`, `true`)",
        "Equals(`grp`, `x`) || Equals(`active`, `true`)",
        "!Equals(`grp`, `testers`)",
        "Equals(`user.name`, `John Snow`)",
        r"Equals(`a\.b`, `dot`)",
        "(Equals(`grp`, `x`) || Equals(`grp`, `admin`)) && !Contains(`areas`, `lab`)",
        "OneOf(\"grp\", \"user\", \"admin\")",
    ] {
        assert!(holds(ok, &c), "{ok}");
    }
    for no in [
        "Equals(`grp`, `user`)",
        "Equals(`missing`, `x`)",
        "Contains(`areas`, `lab`)",
        "SplitContains(`scope`, ` `, `write`)",
        "Equals(`user`, `John Snow`)",
        "!Equals(`grp`, `admin`)",
    ] {
        assert!(!holds(no, &c), "{no}");
    }
}

proptest::proptest! {
    #[test]
    fn never_panics(s in "[A-Za-z()`\"., !&|\\\\é_-]{0,60}") {
        if let Ok(e) = parse_claims(&s) {
            let _ = e.holds(&json!({"a": {"b": ["x"]}, "é": "x"}));
        }
    }

    #[test]
    fn never_panics_near_valid(cut in 0usize..120) {
        let s = "!(Equals(`a.b`, `x`) || OneOf(`é`, `x`, `y`)) && SplitContains(`s`, ` `, `w`)";
        let s: String = s.chars().take(cut).collect();
        let _ = parse_claims(&s);
    }
}

#[test]
fn reports_errors_with_columns() {
    for (src, msg) in [
        ("", "column 1: expected a function"),
        ("Equal(`a`, `b`)", "column 1: unknown function `Equal`"),
        ("Equals(`a`)", "column 1: Equals takes 2 arguments, found 1"),
        (
            "OneOf(`a`)",
            "column 1: OneOf takes at least 2 arguments, found 1",
        ),
        ("Equals(`a`, b)", "column 13: expected a quoted string"),
        ("Equals(`a`, `b`) &&", "column 20: expected a function"),
        ("(Equals(`a`, `b`)", "column 18: expected `)`"),
        ("Equals(`a`, `b", "column 13: unterminated string"),
        ("Equals(`a`, `b`) x", "column 18: unexpected text"),
    ] {
        let err = parse_claims(src).expect_err(src);
        assert!(err.starts_with(msg), "{src}: {err}");
    }
}
