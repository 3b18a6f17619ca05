use http::HeaderMap;
use http::header::{HeaderValue, SET_COOKIE};

use super::headers::{
    AuthRequestHeaders, Original, Trust, X_HEADERS, cookie_name, copy_granted, merge_cookies,
    sets_cookies,
};
use super::*;

fn map(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            HeaderName::try_from(*k).expect("name"),
            HeaderValue::from_str(v).expect("value"),
        );
    }
    h
}

fn values(h: &HeaderMap, name: &str) -> Vec<String> {
    h.get_all(name)
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .collect()
}

/// A request as the entry point hands it on (its `X-Forwarded-*` already set), from a
/// client at 192.0.2.1 that came through a trusted proxy at 10.0.0.1.
fn incoming() -> HeaderMap {
    map(&[
        ("host", "app.test:8080"),
        ("user-agent", "curl"),
        ("content-length", "5"),
        ("connection", "x-drop"),
        ("x-drop", "1"),
        ("keep-alive", "timeout=5"),
        ("proxy-authorization", "Basic eA=="),
        ("x-forwarded-for", "10.0.0.1"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "front.test"),
        ("x-forwarded-port", "8443"),
        ("x-forwarded-prefix", "/api"),
        ("x-forwarded-uri", "/spoofed"),
        ("x_forwarded_method", "PUT"),
        ("x-real-ip", "10.0.0.1"),
        ("cookie", "a=1"),
    ])
}

fn build(trust: Trust, allowed: &[&str]) -> HeaderMap {
    let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
    let h = AuthRequestHeaders::new(trust, &allowed).expect("headers");
    let ip = HeaderValue::from_static("192.0.2.1");
    h.build(
        &incoming(),
        &Original {
            method: &Method::POST,
            uri: "/p?q=1",
            client_ip: &ip,
            tls: false,
        },
    )
}

#[test]
fn hop_by_hop_host_and_length_never_reach_the_auth_server() {
    for trust in [Trust::Legacy, Trust::Strip, Trust::Keep] {
        let h = build(trust, &[]);
        for gone in [
            "host",
            "content-length",
            "connection",
            "x-drop",
            "keep-alive",
        ] {
            assert!(!h.contains_key(gone), "{trust:?}: {gone}");
        }
        // RFC 7235 §4.4: meant for the next hop, which the auth server is.
        assert_eq!(values(&h, "proxy-authorization"), ["Basic eA=="]);
        assert_eq!(values(&h, "user-agent"), ["curl"]);
        assert_eq!(values(&h, "cookie"), ["a=1"]);
    }
}

#[test]
fn trust_unset_replaces_five_headers_and_passes_the_others() {
    let h = build(Trust::Legacy, &[]);
    assert_eq!(values(&h, "x-forwarded-for"), ["192.0.2.1"]);
    assert_eq!(values(&h, "x-forwarded-proto"), ["http"]);
    assert_eq!(values(&h, "x-forwarded-method"), ["POST"]);
    assert_eq!(values(&h, "x-forwarded-host"), ["app.test:8080"]);
    assert_eq!(values(&h, "x-forwarded-uri"), ["/p?q=1"]);
    // Untouched, as Traefik's legacy writer leaves them.
    assert_eq!(values(&h, "x-forwarded-port"), ["8443"]);
    assert_eq!(values(&h, "x-forwarded-prefix"), ["/api"]);
    assert_eq!(values(&h, "x-real-ip"), ["10.0.0.1"]);
}

#[test]
fn trust_false_removes_every_forwarded_header_then_describes_the_connection() {
    let h = build(Trust::Strip, &[]);
    assert_eq!(values(&h, "x-forwarded-for"), ["192.0.2.1"]);
    assert_eq!(values(&h, "x-forwarded-proto"), ["http"]);
    assert_eq!(values(&h, "x-forwarded-method"), ["POST"]);
    assert_eq!(values(&h, "x-forwarded-host"), ["app.test:8080"]);
    assert_eq!(values(&h, "x-forwarded-uri"), ["/p?q=1"]);
    assert_eq!(values(&h, "x-forwarded-port"), ["8080"], "the Host's port");
    for gone in ["x-forwarded-prefix", "x-real-ip", "x_forwarded_method"] {
        assert!(!h.contains_key(gone), "{gone}");
    }
}

#[test]
fn trust_true_keeps_them_appends_the_client_and_fills_the_gaps() {
    let h = build(Trust::Keep, &[]);
    assert_eq!(values(&h, "x-forwarded-for"), ["10.0.0.1, 192.0.2.1"]);
    assert_eq!(values(&h, "x-forwarded-proto"), ["https"]);
    assert_eq!(values(&h, "x-forwarded-host"), ["front.test"]);
    assert_eq!(values(&h, "x-forwarded-port"), ["8443"]);
    assert_eq!(values(&h, "x-forwarded-uri"), ["/spoofed"]);
    assert_eq!(values(&h, "x-forwarded-prefix"), ["/api"]);
    // Only the canonical spelling counts as present.
    assert_eq!(values(&h, "x-forwarded-method"), ["POST"]);
}

#[test]
fn auth_request_headers_filter_before_the_forwarded_ones_are_set() {
    let h = build(Trust::Strip, &["Cookie", "X-Absent", "x-forwarded-prefix"]);
    let mut names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "cookie",
            "x-forwarded-for",
            "x-forwarded-host",
            "x-forwarded-method",
            "x-forwarded-port",
            "x-forwarded-proto",
            "x-forwarded-uri",
        ]
    );
    // With trust, Traefik adds its X-headers to the list.
    let h = build(Trust::Keep, &["cookie"]);
    assert_eq!(values(&h, "x-forwarded-prefix"), ["/api"]);
    assert_eq!(values(&h, "x-real-ip"), ["10.0.0.1"]);
    assert!(!h.contains_key("user-agent"));
    // The legacy writer filters without them.
    let h = build(Trust::Legacy, &["cookie"]);
    assert!(!h.contains_key("x-forwarded-prefix"));
    assert_eq!(values(&h, "x-forwarded-for"), ["192.0.2.1"]);
}

#[test]
fn x_headers_are_those_the_entry_point_manages() {
    for h in X_HEADERS {
        assert!(crate::forwarded::is_managed(h), "{h}");
    }
}

#[test]
fn granted_headers_replace_the_requests_by_name_and_by_regex() {
    let mut req = map(&[
        ("x-user", "forged"),
        ("x-auth-role", "admin"),
        ("x-other", "kept"),
    ]);
    let auth = map(&[
        ("x-user", "alice"),
        ("x-auth-group", "a"),
        ("x-auth-group", "b"),
        ("x-secret", "not listed"),
    ]);
    let re = Regex::new("^X-Auth-").expect("regex");
    copy_granted(
        &mut req,
        &auth,
        &[
            HeaderName::from_static("x-user"),
            HeaderName::from_static("x-missing"),
        ],
        Some(&re),
    );
    assert_eq!(values(&req, "x-user"), ["alice"]);
    assert!(!req.contains_key("x-auth-role"), "matched: removed");
    assert_eq!(values(&req, "x-auth-group"), ["a", "b"]);
    assert_eq!(values(&req, "x-other"), ["kept"]);
    assert!(!req.contains_key("x-secret"));
    assert!(!req.contains_key("x-missing"));
    // The regex sees Go's canonical names: a lowercase pattern matches nothing.
    let mut req = map(&[("x-auth-role", "admin")]);
    copy_granted(&mut req, &auth, &[], Regex::new("^x-auth").ok().as_ref());
    assert_eq!(values(&req, "x-auth-role"), ["admin"]);
}

#[test]
fn cookie_names_as_go_reads_set_cookie() {
    let name = |l: &str| cookie_name(&HeaderValue::from_str(l).expect("v")).map(str::to_string);
    assert_eq!(name("sid=abc; Path=/; HttpOnly").as_deref(), Some("sid"));
    assert_eq!(name(" sid = \"q\" ").as_deref(), Some("sid"));
    assert_eq!(name("noequals"), None);
    assert_eq!(name("=v"), None);
    assert_eq!(name("bad name=v"), None);
    assert_eq!(name("n=a\\b"), None);
}

#[test]
fn auth_cookies_replace_the_backends_of_the_same_name() {
    let mut resp = map(&[
        ("set-cookie", "session=backend; Path=/"),
        ("set-cookie", "theme=dark"),
        ("set-cookie", "broken"),
    ]);
    let auth = map(&[
        ("set-cookie", "session=auth; HttpOnly"),
        ("set-cookie", "csrf=x"),
    ]);
    assert!(sets_cookies(&auth));
    merge_cookies(&mut resp, &auth, &["session".to_string()]);
    assert_eq!(
        values(&resp, SET_COOKIE.as_str()),
        ["theme=dark", "session=auth; HttpOnly"]
    );
    assert!(!sets_cookies(&map(&[("set-cookie", "broken")])));
}

#[test]
fn signin_redirects_as_go_http_redirect() {
    let s = |url: &str| Signin {
        url: url.to_string(),
        relative: is_relative(url),
    };
    let mut req = crate::middleware::test_request("/app/page?x=1");
    let r = s("https://login.test/?next=1").redirect(&req);
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()[LOCATION], "https://login.test/?next=1");
    assert_eq!(r.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    let r = s("login/../sign in?a=b&c").redirect(&req);
    assert_eq!(r.headers()[LOCATION], "/app/sign in?a=b&c");
    let r = s("/auth/").redirect(&req);
    assert_eq!(r.headers()[LOCATION], "/auth/");
    *req.method_mut() = Method::POST;
    let r = s("/auth").redirect(&req);
    assert!(!r.headers().contains_key(CONTENT_TYPE));
    assert!(matches!(r.body(), Body::Empty));
    assert_eq!(html_escape("a&b<\"'>"), "a&amp;b&lt;&#34;&#39;&gt;");
    assert_eq!(hex_escape_non_ascii("/é"), "/%c3%a9");
}

#[test]
fn builds_only_what_can_be_served() {
    let cfg = |address: &str| Config {
        address: address.to_string(),
        ..Config::default()
    };
    assert!(ForwardAuth::new("m", &cfg("http://auth.test:9000/verify?x=1")).is_ok());
    let bad_regex = Config {
        auth_response_headers_regex: "(".into(),
        ..cfg("http://a/")
    };
    let err = ForwardAuth::new("m", &bad_regex).expect_err("regex");
    assert!(err.starts_with("authResponseHeadersRegex"), "{err}");
    let bad_ca = Config {
        tls: Some(waygate_config::dynamic::middleware::ClientTls {
            ca: "/no/such/ca.pem".into(),
            ..Default::default()
        }),
        ..cfg("https://a/")
    };
    let err = ForwardAuth::new("m", &bad_ca).expect_err("ca");
    assert!(err.starts_with("tls:"), "{err}");
}
