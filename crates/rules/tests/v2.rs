//! ruleSyntax v2 (§5.3): variadic matchers, renamed matchers, mux templates, `k=v` queries.

#[path = "support/req.rs"]
mod support;

use support::{Req, check};
use waygate_rules::{Hosts, Rule, Syntax};

const V2: Syntax = Syntax::V2;

fn p(path: &str) -> Req {
    Req::new("example.com", path)
}

#[test]
fn variadic_matchers() {
    let (a, b, c) = (
        Req::new("a.com", "/"),
        Req::new("b.com", "/"),
        Req::new("c.com", "/"),
    );
    check("Host(`a.com`, `B.com`)", V2, &[a.clone(), b.clone()], &[c]);
    check("HostHeader(`a.com`)", V2, &[a], &[b]);
    check("Path(`/a`, `/b`)", V2, &[p("/a"), p("/b")], &[p("/c")]);
    check(
        "Method(`get`, `POST`)",
        V2,
        &[p("/").method("GET"), p("/").method("POST")],
        &[p("/").method("PUT")],
    );
    check(
        "ClientIP(`10.0.0.1`, `192.168.0.0/16`)",
        V2,
        &[p("/").ip("10.0.0.1"), p("/").ip("192.168.3.4")],
        &[p("/").ip("10.0.0.2")],
    );
    let r = Rule::parse("Host(`a.com`, `b.com`)", V2).expect("valid");
    assert_eq!(
        r.hosts(),
        Hosts::Only {
            exact: vec!["a.com".into(), "b.com".into()],
            wildcard_suffixes: vec![]
        }
    );
}

#[test]
fn renamed_matchers() {
    let xfp = "x-forwarded-proto";
    check(
        "Headers(`X-Forwarded-Proto`, `https`)",
        V2,
        &[p("/").header(xfp, "https")],
        &[p("/")],
    );
    check(
        "HeadersRegexp(`X-Forwarded-Proto`, `^https?$`)",
        V2,
        &[p("/").header(xfp, "http")],
        &[p("/").header(xfp, "ws")],
    );
    for (rule, syntax) in [
        ("Header(`a`, `b`)", V2),
        ("PathRegexp(`/`)", V2),
        ("QueryRegexp(`a`, `b`)", V2),
        ("Headers(`a`, `b`)", Syntax::V3),
        ("HostHeader(`a`)", Syntax::V3),
    ] {
        assert!(Rule::parse(rule, syntax).is_err(), "{rule} in {syntax}");
    }
    let err = Rule::parse("Header(`a`, `b`)", V2).expect_err("v3 name");
    assert!(err.to_string().contains("did you mean `Headers`"), "{err}");
}

#[test]
fn templates() {
    check(
        "Path(`/api/{id:[0-9]+}`)",
        V2,
        &[p("/api/42")],
        &[p("/api/x"), p("/api/42/x")],
    );
    check(
        "Path(`/user/{name}`)",
        V2,
        &[p("/user/bob")],
        &[p("/user/bob/x"), p("/user/")],
    );
    check(
        "PathPrefix(`/user/{name}`)",
        V2,
        &[p("/user/bob"), p("/user/bob/x")],
        &[p("/user/")],
    );
    check(
        "PathPrefix(`/css`)",
        V2,
        &[p("/css"), p("/cssfoo")],
        &[p("/js")],
    );
    let sub = |h: &str| Req::new(h, "/");
    check(
        "HostRegexp(`{sub:[a-z]+}.example.com`)",
        V2,
        &[sub("api.example.com")],
        &[sub("example.com"), sub("a.b.example.com")],
    );
    check(
        "HostRegexp(`{sub}.example.com`)",
        V2,
        &[sub("api.example.com")],
        &[sub("a.b.example.com")],
    );
    check(
        "HostRegexp(`example.com`)",
        V2,
        &[sub("example.com")],
        &[sub("xexample.com"), sub("example.com.x")],
    );
    // mux quotes the text outside variables: `.` is a literal dot.
    check("HostRegexp(`a.com`)", V2, &[sub("a.com")], &[sub("abcom")]);
    assert!(Rule::parse("Path(`/{id`)", V2).is_err());
    assert!(Rule::parse("Path(`/{id:(}`)", V2).is_err());
    assert!(Rule::parse("Path(`api`)", V2).is_err());
}

#[test]
fn query_pairs() {
    check(
        "Query(`q=traefik`)",
        V2,
        &[p("/?q=traefik"), p("/?a=1;q=traefik")],
        &[p("/?q=nginx"), p("/")],
    );
    check(
        "Query(`q=`)",
        V2,
        &[p("/?q=anything"), p("/?q")],
        &[p("/?x=1")],
    );
    check(
        "Query(`id={id:[0-9]+}`)",
        V2,
        &[p("/?id=42")],
        &[p("/?id=x")],
    );
    // mux only looks at the first value of the key.
    check("Query(`q=b`)", V2, &[], &[p("/?q=a&q=b")]);
    // All pairs of one Query call must match (mux `Queries`).
    check(
        "Query(`a=1`, `b=2`)",
        V2,
        &[p("/?a=1&b=2")],
        &[p("/?a=1"), p("/?b=2")],
    );
    assert!(Rule::parse("Query(`q`)", V2).is_err());
}

#[test]
fn no_wildcards_in_v2_host() {
    let r = |h: &str| Req::new(h, "/");
    check("Host(`*.example.com`)", V2, &[], &[r("a.example.com")]);
    check("Host(`*`)", V2, &[], &[r("a.example.com")]);
}
