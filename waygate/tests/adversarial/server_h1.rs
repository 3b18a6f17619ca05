//! The HTTP/1.1 server fast path (requests without a body) and its hand-over to hyper,
//! through the binary with a raw client: pipelined requests answered in order, framed as
//! hyper frames them (`Content-Length`, chunked, nothing after HEAD, a `Date`); the first
//! request with a body and everything after it served by hyper on the same connection;
//! `Connection: close` honoured; a large body written whole; a client that goes away
//! cancels its request (the backend's connection closes), as on hyper's path; at shutdown
//! an idle connection closes and a request in flight gets its response, then the close.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{Gw, LOCAL_EP};

const BIG: usize = 1 << 20;

/// A backend answering by path; counts the connections that ended.
struct Backend {
    url: String,
    closed: Arc<AtomicUsize>,
    slow_seen: Arc<AtomicUsize>,
}

async fn backend() -> Backend {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let closed = Arc::new(AtomicUsize::new(0));
    let slow_seen = Arc::new(AtomicUsize::new(0));
    let (c, s) = (closed.clone(), slow_seen.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (c, s) = (c.clone(), s.clone());
            tokio::spawn(async move {
                serve(stream, &s).await;
                c.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    Backend {
        url,
        closed,
        slow_seen,
    }
}

async fn serve(mut stream: TcpStream, slow_seen: &AtomicUsize) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let Some((head, body)) = crate::raw::read_request(&mut stream, &mut buf).await else {
            return;
        };
        let head = head.to_lowercase();
        let body = String::from_utf8_lossy(&body).into_owned();
        let path = head.split(' ').nth(1).unwrap_or("/").to_string();
        let head_req = head.starts_with("head ");
        let ok = match path.as_str() {
            "/stream" => {
                let mut ok = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                    .await
                    .is_ok();
                for piece in ["one ", "two ", "three"] {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let c = format!("{:x}\r\n{piece}\r\n", piece.len());
                    ok &= stream.write_all(c.as_bytes()).await.is_ok();
                }
                ok && stream.write_all(b"0\r\n\r\n").await.is_ok()
            }
            "/big" => {
                let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {BIG}\r\n\r\n");
                let body = vec![b'b'; BIG];
                stream.write_all(head.as_bytes()).await.is_ok()
                    && stream.write_all(&body).await.is_ok()
            }
            "/late" => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nlate")
                    .await
                    .is_ok()
            }
            "/slow" => {
                slow_seen.fetch_add(1, Ordering::SeqCst);
                // Never answers; the connection ends when the gateway lets it go.
                while let Ok(n) = stream.read(&mut chunk).await {
                    if n == 0 {
                        break;
                    }
                }
                return;
            }
            p => {
                let text = format!("{p}:{body}");
                let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", text.len());
                let text = if head_req { "" } else { text.as_str() };
                stream.write_all(head.as_bytes()).await.is_ok()
                    && stream.write_all(text.as_bytes()).await.is_ok()
            }
        };
        if !ok {
            return;
        }
    }
}

/// One response parsed off the front of `buf`: (head, body, bytes used).
fn parse_one(buf: &[u8], head_req: bool) -> Option<(String, Vec<u8>, usize)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let field = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    };
    if head_req {
        return Some((head, Vec::new(), end));
    }
    if let Some(len) = field("content-length: ") {
        let len: usize = len.parse().ok()?;
        let body = buf.get(end..end + len)?.to_vec();
        return Some((head, body, end + len));
    }
    assert_eq!(
        field("transfer-encoding: ").as_deref(),
        Some("chunked"),
        "{head}"
    );
    let mut at = end;
    let mut body = Vec::new();
    loop {
        let line_end = buf[at..].windows(2).position(|w| w == b"\r\n")? + at;
        let size = usize::from_str_radix(std::str::from_utf8(&buf[at..line_end]).ok()?, 16).ok()?;
        at = line_end + 2;
        if size == 0 {
            buf.get(at..at + 2)?;
            return Some((head, body, at + 2));
        }
        body.extend_from_slice(buf.get(at..at + size)?);
        at += size + 2;
    }
}

/// Reads the responses to `requests` (true: HEAD) in order.
async fn read_all(s: &mut TcpStream, heads: &[bool]) -> Vec<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut out = Vec::new();
    for &head_req in heads {
        loop {
            if let Some((h, b, used)) = parse_one(&buf, head_req) {
                buf.drain(..used);
                out.push((h, b));
                break;
            }
            let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut chunk))
                .await
                .expect("a response within 10 s")
                .expect("read");
            assert!(
                n > 0,
                "closed early; have {out:?} and {:?}",
                String::from_utf8_lossy(&buf)
            );
            buf.extend_from_slice(&chunk[..n]);
        }
    }
    assert!(
        buf.is_empty(),
        "unexpected bytes: {:?}",
        String::from_utf8_lossy(&buf)
    );
    out
}

fn config(url: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn pipelined_requests_then_a_body_then_close_on_one_connection() {
    let b = backend().await;
    let gw = Gw::start(LOCAL_EP, &config(&b.url));
    let mut s = TcpStream::connect(gw.addrs["web"]).await.expect("connect");

    // Three requests in one write: answered in order, each framed its own way.
    s.write_all(
        b"GET /a HTTP/1.1\r\nHost: t\r\n\r\nHEAD /b HTTP/1.1\r\nHost: t\r\n\r\nGET /stream HTTP/1.1\r\nHost: t\r\n\r\n",
    )
    .await
    .expect("write");
    let r = read_all(&mut s, &[false, true, false]).await;
    assert!(r[0].0.starts_with("HTTP/1.1 200 OK\r\n"), "{}", r[0].0);
    assert_eq!(r[0].1, b"/a:");
    assert!(r[0].0.contains("\r\ndate: "), "{}", r[0].0);
    assert!(
        r[1].0.contains("\r\ncontent-length: 3\r\n"),
        "HEAD keeps the length: {}",
        r[1].0
    );
    assert!(
        r[2].0.contains("\r\ntransfer-encoding: chunked\r\n"),
        "{}",
        r[2].0
    );
    assert_eq!(r[2].1, b"one two three");

    // A body: hyper takes the connection from this request on.
    s.write_all(b"POST /p HTTP/1.1\r\nHost: t\r\ncontent-length: 4\r\n\r\ndata")
        .await
        .expect("write");
    let r = read_all(&mut s, &[false]).await;
    assert_eq!(r[0].1, b"/p:data");
    s.write_all(b"GET /after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let r = read_all(&mut s, &[false]).await;
    assert_eq!(r[0].1, b"/after:");
    assert!(r[0].0.contains("\r\nconnection: close\r\n"), "{}", r[0].0);
    let mut rest = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut rest))
        .await
        .expect("closed within 5 s")
        .expect("read");
    assert_eq!(n, 0, "nothing after the last response");
}

#[tokio::test(flavor = "multi_thread")]
async fn fast_path_closes_on_request_and_writes_large_bodies_whole() {
    let b = backend().await;
    let gw = Gw::start(LOCAL_EP, &config(&b.url));
    let mut s = TcpStream::connect(gw.addrs["web"]).await.expect("connect");
    s.write_all(b"GET /big HTTP/1.1\r\nHost: t\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let r = read_all(&mut s, &[false, false]).await;
    assert_eq!(r[0].1.len(), BIG);
    assert!(r[0].1.iter().all(|&c| c == b'b'));
    assert_eq!(r[1].1, b"/x:");
    assert!(r[1].0.contains("\r\nconnection: close\r\n"), "{}", r[1].0);
    let mut rest = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut rest))
        .await
        .expect("closed within 5 s")
        .expect("read");
    assert_eq!(n, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_goes_away_cancels_its_request() {
    let b = backend().await;
    let gw = Gw::start(LOCAL_EP, &config(&b.url));
    let mut s = TcpStream::connect(gw.addrs["web"]).await.expect("connect");
    s.write_all(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .expect("write");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while b.slow_seen.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the backend never got the request"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(b.closed.load(Ordering::SeqCst), 0);
    s.shutdown().await.expect("half-close");
    while b.closed.load(Ordering::SeqCst) == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the upstream request outlived its client"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_closes_idle_connections_and_finishes_requests_in_flight() {
    let b = backend().await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    transport:\n      lifeCycle:\n        graceTimeOut: 5s\n";
    let mut gw = Gw::start(st, &config(&b.url));
    let addr = gw.addrs["web"];
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    idle.write_all(b"GET /i HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .expect("write");
    assert_eq!(read_all(&mut idle, &[false]).await[0].1, b"/i:");
    let mut busy = TcpStream::connect(addr).await.expect("connect");
    busy.write_all(b"GET /late HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .expect("write");
    tokio::time::sleep(Duration::from_millis(100)).await;
    gw.signal("TERM");
    let mut rest = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(3), idle.read_to_end(&mut rest))
        .await
        .expect("the idle connection closed at shutdown")
        .expect("read");
    assert_eq!(n, 0);
    let r = read_all(&mut busy, &[false]).await;
    assert_eq!(r[0].1, b"late");
    assert!(r[0].0.contains("\r\nconnection: close\r\n"), "{}", r[0].0);
    let n = tokio::time::timeout(Duration::from_secs(3), busy.read_to_end(&mut rest))
        .await
        .expect("closed after its response")
        .expect("read");
    assert_eq!(n, 0);
    assert_eq!(gw.wait_exit(Duration::from_secs(5)), Some(0));
}
