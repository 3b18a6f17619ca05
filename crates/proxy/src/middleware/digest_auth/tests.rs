//! The digest computation against a client's, nonce counts (replay, stale), the challenge.

use super::*;
use crate::middleware::test_request;

// `htdigest`'s HA1 for test:traefik:test (Traefik's own test user).
const USER: &str = "test:traefik:a2688e031edb4be6a3797f3882655c05";

fn mw() -> DigestAuth {
    DigestAuth::new(&Config {
        users: vec![USER.into()],
        header_field: "X-WebAuth-User".into(),
        ..Config::default()
    })
    .expect("builds")
}

/// The challenge's `nonce` and `opaque`, and the whole header.
fn challenge(m: &DigestAuth) -> (String, String, String) {
    let resp = m.challenge(false);
    assert_eq!(resp.status(), 401);
    let v = resp.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_string();
    let p = parse_pairs(v.strip_prefix("Digest ").expect("digest"));
    (p["nonce"].clone(), p["opaque"].clone(), v)
}

/// What a client sends for `password` on `GET uri` with nonce count `nc`.
fn answer(nonce: &str, opaque: &str, password: &str, uri: &str, nc: &str) -> Request {
    let ha1 = md5_hex(&format!("test:traefik:{password}"));
    let ha2 = md5_hex(&format!("GET:{uri}"));
    let response = md5_hex(&format!("{ha1}:{nonce}:{nc}:abcd:auth:{ha2}"));
    let mut req = test_request(uri);
    let v = format!(
        "Digest username=\"test\", realm=\"traefik\", nonce=\"{nonce}\", uri=\"{uri}\", \
         algorithm=MD5, response=\"{response}\", opaque=\"{opaque}\", qop=auth, nc={nc}, cnonce=\"abcd\""
    );
    req.headers_mut()
        .insert(header::AUTHORIZATION, v.parse().expect("value"));
    req
}

#[test]
fn the_challenge_is_go_http_auths() {
    let (nonce, opaque, v) = challenge(&mw());
    assert_eq!(
        v,
        format!(
            "Digest realm=\"traefik\", nonce=\"{nonce}\", opaque=\"{opaque}\", algorithm=\"MD5\", qop=\"auth\""
        )
    );
    assert_eq!(nonce.len(), 16);
    let stale = mw().challenge(true);
    assert!(
        stale.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .contains("stale=\"true\", algorithm=\"MD5\"")
    );
}

#[test]
fn a_right_answer_passes_once_per_nonce_count() {
    let m = mw();
    let (nonce, opaque, _) = challenge(&m);
    let mut req = answer(&nonce, &opaque, "test", "/a?b=c", "00000002");
    assert!(matches!(m.request(&mut req), Flow::Next));
    assert_eq!(req.headers()["x-webauth-user"], "test");
    // Replayed: refused; a later count passes; an earlier one is stale.
    let replay = answer(&nonce, &opaque, "test", "/a?b=c", "00000002");
    assert_eq!(m.check(&replay), Err(Refusal::Unauthorized));
    let next = answer(&nonce, &opaque, "test", "/a?b=c", "00000003");
    assert_eq!(m.check(&next), Ok("test".into()));
    let old = answer(&nonce, &opaque, "test", "/a?b=c", "00000001");
    assert_eq!(m.check(&old), Err(Refusal::Stale));
}

#[test]
fn wrong_answers_are_refused() {
    let m = mw();
    let (nonce, opaque, _) = challenge(&m);
    let wrong = answer(&nonce, &opaque, "nope", "/", "00000001");
    assert_eq!(m.check(&wrong), Err(Refusal::Unauthorized));
    // A nonce the middleware never issued; another router's instance.
    let forged = answer("AAAAAAAAAAAAAAAA", &opaque, "test", "/", "00000001");
    assert_eq!(m.check(&forged), Err(Refusal::Unauthorized));
    let other = m.for_router();
    let right = answer(&nonce, &opaque, "test", "/", "00000001");
    assert_eq!(other.check(&right), Err(Refusal::Unauthorized));
    // The uri must be the request's (or a path prefix of it).
    let mut moved = answer(&nonce, &opaque, "test", "/x", "00000001");
    *moved.uri_mut() = "/y".parse().expect("uri");
    assert_eq!(m.check(&moved), Err(Refusal::Unauthorized));
    let mut prefix = answer(&nonce, &opaque, "test", "/x", "00000001");
    *prefix.uri_mut() = "/x/y".parse().expect("uri");
    assert_eq!(m.check(&prefix), Ok("test".into()));
    assert!(matches!(
        m.request(&mut test_request("/")),
        Flow::Respond(_)
    ));
}

#[test]
fn nonces_are_bounded() {
    let m = mw();
    for _ in 0..(CACHE_SIZE + CACHE_TOLERANCE + 10) {
        m.challenge(false);
    }
    let n = m.nonces.lock().expect("lock").len();
    assert!(n <= CACHE_SIZE + CACHE_TOLERANCE + 1, "{n}");
}

#[test]
fn parses_pairs_as_go_http_auth() {
    let p = parse_pairs(r#"username="a,b", nc=00000001, qop=auth, x, e="q\"s""#);
    assert_eq!(p["username"], "a,b");
    assert_eq!(p["nc"], "00000001");
    assert_eq!(p["qop"], "auth");
    assert_eq!(p["x"], "");
    assert_eq!(p["e"], "q\"s");
}
