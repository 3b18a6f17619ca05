//! The lexer's tokens for the shapes Go's lexer tests cover: trimming, comments, spaces
//! before `-}}`, fields, variables, numbers and quoted literals.

use super::{Kind, lex};

fn kinds(src: &str) -> Vec<Kind> {
    lex(src).expect("lex").into_iter().map(|t| t.kind).collect()
}

fn text(s: &str) -> Kind {
    Kind::Text(s.to_string())
}

#[test]
fn trim_markers_eat_the_spaces_around_actions() {
    use Kind::*;
    assert_eq!(
        kinds("a \n{{- 3 -}}\n b"),
        vec![
            text("a"),
            LeftDelim,
            Number("3".into()),
            RightDelim,
            text("b"),
            Eof
        ]
    );
    // `{{-3}}` is the number -3, not a trim marker.
    assert_eq!(
        kinds("x {{-3}}"),
        vec![text("x "), LeftDelim, Number("-3".into()), RightDelim, Eof]
    );
    // Two spaces before `-}}`: one separates, one belongs to the marker.
    assert_eq!(
        kinds("{{ .A  -}} b"),
        vec![
            LeftDelim,
            Space,
            Field("A".into()),
            Space,
            RightDelim,
            text("b"),
            Eof
        ]
    );
}

#[test]
fn comments_vanish_and_may_trim() {
    use Kind::*;
    assert_eq!(kinds("a {{/* c */}} b"), vec![text("a "), text(" b"), Eof]);
    assert_eq!(
        kinds("a {{- /* c\n */ -}} b"),
        vec![text("a"), text("b"), Eof]
    );
    let e = lex("{{/* c */ x}}").expect_err("not at the delimiter");
    assert!(
        e.message.contains("comment ends before closing delimiter"),
        "{e}"
    );
    assert!(
        lex("{{/* c")
            .expect_err("unclosed")
            .message
            .contains("unclosed comment")
    );
}

#[test]
fn words_fields_variables_and_literals() {
    use Kind::*;
    assert_eq!(
        kinds(r#"{{$x := .A.B | f "q\t" `r` 'c' true nil (1.5)}}"#),
        vec![
            LeftDelim,
            Variable("$x".into()),
            Space,
            Declare,
            Space,
            Field("A".into()),
            Field("B".into()),
            Space,
            Pipe,
            Space,
            Ident("f".into()),
            Space,
            Str("q\t".into()),
            Space,
            Str("r".into()),
            Space,
            CharConst('c'),
            Space,
            Bool(true),
            Space,
            Keyword(super::Keyword::Nil),
            Space,
            LeftParen,
            Number("1.5".into()),
            RightParen,
            RightDelim,
            Eof,
        ]
    );
    assert_eq!(
        kinds("{{range $i, $e = $}}"),
        vec![
            LeftDelim,
            Keyword(super::Keyword::Range),
            Space,
            Variable("$i".into()),
            Char(','),
            Space,
            Variable("$e".into()),
            Space,
            Assign,
            Space,
            Variable("$".into()),
            RightDelim,
            Eof,
        ]
    );
    assert_eq!(kinds("{{.}}")[1], Dot);
    assert_eq!(kinds("{{else}}")[1], Keyword(super::Keyword::Else));
}

#[test]
fn lexical_errors_name_the_problem_and_position() {
    let rows: &[(&str, &str, (u32, u32))] = &[
        ("ab\n {{ .A ", "unclosed action", (2, 2)),
        ("{{ \"abc }}", "unterminated quoted string", (1, 4)),
        ("{{ `abc }}", "unterminated raw quoted string", (1, 4)),
        ("{{ (.A }}", "unclosed left paren", (1, 8)),
        ("{{ .A) }}", "unexpected right paren", (1, 6)),
        ("{{ 3x }}", "bad number syntax", (1, 4)),
        ("{{ .A$ }}", "bad character", (1, 4)),
        ("{{ a : b }}", "expected :=", (1, 6)),
        ("{{ \"\\q\" }}", "unknown escape sequence", (1, 4)),
        ("{{ '' }}", "malformed character constant", (1, 4)),
        ("{{ \u{7} }}", "unrecognized character", (1, 4)),
    ];
    for (src, want, (line, col)) in rows {
        let e = lex(src).expect_err(src);
        assert!(e.message.contains(want), "{src}: {e}");
        assert_eq!((e.line, e.col), (*line, *col), "{src}: {e}");
    }
}

#[test]
fn escapes_in_strings_follow_go() {
    let k = kinds(r#"{{ "\x41\101\u00e9\U0001F600\"\\" }}"#);
    assert_eq!(k[2], Kind::Str("AAé😀\"\\".into()));
    let k = kinds("{{ `a\r\nb` }}");
    assert_eq!(k[2], Kind::Str("a\nb".into()));
    assert_eq!(kinds(r"{{ '\n' }}")[2], Kind::CharConst('\n'));
}
