//! `basicAuth` and `digestAuth` end to end: hashes made by `htpasswd` (Debian
//! `apache2-utils`, installed by test.sh), requests made by `curl --basic` / `curl --digest`,
//! what the client sees and what the backend receives, and a users file re-read on reload.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::{Gw, LOCAL_EP, backend, eventually};

/// `htpasswd -nb <flags…> user password`'s line.
fn htpasswd(flags: &[&str], user: &str, password: &str) -> String {
    let out = Command::new("htpasswd")
        .arg("-nb")
        .args(flags)
        .args([user, password])
        .output()
        .expect("htpasswd is required by this test (Debian: apt-get install apache2-utils; test.sh installs it)");
    assert!(out.status.success(), "htpasswd failed");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

/// `curl <auth…> -u user:password` to `url` with `Host: host`: (status, headers, body).
fn curl(url: &str, host: &str, auth: &[&str]) -> (u16, String, String) {
    let out = Command::new("curl")
        .args(["-s", "-D", "-", "-H", &format!("Host: {host}")])
        .args(auth)
        .arg(url)
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // With --digest curl shows the 401 round first: keep the last response.
    let last = text.rfind("HTTP/1.1 ").map_or(&text[..], |i| &text[i..]);
    let (head, body) = last.split_once("\r\n\r\n").unwrap_or((last, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_string())
}

fn dynamic(url: &str, middleware: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: Host(`auth.test`)\n      entryPoints: [web]\n      service: s\n      middlewares: [auth]\n\
         \x20 middlewares:\n    auth:\n{middleware}\
         \x20 services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    )
}

fn write_users(dir: &Path, lines: &[String]) -> String {
    let file = dir.join("users");
    std::fs::write(&file, format!("# htpasswd\n{}\n", lines.join("\n"))).expect("users file");
    file.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn basic_auth_checks_htpasswd_hashes_and_tells_the_backend_who() {
    let a = backend("a").await;
    let dir = Gw::dir();
    let users = write_users(
        &dir,
        &[
            htpasswd(&["-B"], "alice", "bcrypt-pw"),
            htpasswd(&["-m"], "bob", "md5-pw"),
            htpasswd(&["-s"], "carol", "sha-pw"),
        ],
    );
    let mw = format!(
        "      basicAuth:\n        usersFile: {users}\n        realm: Secure\n        headerField: X-WebAuth-User\n        removeHeader: true\n"
    );
    let gw = Gw::start_in_dir(dir, LOCAL_EP, &dynamic(&a.url(), &mw));
    let url = format!("{}/api", gw.url("web"));
    for (user, pw) in [
        ("alice", "bcrypt-pw"),
        ("bob", "md5-pw"),
        ("carol", "sha-pw"),
    ] {
        let (status, _, body) = curl(
            &url,
            "auth.test",
            &["--basic", "-u", &format!("{user}:{pw}")],
        );
        assert_eq!(status, 200, "{user}: {body}");
        let seen: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(seen["headers"]["X-Webauth-User"][0], user);
        assert!(
            seen["headers"].get("Authorization").is_none(),
            "removeHeader: {seen}"
        );
        // Again: the remembered outcome answers the same.
        let (again, _, _) = curl(
            &url,
            "auth.test",
            &["--basic", "-u", &format!("{user}:{pw}")],
        );
        assert_eq!(again, 200);
    }
    for auth in [
        vec!["--basic", "-u", "alice:wrong"],
        vec!["--basic", "-u", "bob:bcrypt-pw"],
        vec!["--basic", "-u", "mallory:x"],
        vec![],
    ] {
        let (status, head, body) = curl(&url, "auth.test", &auth);
        assert_eq!(status, 401, "{auth:?}");
        assert!(
            head.contains("www-authenticate: basic realm=\"secure\""),
            "{head}"
        );
        assert!(head.contains("content-type: text/plain"), "{head}");
        assert_eq!(body, "401 Unauthorized\n");
    }
    assert!(!gw.logs().contains("bcrypt-pw"), "no password in the logs");
}

#[tokio::test(flavor = "multi_thread")]
async fn basic_auth_users_file_is_read_again_on_reload() {
    let a = backend("a").await;
    let dir = Gw::dir();
    let users = write_users(&dir, &[htpasswd(&["-B"], "alice", "first")]);
    let mw = format!("      basicAuth:\n        usersFile: {users}\n");
    let cfg = dynamic(&a.url(), &mw);
    let gw = Gw::start_in_dir(dir.clone(), LOCAL_EP, &cfg);
    let url = format!("{}/", gw.url("web"));
    assert_eq!(curl(&url, "auth.test", &["-u", "alice:first"]).0, 200);
    write_users(&dir, &[htpasswd(&["-B"], "alice", "second")]);
    // A configuration change rebuilds the middleware, which reads the file again (an
    // unchanged configuration is not applied again, as in Traefik).
    gw.write_dynamic(&dynamic(&a.url(), &format!("{mw}        realm: again\n")));
    eventually(Duration::from_secs(10), "the new password", || async {
        curl(&url, "auth.test", &["-u", "alice:second"]).0 == 200
    })
    .await;
    assert_eq!(curl(&url, "auth.test", &["-u", "alice:first"]).0, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn digest_auth_with_curl() {
    let a = backend("a").await;
    // HA1 = md5("test:traefik:test"), as htdigest writes it.
    let mw = "      digestAuth:\n        users: ['test:traefik:a2688e031edb4be6a3797f3882655c05']\n        headerField: X-WebAuth-User\n";
    let gw = Gw::start(LOCAL_EP, &dynamic(&a.url(), mw));
    let url = format!("{}/api?x=1", gw.url("web"));
    let (status, _, body) = curl(&url, "auth.test", &["--digest", "-u", "test:test"]);
    assert_eq!(status, 200, "{body}");
    let seen: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(seen["headers"]["X-Webauth-User"][0], "test");
    assert!(
        seen["headers"]["Authorization"][0]
            .as_str()
            .is_some_and(|v| v.starts_with("Digest ")),
        "the header stays without removeHeader"
    );
    let (status, head, body) = curl(&url, "auth.test", &["--digest", "-u", "test:wrong"]);
    assert_eq!(status, 401);
    assert!(
        head.contains("www-authenticate: digest realm=\"traefik\", nonce=\""),
        "{head}"
    );
    assert!(head.contains("algorithm=\"md5\", qop=\"auth\""), "{head}");
    assert_eq!(body, "401 Unauthorized\n");
    assert_eq!(curl(&url, "auth.test", &[]).0, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn bcrypt_checks_neither_stall_other_requests_nor_repeat() {
    let a = backend("a").await;
    let slow = htpasswd(&["-B", "-C", "9"], "alice", "right");
    let cfg = format!(
        "http:\n  routers:\n    locked:\n      rule: Host(`auth.test`)\n      service: s\n      middlewares: [auth]\n\
         \x20   open:\n      rule: Host(`open.test`)\n      service: s\n\
         \x20 middlewares:\n    auth:\n      basicAuth:\n        users: ['{slow}']\n\
         \x20 services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        a.url()
    );
    let gw = Gw::start(LOCAL_EP, &cfg);
    let url = format!("{}/", gw.url("web"));
    // One check alone, for scale.
    let t = std::time::Instant::now();
    assert_eq!(curl(&url, "auth.test", &["-u", "alice:wrong-0"]).0, 401);
    let one = t.elapsed();
    // Several different wrong passwords at once (each a bcrypt), and meanwhile a request to
    // another router: it is answered before they are, however many wait.
    let started = std::time::Instant::now();
    let checks: Vec<_> = (1..=4)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                let r = curl(&url, "auth.test", &["-u", &format!("alice:wrong-{i}")]);
                (r.0, started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(curl(&url, "open.test", &[]).0, 200);
    let open = started.elapsed();
    for c in checks {
        let (status, took) = c.join().expect("thread");
        assert_eq!(status, 401);
        assert!(
            open < took,
            "the open router waited for bcrypt: {open:?} vs {took:?}"
        );
    }
    // The same wrong credential again and again: remembered, not re-hashed.
    let t = std::time::Instant::now();
    for _ in 0..10 {
        assert_eq!(curl(&url, "auth.test", &["-u", "alice:wrong-0"]).0, 401);
    }
    let ten = t.elapsed();
    assert!(
        ten < one * 3,
        "ten repeats took {ten:?}, one bcrypt {one:?}"
    );
    println!("one bcrypt check (cost 9, debug build): {one:?}; ten repeats: {ten:?}");
}
