//! Credentials parsing, users loading, the pass and refusal answers, bcrypt off-thread and
//! the memory of outcomes.

use super::*;
use crate::middleware::test_request;

const APR1_TEST: &str = "test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/";
const BCRYPT_TEST: &str = "bob:$2y$04$90vPv.JM4Ev3cm5M/cd1..IpHHS4WjsVzRCA2xU00Ye83KXvrTTxW";

fn mw(users: &[&str], header_field: &str, remove: bool) -> BasicAuth {
    BasicAuth::new(&Config {
        users: users.iter().map(|u| u.to_string()).collect(),
        header_field: header_field.into(),
        remove_header: remove,
        ..Config::default()
    })
    .expect("builds")
}

fn request(user: &str, password: &str) -> Request {
    let mut req = test_request("/");
    let v = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
    req.headers_mut()
        .insert(header::AUTHORIZATION, v.parse().expect("value"));
    req
}

async fn settle(flow: Flow) -> Flow {
    match flow {
        Flow::Wait(p) => p.await,
        f => f,
    }
}

fn status(flow: &Flow) -> u16 {
    match flow {
        Flow::Next => 200,
        Flow::Respond(r) => r.status().as_u16(),
        _ => 0,
    }
}

#[test]
fn parses_credentials_as_go_does() {
    assert_eq!(
        credentials(b"bAsIc dTpwOmE6Yg=="),
        Some(("u".into(), b"p:a:b".to_vec()))
    );
    assert_eq!(credentials(b"Basic !!"), None);
    assert_eq!(credentials(b"Bearer dTpw"), None);
    assert_eq!(credentials(b"Basic dXNlcg=="), None, "no colon");
    assert_eq!(credentials(b"Basic"), None);
}

#[test]
fn users_come_from_the_file_then_the_list() {
    let dir = std::env::temp_dir().join(format!("wg-basic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("users");
    std::fs::write(&file, "# comment\n\n  a:$apr1$x$y  \nb:{SHA}z\n").expect("write");
    let file = file.to_string_lossy().into_owned();
    let m = users(&file, &["b:{SHA}w".into()], 2).expect("users");
    assert_eq!(m.len(), 2);
    assert_eq!(m["a"], "$apr1$x$y");
    assert_eq!(m["b"], "{SHA}w", "the list wins");
    let e = users(&file, &["c:secret:extra".into()], 2).expect_err("bad entry");
    assert!(e.contains("`c`") && !e.contains("secret"), "{e}");
    let e = users("/nonexistent/users", &[], 2).expect_err("missing file");
    assert!(e.starts_with("usersFile `/nonexistent/users`"), "{e}");
    let digest = users("", &["u:realm:abc".into()], 3).expect("digest users");
    assert_eq!(digest["u:realm"], "abc");
    let e = BasicAuth::new(&Config::default()).expect_err("no users");
    assert_eq!(e, "no users found in ``");
}

#[test]
fn a_right_password_passes_a_wrong_one_gets_traefiks_401() {
    let m = mw(&[APR1_TEST], "X-WebAuth-User", true);
    let mut ok = request("test", "test");
    assert!(matches!(m.request(&mut ok), Flow::Next));
    assert_eq!(ok.headers()["x-webauth-user"], "test");
    assert!(!ok.headers().contains_key(header::AUTHORIZATION));
    for (u, p) in [("test", "nope"), ("nobody", "test")] {
        let Flow::Respond(resp) = m.request(&mut request(u, p)) else {
            panic!("refused");
        };
        assert_eq!(resp.status(), 401);
        assert_eq!(
            resp.headers()["www-authenticate"],
            "Basic realm=\"traefik\""
        );
        assert_eq!(resp.headers()["content-type"], "text/plain");
    }
    assert_eq!(status(&m.request(&mut test_request("/"))), 401);
    // The header stays without removeHeader; a client's own headerField is replaced.
    let m = mw(&[APR1_TEST], "X-User", false);
    let mut req = request("test", "test");
    req.headers_mut()
        .insert("x-user", "admin".parse().expect("v"));
    assert!(matches!(m.request(&mut req), Flow::Next));
    assert_eq!(req.headers()["x-user"], "test");
    assert!(req.headers().contains_key(header::AUTHORIZATION));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bcrypt_is_checked_off_thread_and_remembered() {
    let m = mw(&[BCRYPT_TEST], "", false);
    let first = m.request(&mut request("bob", "test"));
    assert!(matches!(first, Flow::Wait(_)), "bcrypt waits");
    assert_eq!(status(&settle(first).await), 200);
    // Remembered: answered in place, right or wrong.
    assert!(matches!(m.request(&mut request("bob", "test")), Flow::Next));
    let wrong = m.request(&mut request("bob", "wrong"));
    assert_eq!(status(&settle(wrong).await), 401);
    assert_eq!(status(&m.request(&mut request("bob", "wrong"))), 401);
    // An unknown user costs a bcrypt too (timing), then is remembered as refused.
    let unknown = m.request(&mut request("eve", "test"));
    assert!(matches!(unknown, Flow::Wait(_)));
    assert_eq!(status(&settle(unknown).await), 401);
    assert_eq!(status(&m.request(&mut request("eve", "test"))), 401);
}
