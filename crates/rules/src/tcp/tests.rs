//! Tests of TCP rules.

use super::*;

fn conn<'a>(sni: Option<&'a str>, alpn: &'a [&'a str], ip: Option<&str>) -> TcpConn<'a> {
    TcpConn {
        sni,
        alpn,
        client_ip: ip.map(|i| i.parse().expect("valid ip")),
    }
}

fn rule(text: &str) -> TcpRule {
    TcpRule::parse(text, Syntax::V3).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn host_sni() {
    let r = rule("HostSNI(`Example.com.`)");
    assert!(r.matches(&conn(Some("example.com"), &[], None)));
    assert!(r.matches(&conn(Some("EXAMPLE.COM."), &[], None)));
    assert!(!r.matches(&conn(Some("example.org"), &[], None)));
    assert!(!r.matches(&conn(None, &[], None)));
    let w = rule("HostSNI(`*.example.com`)");
    assert!(w.matches(&conn(Some("a.example.com"), &[], None)));
    assert!(!w.matches(&conn(Some("a.b.example.com"), &[], None)));
    assert!(!w.matches(&conn(Some("example.com"), &[], None)));
    let all = rule("HostSNI(`*`)");
    assert!(all.matches(&conn(None, &[], None)) && all.matches(&conn(Some("x"), &[], None)));
    assert!(all.is_catch_all() && !r.is_catch_all());
    assert_eq!(all.hosts(), Hosts::Any);
    assert_eq!(
        r.hosts(),
        Hosts::Only {
            exact: vec!["example.com".into()],
            wildcard_suffixes: vec![]
        }
    );
}

#[test]
fn host_sni_validation() {
    for bad in [
        "HostSNI(`a b`)",
        "HostSNI(`*a.com`)",
        "HostSNI(`a.*.com`)",
        "HostSNI(`é.com`)",
        "HostSNI(`*.`)",
    ] {
        assert!(TcpRule::parse(bad, Syntax::V3).is_err(), "{bad}");
    }
    for ok in [
        "HostSNI(`10.0.0.1`)",
        "HostSNI(`::1`)",
        "HostSNI(`a_b-c.d:1`)",
    ] {
        assert!(TcpRule::parse(ok, Syntax::V3).is_ok(), "{ok}");
    }
}

#[test]
fn regexp_ip_alpn() {
    let r = rule(r"HostSNIRegexp(`^[a-z]+\.example\.com$`) && ALPN(`h2`)");
    assert!(r.matches(&conn(Some("api.example.com"), &["http/1.1", "h2"], None)));
    assert!(!r.matches(&conn(Some("api.example.com"), &["http/1.1"], None)));
    assert!(!r.matches(&conn(None, &["h2"], None)));
    let ip = rule("ClientIP(`10.0.0.0/8`) || HostSNI(`a.com`)");
    assert!(ip.matches(&conn(None, &[], Some("10.1.2.3"))));
    assert!(!ip.matches(&conn(None, &[], Some("11.1.2.3"))));
    assert_eq!(ip.hosts(), Hosts::Any);
    let err = TcpRule::parse("ALPN(`acme-tls/1`)", Syntax::V3).expect_err("reserved");
    assert!(err.to_string().contains("acme-tls/1"), "{err}");
    assert!(TcpRule::parse("Host(`a`)", Syntax::V3).is_err());
    assert!(TcpRule::parse("HostSNI(`a`, `b`)", Syntax::V3).is_err());
}

#[test]
fn v2_variadic() {
    let r = TcpRule::parse("HostSNI(`a.com`, `b.com`)", Syntax::V2).expect("valid");
    assert!(r.matches(&conn(Some("b.com"), &[], None)));
    assert!(!r.matches(&conn(Some("c.com"), &[], None)));
    let t = TcpRule::parse("HostSNIRegexp(`{sub}.a.com`)", Syntax::V2).expect("valid");
    assert!(t.matches(&conn(Some("x.a.com"), &[], None)));
}
