//! Tests of the parser's tree shape and error positions.

use super::*;

fn shape(node: &Node<Call>) -> String {
    match node {
        Node::Leaf(c) => {
            let args: Vec<&str> = c.args.iter().map(|a| a.value.as_str()).collect();
            format!("{}({})", c.name, args.join(","))
        }
        Node::Not(n) => format!("!{}", shape(n)),
        Node::All(ns) => format!("[{}]", ns.iter().map(shape).collect::<Vec<_>>().join(" & ")),
        Node::Any(ns) => format!(
            "{{{}}}",
            ns.iter().map(shape).collect::<Vec<_>>().join(" | ")
        ),
    }
}

fn parsed(rule: &str) -> String {
    shape(&parse(rule).unwrap_or_else(|e| panic!("{rule}: {e}")))
}

#[test]
fn precedence() {
    assert_eq!(
        parsed("A(`1`) || B(`2`) && C(`3`)"),
        "{A(1) | [B(2) & C(3)]}"
    );
    assert_eq!(
        parsed("(A(`1`) || B(`2`)) && C(`3`)"),
        "[{A(1) | B(2)} & C(3)]"
    );
    assert_eq!(parsed("!A(`1`) && !!B(`2`)"), "[!A(1) & !!B(2)]");
    assert_eq!(parsed("!(A(`1`) || B())"), "!{A(1) | B()}");
    assert_eq!(
        parsed("A(`1`) && B(`2`) && C(`3`) || D(`4`)"),
        "{[A(1) & B(2) & C(3)] | D(4)}"
    );
    assert_eq!(parsed(r#"A("x\"y", `z`,)"#), "A(x\"y,z)");
}

#[test]
fn error_positions() {
    let err = |rule: &str| parse(rule).expect_err(rule);
    let e = err("Host(example.com)");
    assert_eq!((e.offset, e.column), (5, 6));
    let e = err("Host(`a`) &&");
    assert_eq!(e.column, 13);
    assert!(e.to_string().contains("end of rule"), "{e}");
    let e = err("Host(`🦭`) x");
    assert_eq!(e.column, 11);
    let e = err("Host(`a`");
    assert!(e.to_string().contains("`,` or `)`"), "{e}");
    let e = err("Host(`a`) )");
    assert!(e.to_string().contains("`&&`, `||` or end of rule"), "{e}");
    assert!(matches!(err("").kind, ErrorKind::Empty));
}
