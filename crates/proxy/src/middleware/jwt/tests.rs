//! Unit tests of the `jwt` middleware: token sources, the header check and key selection
//! (the end-to-end suite is `waygate/tests/dataplane/jwt.rs`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderValue;
use jsonwebtoken::Algorithm;
use waygate_config::dynamic::middleware::Jwt as Config;

use super::keys::{self, KeySet, Miss};
use super::token::{self, Reject};
use super::*;
use crate::middleware::test_request;

fn with_header(alg: &str, kid: Option<&str>) -> String {
    let h = match kid {
        Some(k) => format!(r#"{{"alg":"{alg}","kid":"{k}"}}"#),
        None => format!(r#"{{"alg":"{alg}"}}"#),
    };
    format!("{}.e30.sig", URL_SAFE_NO_PAD.encode(h))
}

#[test]
fn the_header_is_checked_before_any_key() {
    let allowed = [Algorithm::RS256];
    assert_eq!(
        token::header(&with_header("none", None), &allowed),
        Err(Reject::AlgNone)
    );
    assert_eq!(
        token::header(&with_header("NONE", None), &allowed),
        Err(Reject::AlgNone)
    );
    assert_eq!(
        token::header(&with_header("HS256", None), &allowed),
        Err(Reject::Algorithm)
    );
    assert_eq!(
        token::header(&with_header("XX1", None), &allowed),
        Err(Reject::Algorithm)
    );
    assert_eq!(token::header("a.b", &allowed), Err(Reject::Malformed));
    assert_eq!(token::header("!!.e30.x", &allowed), Err(Reject::Malformed));
    assert_eq!(
        token::header(&with_header("RS256", Some("k1")), &allowed),
        Ok((Algorithm::RS256, Some("k1".to_string())))
    );
}

#[test]
fn keys_only_verify_their_own_algorithms() {
    let secret = keys::secret("s3cr3t", false).expect("secret");
    let set = KeySet::one(secret);
    assert!(set.find(Some("ignored"), Algorithm::HS256).is_ok());
    assert_eq!(set.find(None, Algorithm::RS256).err(), Some(Miss::WrongAlg));

    let jwks = br#"{"keys":[
        {"kty":"oct","kid":"h","k":"c2VjcmV0"},
        {"kty":"EC","kid":"e","crv":"P-256","x":"AA","y":"AA"},
        {"kty":"EC","kid":"x","crv":"P-521","x":"AA","y":"AA"},
        {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
        {"kty":"RSA","kid":"r","alg":"PS256","n":"AQAB","e":"AQAB"}]}"#;
    let set = keys::jwk_set(jwks, keys::ASYMMETRIC).expect("set");
    // P-521 and encryption keys are skipped; the oct key can verify nothing by default.
    assert_eq!(set.keys.len(), 3);
    assert_eq!(
        set.find(Some("h"), Algorithm::HS256).err(),
        Some(Miss::WrongAlg)
    );
    assert!(set.find(Some("e"), Algorithm::ES256).is_ok());
    assert_eq!(
        set.find(Some("r"), Algorithm::RS256).err(),
        Some(Miss::WrongAlg),
        "alg: PS256"
    );
    assert!(set.find(Some("r"), Algorithm::PS256).is_ok());
    assert_eq!(
        set.find(Some("nope"), Algorithm::ES256).err(),
        Some(Miss::UnknownKid)
    );
    assert!(
        set.find(None, Algorithm::ES256).is_ok(),
        "the only ES256 key"
    );
    assert_eq!(set.find(None, Algorithm::EdDSA).err(), Some(Miss::NoKid));
    assert!(keys::jwk_set(b"[]", keys::ASYMMETRIC).is_err());
    assert!(
        keys::public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").is_err()
    );
}

#[test]
fn tokens_come_from_the_header_then_the_query_then_a_cookie() {
    let sources = Sources {
        header: http::header::AUTHORIZATION,
        query: Some("access_token".into()),
        cookie: Some("jwt".into()),
    };
    let mut req = test_request("/p?x=1&access_token=q.q.q");
    assert_eq!(sources.find(&req), Some("q.q.q"));
    req.headers_mut()
        .insert("cookie", HeaderValue::from_static("a=b; jwt=c.c.c"));
    assert_eq!(sources.find(&req), Some("q.q.q"));
    req.headers_mut()
        .insert("authorization", HeaderValue::from_static("Basic dTpw"));
    assert_eq!(sources.find(&req), Some("q.q.q"), "not a bearer token");
    req.headers_mut()
        .insert("authorization", HeaderValue::from_static("bearer h.h.h"));
    assert_eq!(sources.find(&req), Some("h.h.h"));
    let req = {
        let mut r = test_request("/");
        r.headers_mut()
            .insert("cookie", HeaderValue::from_static("jwt=c.c.c"));
        r
    };
    assert_eq!(sources.find(&req), Some("c.c.c"));
    assert_eq!(sources.find(&test_request("/")), None);
}

#[test]
fn build_errors_name_the_option_never_the_secret() {
    let cfg = Config {
        signing_secret: "not base64 !".into(),
        signing_secret_base64_encoded: true,
        ..Config::default()
    };
    let err = Jwt::new(&cfg).expect_err("bad base64");
    assert_eq!(err, "signingSecret is not valid base64");
    let cfg = Config {
        signing_secret: "s".into(),
        algorithms: vec!["RS256".into()],
        ..Config::default()
    };
    let err = Jwt::new(&cfg).expect_err("no algorithm left");
    assert!(err.starts_with("algorithms: none of them"), "{err}");
    let cfg = Config {
        signing_secret: "hunter2".into(),
        ..Config::default()
    };
    let jwt = Jwt::new(&cfg).expect("builds");
    assert!(!format!("{jwt:?}").contains("hunter2"));
}

#[test]
fn a_refusal_says_why_in_the_challenge() {
    let resp = Reject::Expired.response();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\", error_description=\"token expired\""
    );
    assert_eq!(Reject::Claims.response().status(), 403);
    assert_eq!(
        Reject::Missing.response().headers()["www-authenticate"],
        "Bearer"
    );
}
