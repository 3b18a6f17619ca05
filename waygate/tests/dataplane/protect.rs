//! Traffic protection middlewares end to end: `rateLimit` (local), `ipAllowList` /
//! `ipWhiteList` and `inFlightReq`, through the binary and real sockets.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Gw, LOCAL_EP, Resp, backend, client, eventually, get, request};

/// One router per `(host, middleware)` on `entry_points`, all to `url`.
fn routers(url: &str, eps: &str, routes: &[(&str, &str)], middlewares: &str) -> String {
    let mut out = String::from("http:\n  routers:\n");
    for (i, (host, mw)) in routes.iter().enumerate() {
        out.push_str(&format!(
            "    r{i}:\n      rule: Host(`{host}`)\n      entryPoints: [{eps}]\n      service: s\n      middlewares: [{mw}]\n"
        ));
    }
    out.push_str(&format!(
        "  middlewares:\n{middlewares}  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    ));
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_refuses_exactly_when_the_bucket_is_empty() {
    let a = backend("a").await;
    // 5 per minute: no token comes back during the test; the bucket holds 10.
    let mws =
        "    limit:\n      rateLimit:\n        average: 5\n        period: 1m\n        burst: 10\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(&a.url(), "web", &[("rl.test", "limit")], mws),
    );
    let c = client();
    let mut statuses = Vec::new();
    let mut refused = None;
    for _ in 0..15 {
        let r = get(&c, &format!("{}/", gw.url("web")), "rl.test").await;
        statuses.push(r.status);
        if r.status == 429 {
            refused.get_or_insert(r);
        }
    }
    let mut want = vec![200; 10];
    want.extend([429; 5]);
    assert_eq!(statuses, want);
    let r = refused.expect("a refusal");
    assert_eq!(r.body, "Too Many Requests");
    // The next token is 12 s after the first request.
    let secs: u64 = r.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!((11..=12).contains(&secs), "{r:?}");
    let retry_in = r.headers["x-retry-in"].to_str().expect("ascii");
    assert!(
        retry_in.starts_with("11.") && retry_in.ends_with('s'),
        "{r:?}"
    );
    // Refusals took nothing: still refused, still about 12 s away.
    let r = get(&c, &format!("{}/", gw.url("web")), "rl.test").await;
    assert_eq!(r.status, 429);
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_delays_a_wait_shorter_than_its_max_delay() {
    let a = backend("a").await;
    // One request per 4 s: below one per second, waits up to 500 ms are delayed.
    let mws = "    slow:\n      rateLimit:\n        average: 1\n        period: 4s\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(&a.url(), "web", &[("slow.test", "slow")], mws),
    );
    let c = client();
    let url = format!("{}/", gw.url("web"));
    assert_eq!(get(&c, &url, "slow.test").await.status, 200);
    let r = get(&c, &url, "slow.test").await;
    assert_eq!(r.status, 429, "the next token is 4 s away");
    assert_eq!(r.headers["retry-after"], "4");
    tokio::time::sleep(Duration::from_millis(3_600)).await;
    // About 400 ms before the next token: delayed, then served.
    let start = Instant::now();
    let r = get(&c, &url, "slow.test").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        start.elapsed() >= Duration::from_millis(100),
        "served after {:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_source_by_header_separates_budgets() {
    let a = backend("a").await;
    let mws = "    per-key:\n      rateLimit:\n        average: 1\n        period: 1m\n        burst: 2\n        sourceCriterion:\n          requestHeaderName: X-Api-Key\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(&a.url(), "web", &[("key.test", "per-key")], mws),
    );
    let url = format!("{}/", gw.url("web"));
    let mut seen = Vec::new();
    for key in ["alice", "alice", "alice", "bob", "bob", "bob", ""] {
        let headers: &[(&str, &str)] = if key.is_empty() {
            &[]
        } else {
            &[("x-api-key", key)]
        };
        seen.push(request("GET", &url, "key.test", headers).await.status);
    }
    // Requests without the header share one budget of their own.
    assert_eq!(seen, [200, 200, 429, 200, 200, 429, 200]);
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_budgets_are_per_router_as_in_traefik() {
    let a = backend("a").await;
    let mws =
        "    shared:\n      rateLimit:\n        average: 1\n        period: 1m\n        burst: 2\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            "web",
            &[("one.test", "shared"), ("two.test", "shared")],
            mws,
        ),
    );
    let url = format!("{}/", gw.url("web"));
    let mut seen = Vec::new();
    for host in [
        "one.test", "one.test", "one.test", "two.test", "two.test", "two.test",
    ] {
        seen.push(get(&client(), &url, host).await.status);
    }
    assert_eq!(seen, [200, 200, 429, 200, 200, 429]);
}

#[tokio::test(flavor = "multi_thread")]
async fn ip_allow_list_depth_believes_x_forwarded_for_from_a_trusted_hop_only() {
    let a = backend("a").await;
    let st = "entryPoints:\n  trusted:\n    address: 127.0.0.1:0\n    forwardedHeaders:\n      trustedIPs: [127.0.0.1/32]\n  direct:\n    address: 127.0.0.1:0\n";
    let mws = "    depth1:\n      ipAllowList:\n        sourceRange: [6.6.6.6]\n        rejectStatusCode: 401\n        ipStrategy:\n          depth: 1\n    depth2:\n      ipAllowList:\n        sourceRange: [5.5.5.0/24]\n        ipStrategy:\n          depth: 2\n";
    let gw = Gw::start(
        st,
        &routers(
            &a.url(),
            "trusted, direct",
            &[("d1.test", "depth1"), ("d2.test", "depth2")],
            mws,
        ),
    );
    let trusted = format!("{}/api", gw.url("trusted"));
    let direct = format!("{}/api", gw.url("direct"));
    let xff = |v| [("x-forwarded-for", v)];

    // Depth 1 is the address the trusted hop saw; the gateway's own peer is not counted.
    let r = request("GET", &trusted, "d1.test", &xff("6.6.6.6")).await;
    assert_eq!(r.status, 200, "{r:?}");
    let seen: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(
        seen["headers"]["X-Forwarded-For"][0], "6.6.6.6, 127.0.0.1",
        "the backend still gets the hop appended"
    );
    let r = request("GET", &trusted, "d1.test", &xff("6.6.6.6, 7.7.7.7")).await;
    assert_eq!((r.status, r.body.as_str()), (401, "Unauthorized"));
    let r = request("GET", &trusted, "d1.test", &[]).await;
    assert_eq!(r.status, 401, "no header: no client IP");
    // From a hop that is not trusted, X-Forwarded-For is dropped before the middleware.
    let r = request("GET", &direct, "d1.test", &xff("6.6.6.6")).await;
    assert_eq!(r.status, 401, "{r:?}");

    let r = request("GET", &trusted, "d2.test", &xff("5.5.5.9, 10.0.0.1")).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = request("GET", &trusted, "d2.test", &xff("10.0.0.1, 5.5.5.9")).await;
    assert_eq!((r.status, r.body.as_str()), (403, "Forbidden"));
    let r = request("GET", &direct, "d2.test", &xff("5.5.5.9, 10.0.0.1")).await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn ip_allow_list_and_white_list_check_the_remote_address() {
    let a = backend("a").await;
    let mws = "    local-only:\n      ipWhiteList:\n        sourceRange: [127.0.0.1/32]\n    lan-only:\n      ipAllowList:\n        sourceRange: [10.0.0.0/8, 192.168.0.0/16]\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            "web",
            &[("local.test", "local-only"), ("lan.test", "lan-only")],
            mws,
        ),
    );
    let url = format!("{}/", gw.url("web"));
    assert_eq!(get(&client(), &url, "local.test").await.status, 200);
    // A spoofed header changes nothing without ipStrategy.
    let r = request("GET", &url, "lan.test", &[("x-forwarded-for", "10.0.0.1")]).await;
    assert_eq!((r.status, r.body.as_str()), (403, "Forbidden"));
    assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8");
}

/// A gateway with `inFlightReq` (amount 1, by request host) in front of whoami.
async fn one_in_flight() -> (whoami::Server, Gw) {
    let a = backend("a").await;
    let mws = "    one:\n      inFlightReq:\n        amount: 1\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(&a.url(), "web", &[("one.test", "one")], mws),
    );
    (a, gw)
}

/// A raw HTTP/1.1 connection with `head` sent.
async fn raw(gw: &Gw, head: &str) -> TcpStream {
    let mut s = TcpStream::connect(gw.addrs["web"]).await.expect("connect");
    s.write_all(head.as_bytes()).await.expect("write");
    s
}

/// Reads from `s` until `needle` has arrived; returns all that was read.
async fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !String::from_utf8_lossy(&seen).contains(needle) {
        assert!(Instant::now() < deadline, "no `{needle}` in {seen:?}");
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
            .await
            .expect("read in time")
            .expect("read");
        assert!(n > 0, "closed before `{needle}`: {seen:?}");
        seen.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

async fn status_of(gw: &Gw) -> Resp {
    get(&client(), &format!("{}/", gw.url("web")), "one.test").await
}

#[tokio::test(flavor = "multi_thread")]
async fn in_flight_req_releases_its_slot_when_the_body_ends() {
    let (_a, gw) = one_in_flight().await;
    // whoami's /echo streams the request body back: the response is open until ours ends.
    let mut s = raw(
        &gw,
        "POST /echo HTTP/1.1\r\nHost: one.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    )
    .await;
    let head = read_until(&mut s, "hello").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let r = status_of(&gw).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (429, "max connections reached: 1")
    );
    s.write_all(b"0\r\n\r\n").await.expect("end the body");
    read_until(&mut s, "0\r\n\r\n").await;
    eventually(Duration::from_secs(5), "the slot is released", || async {
        status_of(&gw).await.status == 200
    })
    .await;
    // The connection stays usable, and the slot came back again after that request.
    assert_eq!(status_of(&gw).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn in_flight_req_releases_its_slot_when_the_client_goes_away() {
    let (a, gw) = one_in_flight().await;
    // The backend answers after 30 s: only the client's abort can end the request sooner.
    let s = raw(&gw, "GET /?wait=30s HTTP/1.1\r\nHost: one.test\r\n\r\n").await;
    eventually(
        Duration::from_secs(5),
        "the backend has the slow request",
        || async { a.requests() == 1 },
    )
    .await;
    let r = status_of(&gw).await;
    assert_eq!(r.status, 429, "the slow request holds the slot");
    drop(s);
    eventually(
        Duration::from_secs(5),
        "the aborted request's slot is released",
        || async { status_of(&gw).await.status == 200 },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn in_flight_req_holds_a_websocket_slot_until_the_tunnel_closes() {
    let (_a, gw) = one_in_flight().await;
    let stream = TcpStream::connect(gw.addrs["web"]).await.expect("connect");
    let req = http::Request::get(format!("ws://{}/ws", gw.addrs["web"]))
        .header("host", "one.test")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-version", "13")
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .body(())
        .expect("request");
    let (mut ws, resp) = tokio_tungstenite::client_async(req, stream)
        .await
        .expect("handshake");
    assert_eq!(resp.status(), 101);
    let r = status_of(&gw).await;
    assert_eq!(r.status, 429, "the tunnel holds the slot");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status_of(&gw).await.status, 429, "still held");
    ws.close(None).await.expect("close");
    drop(ws);
    eventually(
        Duration::from_secs(5),
        "the tunnel's slot is released",
        || async { status_of(&gw).await.status == 200 },
    )
    .await;
}
