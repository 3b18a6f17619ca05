//! §4.0 behaviour with and without trusted IPs.

use super::*;

fn facts<'a>(ip: &str, server: &'a HeaderValue) -> RequestFacts<'a> {
    let client_ip = ip.parse().expect("ip");
    // Leaked on purpose: a test helper returning borrowed facts.
    let value: &'static HeaderValue = Box::leak(Box::new(client_ip_value(client_ip)));
    RequestFacts {
        client_ip,
        tls: false,
        websocket: false,
        host: Some(Box::leak(Box::new(HeaderValue::from_static(
            "example.com:8080",
        )))),
        server,
        client_ip_value: value,
    }
}

fn spoofed() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", HeaderValue::from_static("1.2.3.4"));
    h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
    h.insert("x-real-ip", HeaderValue::from_static("6.6.6.6"));
    h.insert("x_forwarded_host", HeaderValue::from_static("evil"));
    h
}

#[test]
fn untrusted_client_headers_are_replaced() {
    let server = HeaderValue::from_static("gw");
    let policy = ForwardedPolicy::new(None, false);
    let mut h = spoofed();
    policy.apply(&mut h, &facts("10.0.0.7", &server));
    assert_eq!(h["x-forwarded-for"], "10.0.0.7");
    assert_eq!(h["x-forwarded-proto"], "http");
    assert_eq!(h["x-real-ip"], "10.0.0.7");
    assert_eq!(h["x-forwarded-host"], "example.com:8080");
    assert_eq!(h["x-forwarded-port"], "8080");
    assert_eq!(h["x-forwarded-server"], "gw");
    assert!(!h.contains_key("x_forwarded_host"));
}

#[test]
fn trusted_client_headers_are_kept_and_xff_appended() {
    let server = HeaderValue::from_static("gw");
    let cfg = ForwardedHeaders {
        trusted_ips: vec!["10.0.0.0/8".into()],
        ..ForwardedHeaders::default()
    };
    let policy = ForwardedPolicy::new(Some(&cfg), false);
    let mut h = spoofed();
    policy.apply(&mut h, &facts("10.0.0.7", &server));
    assert_eq!(h["x-forwarded-for"], "1.2.3.4, 10.0.0.7");
    assert_eq!(h["x-forwarded-proto"], "https");
    assert_eq!(h["x-real-ip"], "6.6.6.6");
    // Not trusted from outside the range.
    let mut h = spoofed();
    policy.apply(&mut h, &facts("192.168.1.1", &server));
    assert_eq!(h["x-forwarded-for"], "192.168.1.1");
}

#[test]
fn hop_by_hop_headers_are_removed() {
    let policy = ForwardedPolicy::new(None, false);
    let mut h = HeaderMap::new();
    h.insert(
        "connection",
        HeaderValue::from_static("keep-alive, x-secret, x-forwarded-for"),
    );
    h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
    h.insert("x-secret", HeaderValue::from_static("1"));
    h.insert("x-forwarded-for", HeaderValue::from_static("1.1.1.1"));
    h.insert("te", HeaderValue::from_static("gzip"));
    policy.strip_hop_by_hop(&mut h, false, true);
    assert!(!h.contains_key("x-secret") && !h.contains_key("keep-alive") && !h.contains_key("te"));
    // `TE: trailers` is kept (alone), as Go's reverse proxy does, for gRPC.
    h.insert("te", HeaderValue::from_static("gzip, trailers"));
    policy.strip_hop_by_hop(&mut h, false, true);
    assert_eq!(h["te"], "trailers");
    h.remove("te");
    assert!(!h.contains_key("connection"));
    assert!(
        h.contains_key("x-forwarded-for"),
        "managed headers survive Connection listing"
    );

    let mut h = HeaderMap::new();
    h.insert("connection", HeaderValue::from_static("Upgrade"));
    h.insert("upgrade", HeaderValue::from_static("websocket"));
    policy.strip_hop_by_hop(&mut h, true, true);
    assert_eq!(h["upgrade"], "websocket");
    assert_eq!(h["connection"], "Upgrade");
}

/// The fields as `write` puts them in a head, parsed back into a map.
fn written(d: &Deferred) -> HeaderMap {
    let mut out = Vec::new();
    d.write(&mut out);
    let text = String::from_utf8(out).expect("utf-8");
    let mut h = HeaderMap::new();
    for line in text.split_terminator("\r\n") {
        let (name, value) = line.split_once(": ").expect("a header line");
        h.append(
            HeaderName::from_bytes(name.as_bytes()).expect("name"),
            HeaderValue::from_str(value).expect("value"),
        );
    }
    h
}

#[test]
fn deferred_fields_are_the_rewritten_ones_written_or_inserted() {
    let server = HeaderValue::from_static("gw");
    let hosts = [
        Some("example.com:8080"),
        Some("example.com"),
        Some("[::1]:8443"),
        Some("[::1]"),
        None,
    ];
    for not_append_xff in [false, true] {
        let policy = ForwardedPolicy::new(None, not_append_xff);
        for tls in [false, true] {
            for host in hosts {
                for ip in ["10.0.0.7", "::ffff:10.1.2.3", "2001:db8::1"] {
                    let mut f = facts(ip, &server);
                    f.tls = tls;
                    let host_value = host.map(HeaderValue::from_static);
                    f.host = host_value.as_ref();
                    let mut expected = spoofed();
                    policy.apply(&mut expected, &f);
                    let mut map = spoofed();
                    let d = policy
                        .defer(&mut map, &f, &OnceLock::new())
                        .expect("an untrusted client defers");
                    // The client's managed fields are gone either way.
                    assert!(map.is_empty(), "{map:?}");
                    let mut inserted = map.clone();
                    d.insert(&mut inserted, http::Version::HTTP_11);
                    let case = format!("{ip} tls={tls} host={host:?} xff={not_append_xff}");
                    assert_eq!(inserted, expected, "{case}");
                    assert_eq!(written(&d), expected, "{case}");
                    assert_eq!(
                        Some(d.proto()),
                        expected
                            .get("x-forwarded-proto")
                            .and_then(|v| v.to_str().ok()),
                        "{case}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_trusted_client_is_rewritten_not_deferred() {
    let server = HeaderValue::from_static("gw");
    let cfg = ForwardedHeaders {
        insecure: true,
        ..ForwardedHeaders::default()
    };
    let policy = ForwardedPolicy::new(Some(&cfg), false);
    let mut h = spoofed();
    let conn = OnceLock::new();
    assert!(
        policy
            .defer(&mut h, &facts("10.0.0.7", &server), &conn)
            .is_none()
    );
    assert!(conn.get().is_none());
    // Untouched: the caller rewrites it as usual.
    assert_eq!(h, spoofed());
}
