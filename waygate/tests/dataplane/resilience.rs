//! `circuitBreaker`, `retry` and `buffering` end to end: the breaker opens on a backend that
//! starts failing, answers `responseCode` while open and ramps back once it heals; retry hides
//! a dead server; buffering refuses what is too large and spills what is large to a file that
//! does not outlive the request. Through the binary and real sockets.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;

use crate::support::{Gw, LOCAL_EP, Resp, backend, client, eventually, get, send};

/// One router per `(host, middlewares)`, all to service `s` on `servers`.
fn config(servers: &[String], routes: &[(&str, &str)], middlewares: &str) -> String {
    let mut out = String::from("http:\n  routers:\n");
    for (i, (host, mws)) in routes.iter().enumerate() {
        out.push_str(&format!(
            "    r{i}:\n      rule: Host(`{host}`)\n      service: s\n      middlewares: [{mws}]\n"
        ));
    }
    let servers: Vec<String> = servers
        .iter()
        .map(|u| format!("{{url: \"{u}\"}}"))
        .collect();
    out.push_str(&format!(
        "  middlewares:\n{middlewares}  services:\n    s:\n      loadBalancer:\n        servers: [{}]\n",
        servers.join(", ")
    ));
    out
}

/// An address nothing listens on (connections are refused).
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}")
}

async fn post(url: &str, host: &str, body: &'static str) -> Resp {
    let req = http::Request::post(url)
        .header("host", host)
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("request");
    send(&client(), req).await
}

#[tokio::test(flavor = "multi_thread")]
async fn circuit_breaker_opens_answers_its_code_and_ramps_back() {
    let a = backend("a").await;
    let mws = "    cb:\n      circuitBreaker:\n        expression: ResponseCodeRatio(500, 600, 0, 600) > 0.5\n        checkPeriod: 50ms\n        fallbackDuration: 1s\n        recoveryDuration: 1s\n        responseCode: 418\n";
    let gw = Gw::start(
        LOCAL_EP,
        &config(&[a.url()], &[("cb.test", "cb"), ("other.test", "cb")], mws),
    );
    let (c, url) = (client(), format!("{}/health", gw.url("web")));
    for _ in 0..5 {
        assert_eq!(get(&c, &url, "cb.test").await.status, 200);
    }
    // The backend starts failing: its 500s come through until the breaker trips.
    a.set_health(500);
    let mut seen = Vec::new();
    while seen.len() < 50 && seen.last() != Some(&418) {
        seen.push(get(&c, &url, "cb.test").await.status);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(seen.last(), Some(&418), "never tripped: {seen:?}");
    assert!(
        seen[0] == 500 && seen.iter().all(|s| [500, 418].contains(s)),
        "{seen:?}"
    );
    // Open: the fallback, without reaching the backend; the other router has its own breaker.
    let served = a.requests();
    for _ in 0..10 {
        let r = get(&c, &url, "cb.test").await;
        assert_eq!((r.status, r.body.as_str()), (418, "I'm a teapot"));
    }
    assert_eq!(a.requests(), served, "an open breaker keeps requests away");
    assert_eq!(get(&c, &url, "other.test").await.status, 500);
    // Healed: after the fallback, a growing share passes, then everything.
    a.set_health(200);
    let healed = Instant::now();
    let mut after = Vec::new();
    while after.len() < 10 || after[after.len() - 10..].iter().any(|s| *s != 200) {
        assert!(healed.elapsed() < Duration::from_secs(8), "{after:?}");
        after.push(get(&c, &url, "cb.test").await.status);
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let first_pass = after.iter().position(|s| *s == 200).expect("a pass");
    assert!(
        first_pass > 0 && after[0] == 418,
        "still open at first: {after:?}"
    );
    assert!(
        after[first_pass..].contains(&418),
        "a ramp, not a switch: some passed while others still got the fallback: {after:?}"
    );
}

/// The seeds' expressions (Waygate extensions, docs/compat.md), as the article writes them.
#[tokio::test(flavor = "multi_thread")]
async fn circuit_breaker_seed_expressions_run_as_written() {
    let a = backend("a").await;
    let dead = dead_url();
    let mws = "    cb:\n      circuitBreaker:\n        expression: \"NetworkErrorRatio() > 0.5 && RecentRequests#10s > 10\"\n    streak:\n      circuitBreaker:\n        expression: \"ConsecutiveErrors() > 3\"\n";
    let dynamic = format!(
        "{}    dead:\n      loadBalancer:\n        servers: [{{url: \"{dead}\"}}]\n",
        config(&[a.url()], &[("streak.test", "streak")], mws)
    )
    .replace(
        "  middlewares:\n",
        "    seed:\n      rule: Host(`seed.test`)\n      service: dead\n      middlewares: [\"cb\"]\n  middlewares:\n",
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let c = client();
    // Every request fails (502), but the volume guard holds it closed for the first ten.
    let mut seen = Vec::new();
    while seen.len() < 60 && seen.last() != Some(&503) {
        seen.push(
            get(&c, &format!("{}/", gw.url("web")), "seed.test")
                .await
                .status,
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen.last(), Some(&503), "{seen:?}");
    assert!(
        seen.len() > 11 && seen[..11].iter().all(|s| *s == 502),
        "{seen:?}"
    );
    // Four errors in a row, whenever they come.
    a.set_health(500);
    let url = format!("{}/health", gw.url("web"));
    let mut seen = Vec::new();
    while seen.len() < 40 && seen.last() != Some(&503) {
        seen.push(get(&c, &url, "streak.test").await.status);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(seen.last(), Some(&503), "{seen:?}");
    assert!(
        seen.len() > 4 && seen[..4].iter().all(|s| *s == 500),
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_hides_one_dead_server_of_two() {
    let a = backend("a").await;
    let servers = [dead_url(), a.url()];
    let mws = "    retry:\n      retry:\n        attempts: 2\n    small:\n      retry:\n        attempts: 2\n        maxRequestBodyBytes: 4\n    add:\n      addPrefix:\n        prefix: /p\n";
    let gw = Gw::start(
        LOCAL_EP,
        &config(
            &servers,
            &[
                ("retry.test", "retry"),
                ("plain.test", ""),
                ("small.test", "small"),
                ("chain.test", "retry, add"),
            ],
            mws,
        ),
    );
    let (c, web) = (client(), gw.url("web"));
    let plain: Vec<u16> = statuses(&c, &web, "plain.test", 6).await;
    assert!(
        plain.contains(&502),
        "without retry the dead server shows: {plain:?}"
    );
    let retried = statuses(&c, &web, "retry.test", 20).await;
    assert!(retried.iter().all(|s| *s == 200), "{retried:?}");
    // Middlewares after `retry` run again for each try, on a fresh copy of the request: the
    // prefix is added once, the client appended to X-Forwarded-For once.
    for _ in 0..4 {
        let r = get(&c, &format!("{web}/"), "chain.test").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("GET /p/ HTTP/1.1"), "{}", r.body);
        assert!(
            r.body.contains("X-Forwarded-For: 127.0.0.1\n"),
            "{}",
            r.body
        );
    }
    // A POST whose body was read ahead is replayed to the live server, whole.
    for _ in 0..6 {
        let r = post(&format!("{web}/echo"), "retry.test", "hello").await;
        assert_eq!((r.status, r.body.as_str()), (200, "hello"));
    }
    // A body over maxRequestBodyBytes is not read ahead, but a try no connection could be
    // made for hands it back untouched: it reaches the live server whole (as Traefik).
    for _ in 0..6 {
        let r = post(&format!("{web}/echo"), "small.test", "hello").await;
        assert_eq!((r.status, r.body.as_str()), (200, "hello"));
    }
}

/// `retry` last in its chain resends the request the failed try handed back (no copy is
/// kept): the live server gets it as a first try sends it, with the servers' base path
/// joined once, the client in `X-Forwarded-For` once and the routed Host.
#[tokio::test(flavor = "multi_thread")]
async fn retry_resends_the_handed_back_request_unchanged() {
    let a = backend("a").await;
    // `retry.test`: retry alone (the handler's walk tries again); `cb.test`: after a
    // circuitBreaker (the walk inside the breaker tries again).
    let cfg = format!(
        "http:\n  routers:\n    r:\n      rule: Host(`retry.test`)\n      service: s\n      middlewares: [retry]\n    c:\n      rule: Host(`cb.test`)\n      service: s\n      middlewares: [cb, retry]\n  middlewares:\n    cb:\n      circuitBreaker:\n        expression: NetworkErrorRatio() > 0.99\n    retry:\n      retry:\n        attempts: 3\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - {{url: \"{}/base\", preservePath: true}}\n          - {{url: \"{}/base\", preservePath: true}}\n",
        dead_url(),
        a.url()
    );
    let gw = Gw::start(LOCAL_EP, &cfg);
    let (c, web) = (client(), gw.url("web"));
    for host in ["retry.test", "cb.test"] {
        for i in 0..6 {
            let r = get(&c, &format!("{web}/q/{i}?x=1"), host).await;
            assert_eq!(r.status, 200, "{host}: {}", r.body);
            let request_line = format!("GET /base/q/{i}?x=1 HTTP/1.1\n");
            assert!(r.body.contains(&request_line), "{}", r.body);
            assert!(r.body.contains(&format!("Host: {host}\n")), "{}", r.body);
            assert_eq!(r.body.matches("X-Forwarded-For").count(), 1, "{}", r.body);
            assert!(
                r.body.contains("X-Forwarded-For: 127.0.0.1\n"),
                "{}",
                r.body
            );
        }
    }
}

async fn statuses(
    c: &hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        Full<Bytes>,
    >,
    web: &str,
    host: &str,
    n: usize,
) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(get(c, &format!("{web}/"), host).await.status);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_on_listed_statuses_for_idempotent_methods() {
    let (a, b) = (backend("a").await, backend("b").await);
    b.set_health(503);
    let mws = "    retry:\n      retry:\n        attempts: 2\n        status: [\"503\"]\n";
    let gw = Gw::start(
        LOCAL_EP,
        &config(&[a.url(), b.url()], &[("retry.test", "retry")], mws),
    );
    let c = client();
    for _ in 0..10 {
        let r = get(&c, &format!("{}/health", gw.url("web")), "retry.test").await;
        assert_eq!(r.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn buffering_refuses_413_and_spills_to_a_file_that_is_gone_after() {
    let a = backend("a").await;
    let mws = "    buf:\n      buffering:\n        maxRequestBodyBytes: 1000\n        memRequestBodyBytes: 100\n    resp:\n      buffering:\n        maxResponseBodyBytes: 10\n";
    let dir = Gw::dir();
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let gw = Gw::start_in_dir_env(
        dir,
        LOCAL_EP,
        &config(
            &[a.url()],
            &[("buf.test", "buf"), ("resp.test", "resp")],
            mws,
        ),
        &[
            ("TMPDIR", tmp.to_str().expect("utf-8")),
            (
                "RUST_LOG",
                "info,hyper=warn,waygate_proxy::body::spool=debug",
            ),
        ],
    );
    let web = gw.url("web");
    let big: &'static str = Box::leak("x".repeat(1001).into_boxed_str());
    let r = post(&format!("{web}/echo"), "buf.test", big).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (413, "Request Entity Too Large")
    );
    let body: &'static str = Box::leak("y".repeat(700).into_boxed_str());
    let r = post(&format!("{web}/echo"), "buf.test", body).await;
    assert_eq!((r.status, r.body.as_str()), (200, body));
    assert_eq!(r.headers["content-length"], "700");
    eventually(Duration::from_secs(5), "the spill is logged", || async {
        gw.logs().contains("body spilled to a temporary file")
    })
    .await;
    let left: Vec<_> = std::fs::read_dir(&tmp).expect("tmp").collect();
    assert!(left.is_empty(), "the temporary file is gone: {left:?}");
    // A response over maxResponseBodyBytes is not passed on.
    let r = get(&client(), &format!("{web}/"), "resp.test").await;
    assert_eq!(r.status, 500);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_middleware_disables_only_its_routers() {
    let a = backend("a").await;
    let mws = "    ok:\n      circuitBreaker:\n        expression: ConsecutiveErrors() > 3\n    nope:\n      circuitBreaker:\n        expression: NetworkErrorRatio() >\n    r:\n      retry:\n        attempts: 2\n        disableRetryOnNetworkError: true\n";
    let gw = Gw::start(
        LOCAL_EP,
        &config(
            &[a.url()],
            &[
                ("good.test", "ok"),
                ("bad.test", "nope"),
                ("bad2.test", "r"),
            ],
            mws,
        ),
    );
    let (c, web) = (client(), gw.url("web"));
    assert_eq!(get(&c, &format!("{web}/"), "good.test").await.status, 200);
    for host in ["bad.test", "bad2.test"] {
        assert_eq!(
            get(&c, &format!("{web}/"), host).await.status,
            404,
            "{host}"
        );
    }
    let logs = gw.logs();
    assert!(logs.contains("invalid expression"), "{logs}");
    assert!(
        logs.contains("retry middleware requires at least HTTP status codes or retry on TCP"),
        "{logs}"
    );
}
