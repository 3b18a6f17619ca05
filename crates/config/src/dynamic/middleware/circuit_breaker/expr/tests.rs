//! Parser tests for circuit-breaker and retry expressions.
use super::*;

fn cb(s: &str) -> Result<Predicate, PredicateError> {
    parse_predicate(s, PredicateDialect::CircuitBreaker)
}

fn err(s: &str) -> String {
    cb(s).err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn parses_valid_expressions() {
    assert_eq!(
        cb("NetworkErrorRatio() > 0.30"),
        Ok(Predicate::Compare {
            metric: PredicateMetric::NetworkErrorRatio,
            op: CompareOp::Gt,
            value: PredicateNumber::Float(0.30),
        })
    );
    let e = cb("ResponseCodeRatio(500, 600, 0, 600) > 0.25 || LatencyAtQuantileMS(50.0) > 100")
        .expect("valid");
    let Predicate::Or(l, r) = e else {
        panic!("expected ||")
    };
    assert!(matches!(
        *l,
        Predicate::Compare {
            metric: PredicateMetric::ResponseCodeRatio {
                from: 500,
                to: 600,
                div_from: 0,
                div_to: 600
            },
            ..
        }
    ));
    assert!(matches!(
        *r,
        Predicate::Compare { metric: PredicateMetric::LatencyAtQuantileMs(q), op: CompareOp::Gt, value: PredicateNumber::Int(100) } if q == 50.0
    ));
    // `&&` binds tighter than `||`; parentheses group.
    let e =
        cb("(NetworkErrorRatio() >= 1 || ConsecutiveErrors() != 2) && NetworkErrorRatio() <= .5")
            .expect("valid");
    assert!(matches!(e, Predicate::And(ref l, _) if matches!(**l, Predicate::Or(..))));
    let e = cb("NetworkErrorRatio() < 1 || NetworkErrorRatio() == 2 && NetworkErrorRatio() > 3")
        .expect("valid");
    assert!(matches!(e, Predicate::Or(_, ref r) if matches!(**r, Predicate::And(..))));
    // The Waygate extensions (docs/compat.md), as the seeds write them.
    let e = cb("NetworkErrorRatio() > 0.5 && RecentRequests#10s > 10").expect("valid");
    let Predicate::And(_, r) = e else {
        panic!("expected &&")
    };
    assert_eq!(
        *r,
        Predicate::Compare {
            metric: PredicateMetric::RecentRequests(std::time::Duration::from_secs(10)),
            op: CompareOp::Gt,
            value: PredicateNumber::Int(10),
        }
    );
    assert!(matches!(
        cb("ConsecutiveErrors() > 3"),
        Ok(Predicate::Compare {
            metric: PredicateMetric::ConsecutiveErrors,
            ..
        })
    ));
    assert!(cb("RecentRequests#1m30s >= 5 || RecentRequests#500ms > 1").is_ok());
    let retry = parse_predicate(
        "IsNetworkError() && Attempts() < 2",
        PredicateDialect::Retry,
    );
    assert!(retry.is_ok(), "{retry:?}");
}

#[test]
fn rejects_invalid_expressions() {
    assert_eq!(
        err("NetworkErrorRatio() > 0.5 && RecentRequest#10s > 10"),
        "column 30: unknown function `RecentRequest`; expected one of NetworkErrorRatio(), \
         ResponseCodeRatio(), LatencyAtQuantileMS(), ConsecutiveErrors(), RecentRequests#<window>"
    );
    assert_eq!(
        err("NetworkErrorRatio() > 0.5 #"),
        "column 27: invalid window `#` (expected a duration such as `#10s`)"
    );
    assert_eq!(
        err("RecentRequests#10 > 1"),
        "column 15: invalid window `#10` (expected a duration such as `#10s`)"
    );
    assert_eq!(
        err("RecentRequests#0s > 1"),
        "column 15: window `#0s` must be positive and at most 24h"
    );
    assert_eq!(
        err("RecentRequests() > 1"),
        "column 15: `RecentRequests` takes a window such as `RecentRequests#10s`, found `(`"
    );
    assert_eq!(
        err("RecentRequests#10s"),
        "column 19: expected a comparison (>, >=, <, <=, ==, !=) after `RecentRequests`, found the end of the expression"
    );
    assert!(err("RequestThreshold() > 1").contains("unknown function `RequestThreshold`"));
    assert_eq!(
        err("LatencyAtQuantileMS(50) > 100"),
        "column 21: `LatencyAtQuantileMS` takes one float literal such as `50.0`, found `50`"
    );
    assert!(err("ResponseCodeRatio(500, 600, 0) > 0.5").starts_with("column 30: expected `,`"));
    assert!(err("ResponseCodeRatio(500, 600.0, 0, 600) > 0.5").starts_with("column 24:"));
    assert_eq!(
        err("NetworkErrorRatio()"),
        "column 20: expected a comparison (>, >=, <, <=, ==, !=) after `NetworkErrorRatio()`, found the end of the expression"
    );
    assert_eq!(
        err("NetworkErrorRatio() > x"),
        "column 23: expected a number, found `x`"
    );
    assert_eq!(
        err("NetworkErrorRatio(1) > 1"),
        "column 19: `NetworkErrorRatio` takes no arguments"
    );
    assert_eq!(
        err("(NetworkErrorRatio() > 1"),
        "column 25: expected `)`, found the end of the expression"
    );
    assert_eq!(err("NetworkErrorRatio() > 1)"), "column 24: unexpected `)`");
    assert_eq!(err("  "), "column 3: the expression is empty");
    assert_eq!(
        err("networkErrorRatio() > 1").split(';').next(),
        Some("column 1: unknown function `networkErrorRatio`")
    );
    assert!(
        err("NetworkErrorRatio() > 1 & NetworkErrorRatio() > 2")
            .contains("unexpected character `&`")
    );
    assert!(err("NetworkErrorRatio() > 99999999999999999999").contains("out of range"));
    assert!(err("Attempts() < 2").contains("unknown function `Attempts`"));
    let r = parse_predicate("IsNetworkError() == 1", PredicateDialect::Retry);
    assert_eq!(
        r.map_err(|e| e.message),
        Err("`IsNetworkError()` is a condition and cannot be compared".into())
    );
}

#[test]
fn limits_nesting_and_size() {
    let deep = format!(
        "{}NetworkErrorRatio() > 1{}",
        "(".repeat(40),
        ")".repeat(40)
    );
    assert!(err(&deep).contains("nested too deeply"));
    let ok = format!(
        "{}NetworkErrorRatio() > 1{}",
        "(".repeat(32),
        ")".repeat(32)
    );
    assert!(cb(&ok).is_ok());
    let long = vec!["NetworkErrorRatio() > 1"; 200].join(" && ");
    assert!(err(&long).contains("too many conditions"));
}

#[test]
fn never_panics_on_garbage() {
    for s in [
        "(",
        ")",
        "((",
        "&&",
        "||",
        "1",
        "1.",
        ".",
        "..5",
        "1e",
        "1e+",
        "1.5e3x",
        "é",
        "NetworkErrorRatio(",
        "ResponseCodeRatio(",
        "ResponseCodeRatio(1,",
        "LatencyAtQuantileMS(",
        "NetworkErrorRatio() >",
        "NetworkErrorRatio() > 1 &&",
        "\u{0}",
        "a b c",
        "NetworkErrorRatio() > 1e400",
    ] {
        assert!(cb(s).is_err(), "{s}");
    }
}

proptest::proptest! {
    #[test]
    fn never_panics(s in "[A-Za-z()0-9., <>=!&|#é_-]{0,60}") {
        let _ = parse_predicate(&s, PredicateDialect::CircuitBreaker);
        let _ = parse_predicate(&s, PredicateDialect::Retry);
    }

    #[test]
    fn never_panics_near_valid(a in 0i64..1000, op in "(>|>=|<|<=|==|!=|=|!)", cut in 0usize..80) {
        let s = format!("(ResponseCodeRatio({a}, 600, 0, 600) {op} 0.5) || LatencyAtQuantileMS(50.0) > {a}");
        let s: String = s.chars().take(cut).collect();
        let _ = parse_predicate(&s, PredicateDialect::CircuitBreaker);
    }
}
