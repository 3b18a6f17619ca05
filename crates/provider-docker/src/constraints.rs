//! `providers.docker.constraints` (reference §1.5): a boolean expression over container
//! labels that decides which containers are considered at all.
//!
//! Grammar (Traefik's label constraints): `Label("key", "value")` (exact match),
//! `LabelRegex("key", "regex")` (unanchored match on the value), `!`, `&&`, `||` and
//! parentheses; `&&` binds tighter than `||`. Strings use double quotes or backticks.

mod parse;

use std::collections::BTreeMap;

use regex::Regex;

/// A parsed constraint expression.
#[derive(Debug, Clone)]
pub enum Constraint {
    /// The label exists with exactly this value.
    Label(String, String),
    /// The label exists and its value matches.
    LabelRegex(String, Regex),
    Not(Box<Constraint>),
    And(Box<Constraint>, Box<Constraint>),
    Or(Box<Constraint>, Box<Constraint>),
}

/// Why an expression does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {at})")]
pub struct ConstraintError {
    pub message: String,
    /// Byte offset in the expression.
    pub at: usize,
}

// === impl Constraint ===

impl Constraint {
    /// Parses an expression (not empty: an empty `constraints` means "no filter").
    pub fn parse(src: &str) -> Result<Self, ConstraintError> {
        parse::parse(src)
    }

    /// Whether a container with these labels passes.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Constraint::Label(k, v) => labels.get(k).is_some_and(|x| x == v),
            Constraint::LabelRegex(k, re) => labels.get(k).is_some_and(|x| re.is_match(x)),
            Constraint::Not(c) => !c.matches(labels),
            Constraint::And(a, b) => a.matches(labels) && b.matches(labels),
            Constraint::Or(a, b) => a.matches(labels) || b.matches(labels),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::Constraint;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn evaluates_expressions() {
        let l = labels(&[("a", "1"), ("env", "prod-eu"), ("team", "x")]);
        let rows: &[(&str, bool)] = &[
            (r#"Label("a","1")"#, true),
            (r#"Label("a","2")"#, false),
            (r#"Label("missing","")"#, false),
            (r#"!Label("a","2")"#, true),
            (r#"LabelRegex("env", "prod-.*")"#, true),
            (r#"LabelRegex(`env`, `^eu`)"#, false),
            (r#"Label("a","1") && Label("team","y")"#, false),
            (
                r#"Label("a","1") && Label("team","y") || Label("team","x")"#,
                true,
            ),
            (
                r#"Label("a","1") && (Label("team","y") || !Label("team","z"))"#,
                true,
            ),
            (r#"!(Label("a","1") || Label("b","1"))"#, false),
            (r#"!!Label("a","1")"#, true),
        ];
        for (src, want) in rows {
            let c = Constraint::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(c.matches(&l), *want, "{src}");
        }
    }

    #[test]
    fn rejects_bad_expressions() {
        let rows: &[(&str, &str)] = &[
            (r#"Label("a")"#, "expected `,`"),
            (r#"Lable("a","1")"#, "did you mean `Label`"),
            (r#"LabelRegex("a","(")"#, "invalid regex"),
            (r#"Label("a","1") &&"#, "expected"),
            (r#"Label("a","1") Label("b","2")"#, "unexpected"),
            (r#"(Label("a","1")"#, "expected `)`"),
            (r#"Label("a,"1")"#, "expected"),
            ("", "empty"),
            ("Label(\"a\",\"1\") & Label(\"b\",\"1\")", "`&&`"),
        ];
        for (src, want) in rows {
            let e = Constraint::parse(src).expect_err(src).to_string();
            assert!(e.contains(want), "{src}: {e}");
        }
        let deep = format!("{}Label(\"a\",\"1\"){}", "(".repeat(100), ")".repeat(100));
        assert!(
            Constraint::parse(&deep)
                .expect_err("deep")
                .to_string()
                .contains("deep")
        );
    }
}
