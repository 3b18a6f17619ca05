use std::collections::BTreeMap;

use http::header::{HOST, VARY};
use http::{Method, StatusCode};

use super::*;
use crate::middleware::{test_ctx, test_request};

fn mw(cfg: Config) -> Headers {
    Headers::new(&cfg).expect("builds")
}

fn respond(m: &Headers, req: &mut Request) -> Option<Response> {
    match m.request(req) {
        Flow::Respond(r) => Some(r),
        _ => None,
    }
}

fn origin_req(method: Method, origin: &str) -> Request {
    let mut req = test_request("/");
    *req.method_mut() = method;
    req.headers_mut()
        .insert(ORIGIN, HeaderValue::from_str(origin).expect("ascii"));
    req
}

#[test]
fn custom_and_security_headers_in_traefik_order() {
    let m = mw(Config {
        custom_request_headers: BTreeMap::from([
            ("X-Req".into(), "1".into()),
            ("X-Drop".into(), String::new()),
        ]),
        custom_response_headers: BTreeMap::from([
            ("X-Powered-By".into(), String::new()),
            // Custom response headers come after the secure ones: they win.
            ("X-Frame-Options".into(), "SAMEORIGIN".into()),
        ]),
        sts_seconds: 60,
        sts_include_subdomains: true,
        frame_deny: true,
        content_type_nosniff: true,
        public_key: "pin-sha256=\"x\"".into(),
        ..Config::default()
    });
    let mut req = test_request("/");
    req.headers_mut()
        .insert("x-drop", HeaderValue::from_static("gone"));
    assert!(matches!(m.request(&mut req), Flow::Next));
    assert_eq!(req.headers()["x-req"], "1");
    assert!(!req.headers().contains_key("x-drop"));
    let mut resp = Response::new(crate::Body::Empty);
    resp.headers_mut()
        .insert("x-powered-by", HeaderValue::from_static("Go"));
    m.response(&mut resp, test_ctx(false));
    let h = resp.headers();
    assert!(!h.contains_key("x-powered-by"));
    assert_eq!(h["x-frame-options"], "SAMEORIGIN");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        !h.contains_key("strict-transport-security"),
        "no HSTS over HTTP"
    );
    assert!(!h.contains_key("public-key-pins"), "no HPKP over HTTP");
    m.response(&mut resp, test_ctx(true));
    let h = resp.headers();
    assert_eq!(
        h["strict-transport-security"],
        "max-age=60; includeSubDomains"
    );
    assert_eq!(h["public-key-pins"], "pin-sha256=\"x\"");
}

#[test]
fn deprecated_ssl_options_change_nothing() {
    let m = mw(Config {
        ssl_redirect: Some(true),
        ssl_temporary_redirect: Some(true),
        ssl_force_host: Some(true),
        ssl_host: Some("secure.example".into()),
        feature_policy: Some("vibrate 'none'".into()),
        ..Config::default()
    });
    let mut req = test_request("/");
    assert!(matches!(m.request(&mut req), Flow::Next), "no redirect");
    let mut resp = Response::new(crate::Body::Empty);
    m.response(&mut resp, test_ctx(false));
    assert!(resp.headers().is_empty(), "{:?}", resp.headers());
}

#[test]
fn allowed_hosts_and_proxy_headers() {
    let m = mw(Config {
        allowed_hosts: vec!["good.test".into(), "Good.Test:8080".into()],
        hosts_proxy_headers: vec!["X-Forwarded-Host".into()],
        ..Config::default()
    });
    let mut req = test_request("/");
    req.headers_mut()
        .insert(HOST, HeaderValue::from_static("GOOD.test"));
    assert!(respond(&m, &mut req).is_none());
    req.headers_mut()
        .insert(HOST, HeaderValue::from_static("good.test:8080"));
    assert!(
        respond(&m, &mut req).is_none(),
        "the port is part of the host"
    );
    req.headers_mut()
        .insert(HOST, HeaderValue::from_static("good.test:9"));
    let r = respond(&m, &mut req).expect("refused");
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(matches!(r.body(), crate::Body::Full(Some(b)) if b == "Bad Host\n"));
    req.headers_mut()
        .insert("x-forwarded-host", HeaderValue::from_static("good.test"));
    assert!(
        respond(&m, &mut req).is_none(),
        "the proxy header comes first"
    );
    let dev = mw(Config {
        allowed_hosts: vec!["good.test".into()],
        sts_seconds: 10,
        force_sts_header: true,
        is_development: true,
        ..Config::default()
    });
    let mut req = test_request("/");
    req.headers_mut()
        .insert(HOST, HeaderValue::from_static("bad.test"));
    assert!(
        respond(&dev, &mut req).is_none(),
        "isDevelopment skips the check"
    );
    let mut resp = Response::new(crate::Body::Empty);
    dev.response(&mut resp, test_ctx(true));
    assert!(!resp.headers().contains_key("strict-transport-security"));
}

#[test]
fn cors_preflight_is_answered() {
    let m = mw(Config {
        access_control_allow_methods: vec!["GET".into(), "OPTIONS".into(), "PUT".into()],
        access_control_allow_headers: vec!["X-A".into(), "X-B".into()],
        access_control_allow_origin_list: vec!["https://a.test".into()],
        access_control_max_age: Some(0),
        access_control_expose_headers: vec!["X-E".into()],
        ..Config::default()
    });
    let mut req = origin_req(Method::OPTIONS, "https://a.test");
    req.headers_mut().insert(
        "access-control-request-method",
        HeaderValue::from_static("PUT"),
    );
    let r = respond(&m, &mut req).expect("preflight");
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers();
    assert_eq!(h["access-control-allow-methods"], "GET,OPTIONS,PUT");
    assert_eq!(h["access-control-allow-headers"], "X-A,X-B");
    assert_eq!(h["access-control-allow-origin"], "https://a.test");
    assert_eq!(h["access-control-max-age"], "0", "0 is sent when set");
    assert_eq!(h["access-control-expose-headers"], "X-E");
    assert_eq!(h["content-length"], "0");
    assert!(!h.contains_key("access-control-allow-credentials"));
    // Not a preflight without the request method.
    let mut req = origin_req(Method::OPTIONS, "https://a.test");
    assert!(matches!(m.request(&mut req), Flow::Wrap));
}

#[test]
fn cors_wildcards_with_credentials_echo_the_request() {
    let m = mw(Config {
        access_control_allow_methods: vec!["*".into()],
        access_control_allow_headers: vec!["*".into()],
        access_control_allow_origin_list: vec!["*".into()],
        access_control_expose_headers: vec!["*".into()],
        access_control_allow_credentials: true,
        ..Config::default()
    });
    let mut req = origin_req(Method::OPTIONS, "https://b.test");
    let h = req.headers_mut();
    h.insert(
        "access-control-request-method",
        HeaderValue::from_static("PATCH"),
    );
    h.insert(
        "access-control-request-headers",
        HeaderValue::from_static("x-y"),
    );
    let r = respond(&m, &mut req).expect("preflight");
    let h = r.headers();
    assert_eq!(h["access-control-allow-methods"], "PATCH");
    assert_eq!(h["access-control-allow-headers"], "x-y");
    assert_eq!(h["access-control-allow-origin"], "https://b.test");
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert!(
        !h.contains_key("access-control-expose-headers"),
        "* with credentials"
    );
}

#[test]
fn cors_on_responses_and_vary() {
    let m = mw(Config {
        access_control_allow_origin_list: vec!["https://a.test".into()],
        access_control_allow_origin_list_regex: vec![r"^https://(.+\.)?b\.test$".into()],
        add_vary_header: true,
        ..Config::default()
    });
    let cors = m.cors.as_ref().expect("cors");
    let mut out = HeaderMap::new();
    let o = HeaderValue::from_static("https://x.b.test");
    cors.response(&mut out, Some(&o));
    assert_eq!(out["access-control-allow-origin"], "https://x.b.test");
    assert_eq!(out[VARY], "Origin");
    cors.response(&mut out, Some(&o));
    assert_eq!(out[VARY], "Origin", "not twice");
    let mut out = HeaderMap::new();
    out.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    cors.response(
        &mut out,
        Some(&HeaderValue::from_static("https://evil.test")),
    );
    assert!(!out.contains_key("access-control-allow-origin"));
    assert_eq!(out[VARY], "Accept-Encoding,Origin");
    // `*` answers even a request without Origin, as Traefik's matchOrigin("").
    let star = mw(Config {
        access_control_allow_origin_list: vec!["*".into()],
        ..Config::default()
    });
    let mut out = HeaderMap::new();
    star.cors.as_ref().expect("cors").response(&mut out, None);
    assert_eq!(out["access-control-allow-origin"], "*");
}

#[test]
fn ssl_proxy_headers_make_a_request_https() {
    let m = mw(Config {
        sts_seconds: 31_536_000,
        ssl_proxy_headers: BTreeMap::from([("X-Forwarded-Proto".into(), "https".into())]),
        ..Config::default()
    });
    assert!(m.wraps);
    let mut req = test_request("/");
    assert!(!m.secure.is_ssl(&req, false));
    req.headers_mut()
        .insert("x-forwarded-proto", HeaderValue::from_static("https"));
    assert!(m.secure.is_ssl(&req, false));
    req.headers_mut()
        .insert("x-forwarded-proto", HeaderValue::from_static("HTTPS"));
    assert!(
        !m.secure.is_ssl(&req, false),
        "the value must match exactly"
    );
    let err = Headers::new(&Config {
        access_control_allow_origin_list_regex: vec!["(".into()],
        ..Config::default()
    })
    .expect_err("invalid regex");
    assert!(
        err.starts_with("accessControlAllowOriginListRegex[0]"),
        "{err}"
    );
}
