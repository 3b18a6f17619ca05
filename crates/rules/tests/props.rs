//! Property tests: the parser agrees with direct evaluation of generated expression trees, the
//! boolean algebra holds, `hosts()` is sound (never excludes a host the rule matches), and
//! `trace()` gives the same verdict as `matches()`.

#[path = "support/req.rs"]
mod support;

use proptest::prelude::*;
use support::Req;
use waygate_rules::{Rule, Syntax};

const ATOMS: &[&str] = &[
    "Host(`a.com`)",
    "Host(`*.b.com`)",
    "Host(`*`)",
    "Host(`C.com.`)",
    "PathPrefix(`/x`)",
    "Path(`/x/y`)",
    "Method(`POST`)",
    "Query(`k`, `v`)",
    "HostRegexp(`^a`)",
    "Header(`X-A`, `1`)",
    "ClientIP(`10.0.0.0/8`)",
];

#[derive(Debug, Clone)]
enum E {
    Atom(usize),
    Not(Box<E>),
    And(Box<E>, Box<E>),
    Or(Box<E>, Box<E>),
}

fn not(e: E) -> E {
    E::Not(Box::new(e))
}
fn and(a: E, b: E) -> E {
    E::And(Box::new(a), Box::new(b))
}
fn or(a: E, b: E) -> E {
    E::Or(Box::new(a), Box::new(b))
}

fn expr() -> impl Strategy<Value = E> {
    let leaf = (0..ATOMS.len()).prop_map(E::Atom);
    leaf.prop_recursive(5, 32, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(not),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| and(a, b)),
            (inner.clone(), inner).prop_map(|(a, b)| or(a, b)),
        ]
    })
}

fn request() -> impl Strategy<Value = Req> {
    let hosts = prop::sample::select(vec![
        "a.com",
        "ab.com",
        "x.b.com",
        "y.x.b.com",
        "b.com",
        "c.com",
        "C.COM.",
        "",
        "d.org",
    ]);
    let paths = prop::sample::select(vec!["/", "/x", "/x/y", "/xy", "/y"]);
    let queries = prop::sample::select(vec!["", "k=v", "k=w&k=v", "k=v%20"]);
    let ips = prop::sample::select(vec![
        None,
        Some("10.1.1.1"),
        Some("11.1.1.1"),
        Some("::ffff:10.0.0.1"),
    ]);
    (hosts, paths, queries, any::<bool>(), any::<bool>(), ips).prop_map(
        |(h, p, q, post, hdr, ip)| {
            let mut r = Req::new(h, &format!("{p}?{q}"));
            if post {
                r = r.method("POST");
            }
            if hdr {
                r = r.header("x-a", "1");
            }
            match ip {
                Some(ip) => r.ip(ip),
                None => r,
            }
        },
    )
}

/// Renders with the fewest parentheses the precedence allows (`!` 3 > `&&` 2 > `||` 1).
fn render(e: &E, parent: u8) -> String {
    let (text, prec) = match e {
        E::Atom(i) => (ATOMS[*i].to_owned(), 3),
        E::Not(x) => (format!("!{}", render(x, 3)), 3),
        E::And(a, b) => (format!("{} && {}", render(a, 2), render(b, 2)), 2),
        E::Or(a, b) => (format!("{} || {}", render(a, 1), render(b, 1)), 1),
    };
    if prec < parent {
        format!("({text})")
    } else {
        text
    }
}

fn eval(e: &E, req: &Req) -> bool {
    match e {
        E::Atom(i) => parse(ATOMS[*i]).matches(&req.view()),
        E::Not(x) => !eval(x, req),
        E::And(a, b) => eval(a, req) && eval(b, req),
        E::Or(a, b) => eval(a, req) || eval(b, req),
    }
}

fn parse(text: &str) -> Rule {
    Rule::parse(text, Syntax::V3).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn matches(e: &E, req: &Req) -> bool {
    parse(&render(e, 0)).matches(&req.view())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parser_agrees_with_tree(e in expr(), req in request()) {
        prop_assert_eq!(matches(&e, &req), eval(&e, &req), "{}", render(&e, 0));
    }

    #[test]
    fn trace_agrees_with_matches(e in expr(), req in request()) {
        let rule = parse(&render(&e, 0));
        let trace = rule.trace(&req.view());
        prop_assert_eq!(trace.matched, rule.matches(&req.view()), "{}", render(&e, 0));
        prop_assert_eq!(trace.blockers().is_empty(), trace.matched);
        // Each leaf's result is the lone matcher's.
        for m in trace.tree.matchers() {
            prop_assert_eq!(m.matched, parse(&m.text).matches(&req.view()), "{}", m.text);
        }
    }

    #[test]
    fn hosts_are_sound(e in expr(), req in request()) {
        let rule = parse(&render(&e, 0));
        if rule.matches(&req.view()) {
            prop_assert!(rule.hosts().may_match(&req.host), "{} {:?}", render(&e, 0), rule.hosts());
        }
    }

    #[test]
    fn double_negation(a in expr(), req in request()) {
        prop_assert_eq!(matches(&not(not(a.clone())), &req), matches(&a, &req));
    }

    #[test]
    fn de_morgan(a in expr(), b in expr(), req in request()) {
        let lhs = not(and(a.clone(), b.clone()));
        let rhs = or(not(a.clone()), not(b.clone()));
        prop_assert_eq!(matches(&lhs, &req), matches(&rhs, &req));
        let lhs = not(or(a.clone(), b.clone()));
        let rhs = and(not(a), not(b));
        prop_assert_eq!(matches(&lhs, &req), matches(&rhs, &req));
    }

    #[test]
    fn commutativity(a in expr(), b in expr(), req in request()) {
        prop_assert_eq!(matches(&and(a.clone(), b.clone()), &req), matches(&and(b.clone(), a.clone()), &req));
        prop_assert_eq!(matches(&or(a.clone(), b.clone()), &req), matches(&or(b, a), &req));
    }

    #[test]
    fn distributivity(a in expr(), b in expr(), c in expr(), req in request()) {
        let lhs = and(a.clone(), or(b.clone(), c.clone()));
        let rhs = or(and(a.clone(), b.clone()), and(a.clone(), c.clone()));
        prop_assert_eq!(matches(&lhs, &req), matches(&rhs, &req));
        let lhs = or(a.clone(), and(b.clone(), c.clone()));
        let rhs = and(or(a.clone(), b), or(a, c));
        prop_assert_eq!(matches(&lhs, &req), matches(&rhs, &req));
    }
}
