//! Load-balancing strategies, sticky cookies and passive health checks, through the binary:
//! who gets the requests is counted from the backends' answers.

pub(crate) mod grpc;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Gw, LOCAL_EP, backend, client, eventually, get, send};

/// A backend answering every request with `status` after `delay`, named `name` in
/// `X-Whoami-Name` (as whoami does); counts its requests.
async fn raw_backend(
    name: &'static str,
    status: u16,
    delay: Duration,
) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 4;
                    buf.drain(..end);
                    counter.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(delay).await;
                    let resp = format!(
                        "HTTP/1.1 {status} X\r\nx-whoami-name: {name}\r\ncontent-length: 0\r\n\r\n"
                    );
                    if conn.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, count)
}

/// A client whose connections come from `ip` (any 127.0.0.0/8 address works on Linux).
fn client_from(ip: IpAddr) -> Client<HttpConnector, Full<Bytes>> {
    let mut connector = HttpConnector::new();
    connector.set_local_address(Some(ip));
    Client::builder(TokioExecutor::new()).build(connector)
}

fn cookie_of(resp: &crate::support::Resp, name_prefix: &str) -> Option<String> {
    resp.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(name_prefix))
        .map(str::to_string)
}

async fn get_with_cookie(base: &str, cookie: Option<&str>) -> crate::support::Resp {
    let mut req = http::Request::get(format!("{base}/")).header("host", "sticky.test");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    send(
        &client(),
        req.body(Full::new(Bytes::new())).expect("request"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn sticky_cookie_keeps_a_client_and_repicks_when_its_server_goes_down() {
    let a = backend("a").await;
    let b = backend("b").await;
    let dynamic = format!(
        r#"
http:
  routers:
    sticky:
      rule: Host(`sticky.test`)
      service: sticky
    split:
      rule: Host(`split.test`)
      service: split
  services:
    sticky:
      loadBalancer:
        servers: [{{url: "{a}"}}, {{url: "{b}"}}]
        sticky:
          cookie: {{name: "lb sticky", secure: true, httpOnly: true, sameSite: strict, maxAge: 60}}
        healthCheck: {{path: /health, interval: 100ms, timeout: 1s}}
    split:
      weighted:
        services: [{{name: sa}}, {{name: sb}}]
        sticky:
          cookie: {{}}
    sa:
      loadBalancer:
        servers: [{{url: "{a}"}}]
    sb:
      loadBalancer:
        servers: [{{url: "{b}"}}]
"#,
        a = a.url(),
        b = b.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let base = gw.url("web");

    let first = get_with_cookie(&base, None).await;
    assert_eq!(first.status, 200);
    let set = cookie_of(&first, "lb_sticky=").expect("a sticky cookie, name sanitized");
    assert!(
        set.ends_with("; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Strict"),
        "{set}"
    );
    let pair = set.split(';').next().expect("pair").to_string();
    let value = pair.split_once('=').expect("=").1;
    assert_eq!(value.len(), 16, "16 hex digits of SHA-256: {value}");
    let stuck = first.headers["x-whoami-name"]
        .to_str()
        .expect("name")
        .to_string();
    for _ in 0..10 {
        let r = get_with_cookie(&base, Some(&format!("other=1; {pair}"))).await;
        assert_eq!(
            r.headers["x-whoami-name"],
            stuck.as_str(),
            "stays on its server"
        );
        assert!(
            cookie_of(&r, "lb_sticky=").is_none(),
            "a valid cookie is not rewritten"
        );
    }
    // Without the cookie, round robin goes on.
    let names: Vec<String> =
        futures_util::future::join_all((0..4).map(|_| get_with_cookie(&base, None)))
            .await
            .iter()
            .map(|r| {
                r.headers["x-whoami-name"]
                    .to_str()
                    .expect("name")
                    .to_string()
            })
            .collect();
    assert!(names.iter().any(|n| n != &stuck), "{names:?}");

    // Its server goes down: the client is moved and told so.
    let (down, other) = if stuck == "a" { (&a, "b") } else { (&b, "a") };
    down.set_health(503);
    let moved = std::cell::Cell::new(None);
    eventually(
        Duration::from_secs(5),
        "the sticky client is moved",
        || async {
            let r = get_with_cookie(&base, Some(&pair)).await;
            let ok = r.headers["x-whoami-name"] == other;
            if ok {
                moved.set(cookie_of(&r, "lb_sticky="));
            }
            ok
        },
    )
    .await;
    let new = moved.take().expect("a new cookie when re-picked");
    assert_ne!(new.split(';').next(), Some(pair.as_str()));

    // Weighted level, default cookie name (`_` + 5 hex digits of a SHA-1).
    let c = client();
    let r = get(&c, &format!("{base}/"), "split.test").await;
    let set = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with('_'))
        .expect("weighted sticky cookie")
        .to_string();
    let (name, rest) = set.split_once('=').expect("=");
    assert_eq!(name.len(), 6, "{set}");
    assert!(rest.ends_with("; Path=/"), "{set}");
    let pair = set.split(';').next().expect("pair").to_string();
    let stuck = r.headers["x-whoami-name"].clone();
    for _ in 0..6 {
        let req = http::Request::get(format!("{base}/"))
            .header("host", "split.test")
            .header("cookie", &pair)
            .body(Full::new(Bytes::new()))
            .expect("request");
        assert_eq!(send(&c, req).await.headers["x-whoami-name"], stuck);
    }
}

/// Requests from `workers` concurrent clients for `total` requests; counts per backend name.
async fn load(base: &str, host: &str, workers: usize, total: usize) -> HashMap<String, usize> {
    let next = Arc::new(AtomicUsize::new(0));
    let tasks = (0..workers).map(|_| {
        let (next, base, host) = (next.clone(), base.to_string(), host.to_string());
        tokio::spawn(async move {
            let c = client();
            let mut seen = HashMap::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let r = get(&c, &format!("{base}/"), &host).await;
                assert_eq!(r.status, 200);
                let name = r.headers["x-whoami-name"]
                    .to_str()
                    .expect("name")
                    .to_string();
                *seen.entry(name).or_insert(0) += 1;
            }
            seen
        })
    });
    let mut counts = HashMap::new();
    for t in futures_util::future::join_all(tasks).await {
        for (k, v) in t.expect("worker") {
            *counts.entry(k).or_insert(0) += v;
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread")]
async fn p2c_and_leasttime_send_less_to_a_slow_server_than_wrr() {
    let fast = backend("fast").await;
    let (slow, _) = raw_backend("slow", 200, Duration::from_millis(150)).await;
    let services = ["wrr", "p2c", "leasttime"]
        .iter()
        .map(|s| {
            format!(
                "    {s}:\n      loadBalancer:\n        strategy: {s}\n        servers: [{{url: \"{}\"}}, {{url: \"{slow}\"}}]\n",
                fast.url()
            )
        })
        .collect::<String>();
    let routers = ["wrr", "p2c", "leasttime"]
        .iter()
        .map(|s| format!("    {s}:\n      rule: Host(`{s}.test`)\n      service: {s}\n"))
        .collect::<String>();
    let dynamic = format!("http:\n  routers:\n{routers}  services:\n{services}");
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let base = gw.url("web");
    let mut slow_share = HashMap::new();
    for s in ["wrr", "p2c", "leasttime"] {
        let counts = load(&base, &format!("{s}.test"), 6, 120).await;
        let slow = counts.get("slow").copied().unwrap_or(0);
        eprintln!("{s}: {counts:?}");
        slow_share.insert(s, slow);
    }
    let (wrr, p2c, lt) = (
        slow_share["wrr"],
        slow_share["p2c"],
        slow_share["leasttime"],
    );
    assert_eq!(wrr, 60, "wrr alternates");
    assert!(
        p2c * 2 < wrr,
        "p2c: slow server got {p2c} of 120 (wrr: {wrr})"
    );
    assert!(
        lt * 2 < wrr,
        "leasttime: slow server got {lt} of 120 (wrr: {wrr})"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hrw_keeps_clients_and_moves_only_the_removed_servers_ones() {
    const N: usize = 4;
    const CLIENTS: u8 = 200;
    let servers =
        futures_util::future::join_all((0..N).map(|i| backend(["s0", "s1", "s2", "s3"][i]))).await;
    let list = servers
        .iter()
        .map(|s| format!("{{url: \"{}\"}}", s.url()))
        .collect::<Vec<_>>()
        .join(", ");
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: Host(`hrw.test`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        strategy: hrw\n        servers: [{list}]\n        healthCheck: {{path: /health, interval: 100ms, timeout: 1s}}\n"
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let base = gw.url("web");
    let clients: Vec<_> = (1..=CLIENTS)
        .map(|i| client_from(IpAddr::from([127, 0, 1, i])))
        .collect();
    let who = |c: &Client<HttpConnector, Full<Bytes>>| {
        let (c, url) = (c.clone(), format!("{base}/"));
        async move {
            get(&c, &url, "hrw.test").await.headers["x-whoami-name"]
                .to_str()
                .expect("name")
                .to_string()
        }
    };
    let mut before = Vec::new();
    for c in &clients {
        let first = who(c).await;
        assert_eq!(who(c).await, first, "a client keeps its server");
        before.push(first);
    }
    let on_removed = before.iter().filter(|n| *n == "s2").count();
    assert!(on_removed > 0);
    servers[2].set_health(503);
    eventually(Duration::from_secs(5), "s2 is out", || async {
        let i = before
            .iter()
            .position(|n| n == "s2")
            .expect("a client of s2");
        who(&clients[i]).await != "s2"
    })
    .await;
    let mut moved = 0;
    for (c, was) in clients.iter().zip(&before) {
        let now = who(c).await;
        if &now != was {
            moved += 1;
            assert_eq!(was, "s2", "only the removed server's clients move");
        }
    }
    assert_eq!(moved, on_removed);
    let fraction = moved as f64 / f64::from(CLIENTS);
    eprintln!(
        "hrw: {moved} of {CLIENTS} clients moved ({fraction:.3}), 1/N = {}",
        1.0 / N as f64
    );
    // The removed server's share follows Traefik's FNV-1a of the client IP and the server
    // URLs, whose ports change every run: it spreads wider than a uniform hash would
    // (0.08 to 0.44 over 5,000 simulated port draws; above 1/N + 0.1 in 2.2 % of them,
    // which made this bound flaky). What moved is checked exactly above.
    assert!(fraction <= 0.5, "{fraction}");
}

#[tokio::test(flavor = "multi_thread")]
async fn passive_health_check_takes_a_failing_server_out_for_the_failure_window() {
    let good = backend("good").await;
    let (bad, bad_count) = raw_backend("bad", 502, Duration::ZERO).await;
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: Host(`p.test`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}, {{url: \"{bad}\"}}]\n        passiveHealthCheck: {{failureWindow: 1s, maxFailedAttempts: 2}}\n",
        good.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let base = gw.url("web");
    let c = client();
    let mut failed = 0;
    for _ in 0..20 {
        if get(&c, &format!("{base}/"), "p.test").await.status == 502 {
            failed += 1;
        }
    }
    assert_eq!(failed, 2, "out after maxFailedAttempts");
    assert_eq!(bad_count.load(Ordering::Relaxed), 2);
    // Back after the failure window.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(get(&c, &format!("{base}/"), "p.test").await.status);
    }
    assert!(
        statuses.contains(&502),
        "back in rotation after failureWindow: {statuses:?}"
    );
    assert!(
        gw.logs()
            .contains("passive health check: server is now DOWN")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failover_on_response_status_replays_the_request_to_the_fallback() {
    let spare = backend("spare").await;
    let (broken, broken_count) = raw_backend("broken", 503, Duration::ZERO).await;
    let (fine, _) = raw_backend("fine", 404, Duration::ZERO).await;
    let dynamic = format!(
        r#"
http:
  routers:
    fo:
      rule: Host(`fo.test`)
      service: fo
    small:
      rule: Host(`small.test`)
      service: small
    kept:
      rule: Host(`kept.test`)
      service: kept
    orphan:
      rule: Host(`orphan.test`)
      service: orphan
  services:
    fo:
      failover:
        service: broken
        fallback: spare
        errors: {{status: ["500-504"]}}
    small:
      failover:
        service: broken
        fallback: spare
        errors: {{status: ["503"], maxRequestBodyBytes: 4}}
    kept:
      failover:
        service: fine
        fallback: spare
        errors: {{status: ["500-599"]}}
    orphan:
      weighted:
        services: [{{name: spare}}]
        healthCheck: {{}}
    broken:
      loadBalancer:
        servers: [{{url: "{broken}"}}]
    fine:
      loadBalancer:
        servers: [{{url: "{fine}"}}]
    spare:
      loadBalancer:
        servers: [{{url: "{spare}"}}]
"#,
        spare = spare.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let base = gw.url("web");
    let c = client();
    let post = |host: &str, body: &'static str| {
        http::Request::post(format!("{base}/echo"))
            .header("host", host)
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .expect("request")
    };
    let r = send(&c, post("fo.test", "the body")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["x-whoami-name"], "spare");
    assert_eq!(r.body, "the body", "the fallback gets the same body");
    assert_eq!(
        broken_count.load(Ordering::Relaxed),
        1,
        "main was tried first"
    );

    let r = send(&c, post("small.test", "too long")).await;
    assert_eq!(r.status, 413);
    let r = send(&c, post("small.test", "ok")).await;
    assert_eq!(r.headers["x-whoami-name"], "spare");

    let r = get(&c, &format!("{base}/"), "kept.test").await;
    assert_eq!(
        (r.status, r.headers["x-whoami-name"].to_str().ok()),
        (404, Some("fine"))
    );

    // A parent with `healthCheck: {}` over a child that does not report its health: refused,
    // as Traefik does.
    assert_eq!(
        get(&c, &format!("{base}/"), "orphan.test").await.status,
        404
    );
    assert!(
        gw.logs().contains("does not report its health"),
        "{}",
        gw.logs()
    );
}
