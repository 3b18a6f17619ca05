//! Fuzz target: any UTF-8 string through both rule syntaxes, HTTP and TCP; compiled rules are
//! then matched against fixed inputs. Run with `cargo fuzz run parse_rule` from `crates/rules`.

#![no_main]

use http::HeaderMap;
use libfuzzer_sys::fuzz_target;
use waygate_rules::{Request, Rule, Syntax, TcpConn, TcpRule};

fuzz_target!(|rule: &str| {
    let mut headers = HeaderMap::new();
    headers.insert("x-a", http::HeaderValue::from_static("1"));
    let req = Request {
        method: "GET",
        host: "a.example.com",
        path: "/x/y",
        query: "k=v%20w&q&k=%zz",
        headers: &headers,
        client_ip: "10.0.0.1".parse().ok(),
    };
    let conn = TcpConn { sni: Some("a.example.com"), alpn: &["h2"], client_ip: None };
    for syntax in [Syntax::V2, Syntax::V3] {
        if let Ok(r) = Rule::parse(rule, syntax) {
            let matched = r.matches(&req);
            let hosts = r.hosts();
            assert!(!matched || hosts.may_match(req.host), "hosts() unsound for {rule:?}");
            let _ = r.host_values();
        }
        if let Ok(r) = TcpRule::parse(rule, syntax) {
            let _ = r.matches(&conn);
            let _ = r.hosts();
        }
    }
});
