//! Bodies streamed both ways with flat memory, WebSocket tunnels, and protocol translation
//! (h2c client → HTTP/1.1 backend, HTTP/1.1 client → h2c backend).

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Gw, LOCAL_EP, backend, client, get};

const MB100: u64 = 100 * 1024 * 1024;

fn route(url: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn hundred_megabytes_each_way_with_flat_memory() {
    let a = backend("a").await;
    let gw = Gw::start(LOCAL_EP, &route(&a.url()));
    let before = gw.peak_rss_kib();

    // Download: count bytes as they stream.
    let resp = client()
        .request(
            http::Request::get(format!("{}/data?size={MB100}", gw.url("web")))
                .body(Full::new(Bytes::new()))
                .expect("req"),
        )
        .await
        .expect("resp");
    assert_eq!(resp.status(), 200);
    let mut body = resp.into_body();
    let mut got = 0u64;
    while let Some(frame) = body.frame().await {
        got += frame
            .expect("frame")
            .data_ref()
            .map_or(0, |d| d.len() as u64);
    }
    assert_eq!(got, MB100);

    // Upload: a raw HTTP/1.1 request whose body we write in chunks.
    let mut s = tokio::net::TcpStream::connect(gw.addrs["web"])
        .await
        .expect("connect");
    let head = format!(
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {MB100}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("head");
    let chunk = vec![b'z'; 1 << 20];
    for _ in 0..100 {
        s.write_all(&chunk).await.expect("chunk");
    }
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    assert!(out.contains(&format!("{{\"bytes\":{MB100}}}")), "{out}");

    let after = gw.peak_rss_kib();
    assert!(
        after < before + 32 * 1024,
        "peak RSS grew from {before} KiB to {after} KiB while streaming 200 MB"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_echo_through_the_gateway() {
    let a = backend("a").await;
    let gw = Gw::start(LOCAL_EP, &route(&a.url()));
    let stream = tokio::net::TcpStream::connect(gw.addrs["web"])
        .await
        .expect("connect");
    let url = format!("ws://{}/ws", gw.addrs["web"]);
    let (mut ws, resp) = tokio_tungstenite::client_async(url, stream)
        .await
        .expect("handshake");
    assert_eq!(resp.headers()["x-whoami-name"], "a");
    ws.send(Message::text("hello")).await.expect("send");
    assert_eq!(
        ws.next().await.expect("msg").expect("ok"),
        Message::text("hello")
    );
    ws.send(Message::binary(vec![1u8, 2, 3]))
        .await
        .expect("send");
    assert_eq!(
        ws.next().await.expect("msg").expect("ok"),
        Message::binary(vec![1u8, 2, 3])
    );
    ws.close(None).await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn h2c_client_to_http1_backend_and_back() {
    let a = backend("a").await;
    let h2_backend = backend("h2").await;
    let dynamic = format!(
        "http:\n  routers:\n    h1:\n      rule: Host(`h1.test`)\n      service: h1\n    h2:\n      rule: Host(`h2.test`)\n      service: h2\n  services:\n    h1:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n    h2:\n      loadBalancer:\n        servers: [{{url: \"h2c://{}\"}}]\n",
        a.url(),
        h2_backend.addr()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    // HTTP/2 prior knowledge from the client (`:authority` = h1.test); HTTP/1.1 to the backend.
    let (mut send, _conn) = crate::support::h2c(gw.addrs["web"]).await;
    let req = http::Request::get("http://h1.test/")
        .body(Full::new(Bytes::new()))
        .expect("req");
    let resp = send.send_request(req).await.expect("h2 response");
    assert_eq!(resp.version(), http::Version::HTTP_2);
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("GET / HTTP/1.1"), "{text}");
    assert!(text.contains("Host: h1.test"), "{text}");
    // HTTP/1.1 from the client; HTTP/2 (h2c) to the backend.
    let r = get(&client(), &format!("{}/", gw.url("web")), "h2.test").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("GET / HTTP/2.0"), "{}", r.body);
}

/// The gateway's HTTP/2 server polls a connection's streams on the connection's task: a
/// slow stream must not hold the others, bodies larger than the windows must flow both ways
/// (the request's window given back as it is forwarded, the response's sent as the client
/// opens it), and a stream the client resets must leave the connection serving.
#[tokio::test(flavor = "multi_thread")]
async fn h2c_streams_of_one_connection_are_served_side_by_side() {
    const BIG: usize = 3 * 1024 * 1024;
    let a = backend("a").await;
    let gw = Gw::start(LOCAL_EP, &route(&a.url()));
    let (send, _conn) = crate::support::h2c(gw.addrs["web"]).await;
    let get = |path: &str| {
        http::Request::get(format!("http://h2.test{path}"))
            .body(Full::new(Bytes::new()))
            .expect("req")
    };

    // A slow stream first, then a fast one (3 MiB down, three times the window) beside it.
    let mut slow_send = send.clone();
    let slow_req = get("/?wait=3s");
    let slow = tokio::spawn(async move { slow_send.send_request(slow_req).await });
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let mut fast_send = send.clone();
    let resp = fast_send
        .send_request(get(&format!("/data?size={BIG}")))
        .await
        .expect("fast response");
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(body.len(), BIG);
    assert!(
        !slow.is_finished(),
        "the fast stream waited for the slow one"
    );

    // 3 MiB up and echoed back down on the same connection.
    let up: Vec<u8> = (0..BIG).map(|i| (i % 251) as u8).collect();
    let req = http::Request::post("http://h2.test/echo")
        .body(Full::new(Bytes::from(up.clone())))
        .expect("req");
    let mut echo_send = send.clone();
    let resp = echo_send.send_request(req).await.expect("echo response");
    assert_eq!(resp.status(), 200);
    let back = resp.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(back.len(), up.len());
    assert!(back == up, "the echoed body differs");

    // A stream the client gives up on (hyper resets it when the response is dropped).
    let mut reset_send = send.clone();
    let waiting = reset_send.send_request(get("/?wait=5s"));
    let gave_up = tokio::time::timeout(std::time::Duration::from_millis(200), waiting).await;
    assert!(gave_up.is_err(), "the 5 s request answered early");
    let mut after = send.clone();
    let resp = after.send_request(get("/")).await.expect("after the reset");
    assert_eq!(resp.status(), 200);

    let slow = slow.await.expect("join").expect("slow response");
    assert_eq!(slow.status(), 200);
}

/// `keepAliveMaxRequests` on HTTP/2: the response that reaches the limit ends the
/// connection gracefully (GOAWAY, then close), as Go's HTTP/2 server ends it when a handler
/// says `Connection: close`; the header itself never reaches the client.
#[tokio::test(flavor = "multi_thread")]
async fn h2c_connection_ends_after_keep_alive_max_requests() {
    let a = backend("a").await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    transport:\n      keepAliveMaxRequests: 2\n";
    let gw = Gw::start(st, &route(&a.url()));
    let (mut send, conn) = crate::support::h2c(gw.addrs["web"]).await;
    for _ in 0..2 {
        let req = http::Request::get("http://h2.test/")
            .body(Full::new(Bytes::new()))
            .expect("req");
        let resp = send.send_request(req).await.expect("response");
        assert_eq!(resp.status(), 200);
        assert!(!resp.headers().contains_key("connection"));
        resp.into_body().collect().await.expect("body");
    }
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), conn).await;
    assert!(
        ended.is_ok(),
        "the connection stayed open after its last request"
    );
}
