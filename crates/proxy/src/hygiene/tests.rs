//! Table tests for the request-head checks.

use http::header::HOST;
use http::{HeaderMap, HeaderValue, StatusCode, Uri, Version};

use super::{
    MAX_HEADER_LINE, Underscores, check_headers, check_transfer_encoding, encode_query_semicolons,
    settle_authority, settle_authority_deferring,
};

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
            HeaderValue::from_str(v).expect("value"),
        );
    }
    h
}

fn status(e: crate::rescue::ProxyError) -> StatusCode {
    e.status()
}

#[test]
fn absolute_form_authority_wins_and_is_forwarded() {
    let uri: Uri = "http://a.example/x".parse().expect("uri");
    let mut h = headers(&[("host", "b.example")]);
    let got = settle_authority(Version::HTTP_11, &uri, &mut h).expect("ok");
    assert_eq!(got.expect("authority"), "a.example");
    assert_eq!(h.get_all(HOST).iter().count(), 1);
    assert_eq!(h[HOST], "a.example");
}

#[test]
fn an_h2_authority_without_host_is_returned_pending_and_not_inserted() {
    let uri: Uri = "https://a.example:8443/x".parse().expect("uri");
    let mut h = headers(&[("user-agent", "t")]);
    let (got, pending) =
        settle_authority_deferring(Version::HTTP_2, &uri, &mut h, true).expect("ok");
    assert_eq!(got.expect("authority"), "a.example:8443");
    assert!(pending);
    assert!(!h.contains_key(HOST));
    // With a `host` field, or over HTTP/1.1, it is settled (and written) as before.
    let mut h = headers(&[("host", "b.example")]);
    let (got, pending) =
        settle_authority_deferring(Version::HTTP_2, &uri, &mut h, true).expect("ok");
    assert_eq!(
        (got.expect("authority"), pending),
        ("a.example:8443".parse().expect("v"), false)
    );
    assert_eq!(h[HOST], "a.example:8443");
    let (_, pending) =
        settle_authority_deferring(Version::HTTP_11, &uri, &mut HeaderMap::new(), true)
            .expect("ok");
    assert!(!pending);
    // Not deferring (`waygate explain`), it is written at once.
    let mut h = HeaderMap::new();
    let (_, pending) =
        settle_authority_deferring(Version::HTTP_2, &uri, &mut h, false).expect("ok");
    assert!(!pending);
    assert_eq!(h[HOST], "a.example:8443");
    // Userinfo is refused as before.
    let userinfo: Uri = "https://u@a.example/x".parse().expect("uri");
    let e = settle_authority_deferring(Version::HTTP_2, &userinfo, &mut HeaderMap::new(), true);
    assert_eq!(status(e.expect_err("userinfo")), StatusCode::BAD_REQUEST);
}

#[test]
fn h2_authority_replaces_a_conflicting_host_header() {
    let uri: Uri = "https://a.example:8443/x".parse().expect("uri");
    let mut h = headers(&[("host", "b.example")]);
    let got = settle_authority(Version::HTTP_2, &uri, &mut h).expect("ok");
    assert_eq!(got.expect("authority"), "a.example:8443");
    assert_eq!(h[HOST], "a.example:8443");
}

#[test]
fn host_header_rules() {
    let origin: Uri = "/x".parse().expect("uri");
    let mut two = headers(&[("host", "a"), ("host", "b")]);
    assert_eq!(
        status(settle_authority(Version::HTTP_11, &origin, &mut two).expect_err("two")),
        StatusCode::BAD_REQUEST
    );
    let mut none = HeaderMap::new();
    assert!(settle_authority(Version::HTTP_11, &origin, &mut none).is_err());
    assert!(matches!(
        settle_authority(Version::HTTP_10, &origin, &mut none),
        Ok(None)
    ));
    assert!(matches!(
        settle_authority(Version::HTTP_2, &origin, &mut none),
        Ok(None)
    ));
    for bad in ["a b", "a/b", "a\"b", "a{b}", "a\\b"] {
        let mut h = headers(&[("host", bad)]);
        assert!(
            settle_authority(Version::HTTP_11, &origin, &mut h).is_err(),
            "{bad}"
        );
    }
    for good in [
        "a.example",
        "a.example:80",
        "[::1]:8080",
        "127.0.0.1",
        "xn--bcher-kva.example",
        "",
    ] {
        let mut h = headers(&[("host", good)]);
        assert!(
            settle_authority(Version::HTTP_11, &origin, &mut h).is_ok(),
            "{good}"
        );
    }
    let userinfo: Uri = "http://user@a.example/".parse().expect("uri");
    let mut h = HeaderMap::new();
    assert!(settle_authority(Version::HTTP_11, &userinfo, &mut h).is_err());
}

#[test]
fn transfer_codings() {
    assert_eq!(check_transfer_encoding(&HeaderMap::new()).ok(), Some(false));
    assert_eq!(
        check_transfer_encoding(&headers(&[("transfer-encoding", "chunked")])).ok(),
        Some(true)
    );
    assert_eq!(
        check_transfer_encoding(&headers(&[("transfer-encoding", "Chunked")])).ok(),
        Some(true)
    );
    for (v, want) in [
        ("chunked, chunked", StatusCode::BAD_REQUEST),
        ("chunked,chunked", StatusCode::BAD_REQUEST),
        ("gzip, chunked", StatusCode::NOT_IMPLEMENTED),
        ("identity", StatusCode::NOT_IMPLEMENTED),
        ("xchunked", StatusCode::NOT_IMPLEMENTED),
    ] {
        let e = check_transfer_encoding(&headers(&[("transfer-encoding", v)])).expect_err(v);
        assert_eq!(status(e), want, "{v}");
    }
    let split = headers(&[
        ("transfer-encoding", "chunked"),
        ("transfer-encoding", "chunked"),
    ]);
    assert_eq!(
        status(check_transfer_encoding(&split).expect_err("twice")),
        StatusCode::BAD_REQUEST
    );
}

#[test]
fn header_line_limit() {
    let ok = "a".repeat(MAX_HEADER_LINE - 10);
    let mut h = headers(&[("x-big", &ok)]);
    assert!(check_headers(&mut h, Underscores::Keep).is_ok());
    let big = "a".repeat(MAX_HEADER_LINE);
    let mut h = headers(&[("x-big", &big)]);
    assert_eq!(
        status(check_headers(&mut h, Underscores::Keep).expect_err("too long")),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
}

#[test]
fn underscore_strategies() {
    let base = headers(&[("x_user", "admin"), ("x-user", "me")]);
    let mut keep = base.clone();
    check_headers(&mut keep, Underscores::Keep).expect("keep");
    assert!(keep.contains_key("x_user"));
    let mut framing = headers(&[
        ("transfer_encoding", "chunked"),
        ("content_length", "5"),
        ("x_a", "1"),
    ]);
    check_headers(&mut framing, Underscores::Keep).expect("keep");
    assert!(!framing.contains_key("transfer_encoding") && !framing.contains_key("content_length"));
    assert!(framing.contains_key("x_a"));
    let mut delete = base.clone();
    check_headers(&mut delete, Underscores::Delete).expect("delete");
    assert!(!delete.contains_key("x_user"));
    assert!(delete.contains_key("x-user"));
    let mut reject = base;
    assert!(check_headers(&mut reject, Underscores::Reject).is_err());
    assert_eq!(Underscores::parse("reject"), Underscores::Reject);
    assert_eq!(Underscores::parse(""), Underscores::Keep);
}

#[test]
fn query_semicolons() {
    assert_eq!(
        encode_query_semicolons("a=1;b=2").as_deref(),
        Some("a=1%3Bb=2")
    );
    assert_eq!(encode_query_semicolons("a=1&b=2"), None);
}
