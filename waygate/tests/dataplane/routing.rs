//! Routing end to end: rules, priorities, 404, absolute-form targets, load balancing.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Gw, LOCAL_EP, backend, client, get};

#[tokio::test(flavor = "multi_thread")]
async fn rules_priorities_and_not_found() {
    let a = backend("a").await;
    let b = backend("b").await;
    let dynamic = format!(
        r#"
http:
  routers:
    by-host:
      rule: Host(`a.example.com`)
      service: a
    by-path:
      rule: Host(`a.example.com`) && PathPrefix(`/b`)
      service: b
    wildcard:
      rule: Host(`*.wild.test`)
      service: b
    query:
      rule: Query(`who`, `b`)
      service: b
      priority: 1
  services:
    a:
      loadBalancer:
        servers: [{{url: "{}"}}]
    b:
      loadBalancer:
        servers: [{{url: "{}"}}]
"#,
        a.url(),
        b.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let c = client();
    let url = gw.url("web");
    let who = |r: &crate::support::Resp| {
        r.headers
            .get("x-whoami-name")
            .map(|v| v.to_str().unwrap_or("").to_string())
    };
    let r = get(&c, &format!("{url}/x"), "a.example.com").await;
    assert_eq!((r.status, who(&r).as_deref()), (200, Some("a")), "{r:?}");
    // The longer rule has the higher default priority.
    let r = get(&c, &format!("{url}/b/c"), "A.EXAMPLE.COM:8080").await;
    assert_eq!(who(&r).as_deref(), Some("b"));
    let r = get(&c, &format!("{url}/"), "x.wild.test").await;
    assert_eq!(who(&r).as_deref(), Some("b"));
    let r = get(&c, &format!("{url}/"), "x.y.wild.test").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body, "404 page not found\n");
    let r = get(&c, &format!("{url}/?who=b"), "nowhere").await;
    assert_eq!(who(&r).as_deref(), Some("b"));
}

#[tokio::test(flavor = "multi_thread")]
async fn absolute_form_target_wins_over_host_header() {
    let a = backend("a").await;
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: Host(`example.com`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        a.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let out = raw(
        &gw,
        b"GET http://example.com/abs HTTP/1.1\r\nHost: example.org\r\n",
    )
    .await;
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(
        out.contains("GET /abs HTTP/1.1"),
        "the backend sees origin-form: {out}"
    );
}

/// The `Host` a server gets: the client's (or the absolute-form target's authority), the
/// server's own address with `passHostHeader: false`, and what a `headers` middleware set.
#[tokio::test(flavor = "multi_thread")]
async fn host_the_server_sees() {
    let a = backend("a").await;
    let dynamic = format!(
        "http:\n  routers:\n    plain:\n      rule: PathPrefix(`/plain`)\n      service: s\n\
         \x20   own:\n      rule: PathPrefix(`/own`)\n      service: own\n\
         \x20   set:\n      rule: PathPrefix(`/set`)\n      service: s\n      middlewares: [host]\n\
         \x20 middlewares:\n    host:\n      headers:\n        customRequestHeaders:\n          Host: set.test\n\
         \x20 services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n\
         \x20   own:\n      loadBalancer:\n        passHostHeader: false\n        servers: [{{url: \"{url}\"}}]\n",
        url = a.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let seen = |body: &str| {
        body.lines()
            .find_map(|l| l.strip_prefix("Host: "))
            .map(str::to_string)
    };
    let base = gw.url("web");
    for (path, sent, want) in [
        ("/plain", "client.test", "client.test".to_string()),
        ("/own", "client.test", a.addr().to_string()),
        ("/set", "client.test", "set.test".to_string()),
    ] {
        let r = get(&client(), &format!("{base}{path}"), sent).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            seen(&r.body).as_deref(),
            Some(want.as_str()),
            "{path}: {}",
            r.body
        );
    }
    // An HTTP/2 client's `:authority` (no `host` field): the gateway leaves it out of the
    // map on the fast path and writes it with the head; once, first, as the same value.
    let (mut send, _conn) = crate::support::h2c(gw.addrs["web"]).await;
    for (path, want) in [
        ("/plain", "client.test".to_string()),
        ("/own", a.addr().to_string()),
        ("/set", "set.test".to_string()),
    ] {
        let req = http::Request::get(format!("http://client.test{path}"))
            .body(http_body_util::Full::new(bytes::Bytes::new()))
            .expect("req");
        let resp = send.send_request(req).await.expect("h2 response");
        assert_eq!(resp.status(), 200, "h2 {path}");
        let body = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&body);
        let hosts: Vec<&str> = text
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("host:"))
            .collect();
        assert_eq!(hosts, [format!("Host: {want}")], "h2 {path}: {text}");
    }
    let out = raw(
        &gw,
        b"GET http://abs.test/plain HTTP/1.1\r\nHost: other.test\r\n",
    )
    .await;
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert_eq!(seen(&out).as_deref(), Some("abs.test"), "{out}");
}

/// Sends `head` (its request line and fields) with `Connection: close` on a new connection
/// to the `web` entry point, and returns all that comes back.
async fn raw(gw: &Gw, head: &[u8]) -> String {
    let mut s = tokio::net::TcpStream::connect(gw.addrs["web"])
        .await
        .expect("connect");
    let mut bytes = head.to_vec();
    bytes.extend_from_slice(b"Connection: close\r\n\r\n");
    s.write_all(&bytes).await.expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn weighted_round_robin_and_connection_reuse() {
    let a = backend("a").await;
    let b = backend("b").await;
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: \"{}\"\n            weight: 3\n          - url: \"{}\"\n",
        a.url(),
        b.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let c = client();
    let mut counts = std::collections::HashMap::new();
    for _ in 0..40 {
        let r = get(&c, &format!("{}/", gw.url("web")), "any").await;
        assert_eq!(r.status, 200);
        *counts
            .entry(
                r.headers["x-whoami-name"]
                    .to_str()
                    .expect("name")
                    .to_string(),
            )
            .or_insert(0) += 1;
    }
    assert_eq!((counts["a"], counts["b"]), (30, 10));
    // Sequential requests reuse pooled upstream connections.
    assert!(
        a.connections() <= 2 && b.connections() <= 2,
        "a={} b={}",
        a.connections(),
        b.connections()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn upstream_errors_map_to_traefik_statuses() {
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let dynamic = format!(
        "http:\n  routers:\n    down:\n      rule: Path(`/down`)\n      service: down\n    empty:\n      rule: Path(`/empty`)\n      service: empty\n  services:\n    down:\n      loadBalancer:\n        servers: [{{url: \"http://{dead}\"}}]\n    empty:\n      loadBalancer:\n        servers: []\n"
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let c = client();
    let r = get(&c, &format!("{}/down", gw.url("web")), "x").await;
    assert_eq!(r.status, 502, "{r:?}");
    let r = get(&c, &format!("{}/empty", gw.url("web")), "x").await;
    assert_eq!((r.status, r.body.as_str()), (503, "no available server\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_headers_are_cut_off_by_the_read_timeout() {
    let a = backend("a").await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    transport:\n      respondingTimeouts:\n        readTimeout: 1s\n";
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        a.url()
    );
    let gw = Gw::start(st, &dynamic);
    let mut s = tokio::net::TcpStream::connect(gw.addrs["web"])
        .await
        .expect("connect");
    // A slowloris client: a request line, then a header byte now and then, never the end.
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let started = std::time::Instant::now();
    let mut buf = [0u8; 256];
    let closed = loop {
        if s.write_all(b"X").await.is_err() {
            break true;
        }
        match tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(_)) => break true, // an error response (408) counts as being cut off
            Err(_) if started.elapsed() > Duration::from_secs(5) => break false,
            Err(_) => {}
        }
    };
    assert!(closed, "the connection was still open after 5 s");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "cut off after {:?}",
        started.elapsed()
    );
    // Normal requests are unaffected.
    assert_eq!(
        get(&client(), &format!("{}/", gw.url("web")), "x")
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_alive_max_requests_closes_the_connection() {
    let a = backend("a").await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    transport:\n      keepAliveMaxRequests: 2\n";
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        a.url()
    );
    let gw = Gw::start(st, &dynamic);
    let mut s = tokio::net::TcpStream::connect(gw.addrs["web"])
        .await
        .expect("connect");
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_string(&mut out))
        .await
        .expect("closed in time")
        .expect("read");
    assert_eq!(
        out.matches("HTTP/1.1 200").count(),
        2,
        "two answers, then close: {out}"
    );
    assert!(
        out.to_ascii_lowercase().contains("connection: close"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_file_for_static_and_dynamic_configuration_serves() {
    // Traefik's integration-fixture layout: the static file is also the file provider's file.
    let a = crate::support::backend("a").await;
    let dir = Gw::dir();
    let file = dir.join("traefik.yml");
    let text = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\nproviders:\n  providersThrottleDuration: 10ms\n  file:\n    filename: {}\naccessLog: {{}}\nhttp:\n  routers:\n    r:\n      rule: Host(`one.test`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        file.display(),
        a.url()
    );
    let gw = Gw::start_raw_in(dir, &text);
    let r = get(&client(), &gw.url("web"), "one.test").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(!gw.logs().contains("unknown key"), "{}", gw.logs());
}

#[tokio::test(flavor = "multi_thread")]
async fn multi_layer_routers_are_disabled_with_the_reason_others_serve() {
    let a = backend("a").await;
    let dynamic = format!(
        "http:\n  routers:\n    api-parent:\n      rule: PathPrefix(`/api`)\n    api-admin:\n      rule: Header(`X-Role`, `admin`)\n      parentRefs: [api-parent]\n      service: s\n    other:\n      rule: PathPrefix(`/other`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        a.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let c = client();
    assert_eq!(
        get(&c, &format!("{}/other", gw.url("web")), "x")
            .await
            .status,
        200
    );
    assert_eq!(
        get(&c, &format!("{}/api", gw.url("web")), "x").await.status,
        404
    );
    let logs = gw.logs();
    for router in ["api-parent@file", "api-admin@file"] {
        assert!(
            logs.lines()
                .any(|l| l.contains(router) && l.contains("parentRefs) is not implemented")),
            "{router}: {logs}"
        );
    }
    assert!(!logs.contains("service is required"), "{logs}");
}
