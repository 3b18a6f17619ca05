//! Bodies streamed both ways with flat memory, WebSocket tunnels, and protocol translation
//! (h2c client → HTTP/1.1 backend, HTTP/1.1 client → h2c backend).

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioExecutor;
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
    let tcp = tokio::net::TcpStream::connect(gw.addrs["web"])
        .await
        .expect("connect");
    let (mut send, conn) = hyper::client::conn::http2::handshake(
        TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tcp),
    )
    .await
    .expect("h2 handshake");
    tokio::spawn(conn);
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
