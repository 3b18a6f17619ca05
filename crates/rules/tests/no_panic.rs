//! Robustness: adversarial and pseudo-random inputs never panic `parse`, `matches` or `hosts`.
//! (The cargo-fuzz target in `fuzz/` explores further.)

use http::HeaderMap;
use waygate_rules::{Request, Rule, Syntax, TcpConn, TcpRule};

const PIECES: &[&str] = &[
    "Host",
    "HostRegexp",
    "Path",
    "PathPrefix",
    "Query",
    "QueryRegexp",
    "Header",
    "ClientIP",
    "HostSNI",
    "ALPN",
    "Headers",
    "(",
    ")",
    "((",
    "))",
    "!",
    "!!",
    "&&",
    "||",
    "&",
    "|",
    ",",
    " ",
    "`",
    "`a`",
    "`/x`",
    "`*`",
    "`*.a.com`",
    "`{id:[0-9]+}`",
    "`(x`",
    "`k=v`",
    "\"",
    "\"\\x",
    "\"\\",
    "\"\\u12\"",
    "\"\\377\"",
    "\"\\xff\"",
    "'a'",
    "1",
    "🦭",
    "é",
    "\u{0}",
    "\n",
    "`10.0.0.0/8`",
    "{",
    "}",
    "[",
    "\\",
    "%",
    "`[[:alpha:]]`",
    "`a{2}`",
    "`\\Q`",
];

fn exercise(rule: &str) {
    let headers = HeaderMap::new();
    let req = Request {
        method: "GET",
        host: "a.com",
        path: "/x",
        query: "k=v%20&q",
        headers: &headers,
        client_ip: "10.0.0.1".parse().ok(),
    };
    let conn = TcpConn {
        sni: Some("a.com"),
        alpn: &["h2"],
        client_ip: None,
    };
    for syntax in [Syntax::V2, Syntax::V3] {
        if let Ok(r) = Rule::parse(rule, syntax) {
            let _ = r.matches(&req);
            let _ = r.hosts();
            let _ = r.host_values();
        }
        if let Ok(r) = TcpRule::parse(rule, syntax) {
            let _ = r.matches(&conn);
            let _ = r.hosts();
        }
    }
}

#[test]
fn adversarial_inputs() {
    let cases = [
        String::new(),
        "(".repeat(10_000),
        ")".repeat(10_000),
        "!".repeat(100_000),
        format!("{}Host(`a`)", "!(".repeat(5_000)),
        "Host(`a`) && ".repeat(10_000),
        "Host(`a".into(),
        "Host(\"a\\".into(),
        "Host(\"\\x".into(),
        "Host(\"\\x4".into(),
        "Host(\"\\u".into(),
        "Host(\"\\U0011FFFF\")".into(),
        "Host(\"\\777\")".into(),
        "Host(`\u{200b}`)".into(),
        "Path(`/\u{10FFFF}`)".into(),
        "HostRegexp(`a{99999}{99999}`)".into(),
        "PathRegexp(`\\`)".into(),
        "Path(`/{a:{b}`)".into(),
        "Query(`=`)".into(),
        "Query(`a=`, `=b`)".into(),
        "ClientIP(`::ffff:1.2.3.4/200`)".into(),
        "HostSNI(`*.`)".into(),
        "Host(`.`) || Host(`*.`) || Host(`*..`)".into(),
    ];
    for case in &cases {
        exercise(case);
    }
}

#[test]
fn pseudo_random_inputs() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3_000 {
        let len = (next() % 24) as usize;
        let rule: String = (0..len)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        exercise(&rule);
    }
}
