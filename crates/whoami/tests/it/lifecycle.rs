//! Server lifecycle: `?wait=`, connection counting, `stop()`.

use std::time::{Duration, Instant};

use hyper::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{client, get, server};

#[tokio::test]
async fn wait_delays_response() {
    let srv = server("slow").await;
    let c = client();
    for path in ["/?wait=200ms", "/api?wait=200", "/healthz?wait=0.2s"] {
        let start = Instant::now();
        let resp = get(&c, &format!("{}{path}", srv.url())).await;
        assert_eq!(resp.status, StatusCode::OK, "{path}");
        assert!(start.elapsed() >= Duration::from_millis(200), "{path}");
    }
    let bad = get(&c, &format!("{}/?wait=soon", srv.url())).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let srv = server("k").await;
    let c = client();
    for _ in 0..3 {
        assert_eq!(get(&c, &srv.url()).await.status, StatusCode::OK);
    }
    assert_eq!(srv.connections(), 1);
    assert_eq!(srv.requests(), 3);
}

#[tokio::test]
async fn stop_refuses_new_connections_and_closes_open_ones() {
    let srv = server("gone").await;
    let addr = srv.addr();
    let mut open = TcpStream::connect(addr).await.unwrap();
    open.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 4096];
    assert!(open.read(&mut buf).await.unwrap() > 0);

    srv.stop();
    assert!(TcpStream::connect(addr).await.is_err());
    // The kept-alive connection is closed: reads hit EOF (or a reset).
    let read = tokio::time::timeout(Duration::from_secs(5), open.read(&mut buf)).await;
    assert!(matches!(read.unwrap(), Ok(0) | Err(_)));
    srv.stop();
}

#[tokio::test]
async fn drop_stops_server() {
    let srv = server("dropped").await;
    let addr = srv.addr();
    drop(srv);
    assert!(TcpStream::connect(addr).await.is_err());
}
