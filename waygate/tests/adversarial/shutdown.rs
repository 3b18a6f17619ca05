//! Shutdown drains what is open: a WebSocket gets a Close frame (1001, going away) in both
//! directions instead of a cut connection, and idle connections do not hold the exit.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::Gw;

fn route(url: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    )
}

/// A WebSocket echo backend that reports the close code it received.
async fn ws_backend() -> (String, tokio::sync::oneshot::Receiver<Option<CloseCode>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let mut ws = tokio_tungstenite::accept_async(stream)
            .await
            .expect("ws accept");
        let mut code = None;
        while let Some(Ok(msg)) = ws.next().await {
            match msg {
                Message::Close(frame) => {
                    code = frame.map(|f| f.code);
                    break;
                }
                m @ (Message::Text(_) | Message::Binary(_)) => {
                    let _ = ws.send(m).await;
                }
                _ => {}
            }
        }
        // Complete the closing handshake (tungstenite answers the Close when flushed).
        let _ = ws.flush().await;
        let _ = tx.send(code);
    });
    (url, rx)
}

/// A WebSocket through the gateway, checked with one echoed message.
async fn echoing_ws(
    gw: &Gw,
    text: &str,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let stream = tokio::net::TcpStream::connect(gw.addrs["web"])
        .await
        .expect("connect");
    let (mut ws, _) =
        tokio_tungstenite::client_async(format!("ws://{}/ws", gw.addrs["web"]), stream)
            .await
            .expect("handshake");
    ws.send(Message::text(text)).await.expect("send");
    assert_eq!(
        ws.next().await.expect("echo").expect("ok"),
        Message::text(text)
    );
    ws
}

#[tokio::test(flavor = "multi_thread")]
async fn websockets_get_a_close_frame_both_ways_at_shutdown() {
    let (url, backend_close) = ws_backend().await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    transport:\n      lifeCycle:\n        graceTimeOut: 5s\n";
    let mut gw = Gw::start(st, &route(&url));
    let mut ws = echoing_ws(&gw, "before").await;

    let started = Instant::now();
    gw.signal("TERM");
    let mut close = None;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
        match msg {
            Ok(Message::Close(frame)) => {
                close = frame.map(|f| f.code);
                break;
            }
            Ok(_) => {}
            Err(e) => panic!("the tunnel was cut without a close frame: {e}"),
        }
    }
    assert_eq!(
        close,
        Some(CloseCode::Away),
        "the client got 1001 going away"
    );
    // Answer the close, as a client does (reading flushes the reply), until the gateway
    // closes the connection.
    let _ = ws.flush().await;
    while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_secs(3), ws.next()).await {}
    let code = tokio::time::timeout(Duration::from_secs(3), backend_close)
        .await
        .expect("backend done")
        .expect("backend result");
    assert_eq!(
        code,
        Some(CloseCode::Away),
        "the backend got 1001 going away"
    );
    assert_eq!(
        gw.wait_exit(Duration::from_secs(4)),
        Some(0),
        "{}",
        gw.logs()
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "exit took {:?} (graceTimeOut 5s)",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_do_not_hold_the_exit() {
    let a = crate::support::backend("a").await;
    let mut gw = Gw::start(crate::support::LOCAL_EP, &route(&a.url()));
    let addr = gw.addrs["web"];
    use tokio::io::AsyncWriteExt;
    // An idle HTTP/1.1 keep-alive connection, and an HTTP/2 one that will never ack a ping.
    let mut h1 = tokio::net::TcpStream::connect(addr).await.expect("connect");
    h1.write_all(b"GET / HTTP/1.1\r\nHost: t.test\r\n\r\n")
        .await
        .expect("write");
    let r = crate::raw::read_response(&mut h1, Duration::from_secs(3)).await;
    assert_eq!(r.map(|r| r.status), Some(200));
    let mut h2 = tokio::net::TcpStream::connect(addr).await.expect("connect");
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .expect("preface");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    gw.signal("TERM");
    assert_eq!(
        gw.wait_exit(Duration::from_secs(5)),
        Some(0),
        "{}",
        gw.logs()
    );
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1500), "exit took {took:?}");
    drop((h1, h2));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_websocket_outlives_the_http_timeouts() {
    let (url, _backend_close) = ws_backend().await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    transport:\n      respondingTimeouts:\n        readTimeout: 1s\n        writeTimeout: 1s\n        idleTimeout: 1s\n";
    let gw = Gw::start(st, &route(&url));
    let mut ws = echoing_ws(&gw, "one").await;
    // Quiet for longer than readTimeout, writeTimeout and idleTimeout: a tunnel is not an
    // HTTP request, so none of them applies.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    ws.send(Message::text("two"))
        .await
        .expect("send after idle");
    assert_eq!(
        ws.next().await.expect("echo").expect("ok"),
        Message::text("two")
    );
}
