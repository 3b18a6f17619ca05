//! Every connection is bounded in time: a stalled upload (`readTimeout`), a slow head
//! (`readTimeout`), an idle keep-alive connection (`idleTimeout`, its own timer), a client
//! that stops reading (`waygate.writeStallTimeout`), a response that takes too long to
//! write (`writeTimeout`).

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::raw::{closed_within, read_response};
use crate::recorder::{Mode, Recorder};
use crate::support::{Gw, backend};

fn ep(transport: &str) -> String {
    format!("entryPoints:\n  web:\n    address: 127.0.0.1:0\n    transport:\n{transport}")
}

fn route(url: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_upload_gets_408_and_frees_the_backend_connection() {
    let rec = Recorder::start(Mode::KeepAlive).await;
    let gw = Gw::start(
        &ep("      respondingTimeouts:\n        readTimeout: 1s\n"),
        &route(&rec.url()),
    );
    let mut s = TcpStream::connect(gw.addrs["web"]).await.expect("connect");
    let started = Instant::now();
    s.write_all(
        b"POST /upload HTTP/1.1\r\nHost: t.test\r\nContent-Length: 1000000\r\n\r\n0123456789",
    )
    .await
    .expect("write");
    let r = read_response(&mut s, Duration::from_secs(5))
        .await
        .expect("an answer");
    let took = started.elapsed();
    assert_eq!(r.status, 408, "{r:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(3),
        "{took:?}"
    );
    assert!(
        closed_within(&mut s, Duration::from_secs(2)).await,
        "client connection closed"
    );
    // The backend saw the start of the upload, then its connection was closed.
    crate::support::eventually(
        Duration::from_secs(2),
        "backend connection closed",
        || async { rec.conns().iter().all(|c| c.closed) },
    )
    .await;
    assert!(rec.received().contains("0123456789"));
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_and_head_timers_are_separate() {
    let a = backend("a").await;
    // readTimeout 1s, idleTimeout 3s: an idle keep-alive connection outlives readTimeout.
    let gw = Gw::start(
        &ep("      respondingTimeouts:\n        readTimeout: 1s\n        idleTimeout: 3s\n"),
        &route(&a.url()),
    );
    let addr = gw.addrs["web"];
    let req = b"GET / HTTP/1.1\r\nHost: t.test\r\n\r\n";
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(req).await.expect("write");
    assert_eq!(
        read_response(&mut s, Duration::from_secs(3))
            .await
            .expect("first")
            .status,
        200
    );
    tokio::time::sleep(Duration::from_millis(2000)).await;
    s.write_all(req).await.expect("write after 2 s idle");
    assert_eq!(
        read_response(&mut s, Duration::from_secs(3))
            .await
            .map(|r| r.status),
        Some(200),
        "still open after 2 s idle (idleTimeout is 3s)"
    );
    let idle_from = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(5)).await);
    let idle = idle_from.elapsed();
    assert!(
        idle >= Duration::from_millis(2700) && idle < Duration::from_millis(4500),
        "closed after {idle:?} idle"
    );

    // A head that never completes is cut at readTimeout, not idleTimeout.
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    let from = Instant::now();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: t.te")
        .await
        .expect("write");
    assert!(closed_within(&mut slow, Duration::from_secs(3)).await);
    let took = from.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
        "{took:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_timeout_shorter_than_read_timeout() {
    let a = backend("a").await;
    let gw = Gw::start(
        &ep("      respondingTimeouts:\n        readTimeout: 5s\n        idleTimeout: 1s\n"),
        &route(&a.url()),
    );
    let mut s = TcpStream::connect(gw.addrs["web"]).await.expect("connect");
    s.write_all(b"GET / HTTP/1.1\r\nHost: t.test\r\n\r\n")
        .await
        .expect("write");
    assert_eq!(
        read_response(&mut s, Duration::from_secs(3))
            .await
            .expect("resp")
            .status,
        200
    );
    let from = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(4)).await);
    let idle = from.elapsed();
    assert!(
        idle >= Duration::from_millis(900) && idle < Duration::from_millis(2500),
        "{idle:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_is_closed_after_the_write_stall() {
    let rec = Recorder::start(Mode::Big(256 << 20)).await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\nwaygate:\n  writeStallTimeout: 1s\n";
    let gw = Gw::start(st, &route(&rec.url()));
    let mut s = TcpStream::connect(gw.addrs["web"]).await.expect("connect");
    s.write_all(b"GET /big HTTP/1.1\r\nHost: t.test\r\n\r\n")
        .await
        .expect("write");
    // Never read for 3 s: the gateway's writes stall, and it gives up after 1 s of that.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut total = 0usize;
    let mut buf = vec![0u8; 1 << 20];
    let closed = loop {
        use tokio::io::AsyncReadExt;
        match tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => total += n,
            Err(_) => break false,
        }
    };
    assert!(closed, "closed by the gateway (read {total} bytes)");
    assert!(total < 256 << 20, "the response was cut: {total} bytes");
    assert!(gw.logs().contains("write") || total > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn write_timeout_bounds_the_response() {
    let a = backend("a").await;
    let gw = Gw::start(
        &ep("      respondingTimeouts:\n        writeTimeout: 1s\n"),
        &route(&a.url()),
    );
    let addr = gw.addrs["web"];
    // Answered within writeTimeout: fine.
    let fast = crate::raw::exchange(
        addr,
        b"GET / HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(fast.status, 200);
    // The backend takes 2 s: the response cannot be written after 1 s, as with Go's
    // WriteTimeout the connection closes without it.
    let started = Instant::now();
    let slow = crate::raw::exchange(
        addr,
        b"GET /?wait=2s HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(slow.status, 0, "no response after writeTimeout: {slow:?}");
    assert!(started.elapsed() >= Duration::from_millis(1900));
    // writeTimeout is implemented, so `check` no longer warns about it.
    assert!(!gw.logs().contains("writeTimeout is not implemented"));
}
