//! What backends answer on the HTTP/1.1 upstream fast path (requests without a body to
//! `http://` servers): a scripted backend writes each response as raw bytes, in pieces, and
//! counts its connections. Chunked bodies in any pieces, informational responses, HTTP/1.0
//! and close-delimited bodies arrive whole; a head that frames its body two ways is a 502;
//! a kept-alive connection carries the next request, also one with a body (hyper's path);
//! the client sees the status code's own reason phrase on both paths; hop-by-hop fields
//! (and those `Connection` names) stay with the hop, and a transfer coding other than one
//! `chunked` is a 502, over HTTP/1.1 and HTTP/2 alike, as from Traefik; so is a switch of
//! protocols the client did not ask for.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::support::{Gw, LOCAL_EP, Resp, client, get, send};

/// The backend: answers by path, counts connections.
struct Scripted {
    url: String,
    conns: Arc<AtomicUsize>,
}

/// The response to `path` in the pieces it is written in, and whether the connection
/// closes after it.
fn script(path: &str, body: &[u8]) -> (Vec<&'static [u8]>, bool) {
    match path {
        "/chunked" => (
            vec![
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-a: 1\r\n\r\n4\r\nwi",
                b"ki\r\n5;ext=\"x\"\r\npedia\r\n",
                b"0\r\nx-trailer: t\r\n",
                b"\r\n",
            ],
            false,
        ),
        "/conflict" => (
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!"],
            true,
        ),
        "/hints" => (
            vec![
                b"HTTP/1.1 103 Early Hints\r\nlink: </s.css>\r\n\r\n",
                b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
            ],
            false,
        ),
        "/http10" => (
            vec![b"HTTP/1.0 200 OK\r\ncontent-length: 4\r\n\r\nold!"],
            true,
        ),
        "/until-close" => (vec![b"HTTP/1.1 200 OK\r\n\r\nuntil ", b"close"], true),
        "/head" => (
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n"],
            false,
        ),
        // Transfer codings Go's transport refuses (Traefik answers 502).
        "/te-gzip" => (
            vec![b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"],
            true,
        ),
        "/te-twice" => (
            vec![
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntransfer-encoding: chunked\r\n\r\n",
                b"2\r\nok\r\n0\r\n\r\n",
            ],
            true,
        ),
        "/hop" => (
            vec![
                b"HTTP/1.1 200 OK\r\nconnection: X-Hop, keep-alive\r\nx-hop: 1\r\nkeep-alive: timeout=5\r\n",
                b"proxy-authenticate: Basic\r\nx-kept: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
            ],
            false,
        ),
        "/switch" => (
            vec![b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\nRAW"],
            true,
        ),
        "/trailers" => (
            vec![
                b"HTTP/1.1 200 OK\r\ntrailer: x-trailer\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n",
                b"0\r\nx-trailer: t\r\n\r\n",
            ],
            false,
        ),
        "/unnamed" => (
            vec![b"HTTP/1.1 599 Whatever\r\ncontent-length: 2\r\n\r\nok"],
            false,
        ),
        "/reason" => (
            vec![b"HTTP/1.1 200 Fine Thanks\r\ncontent-length: 2\r\n\r\nok"],
            false,
        ),
        "/post-reason" => (
            vec![b"HTTP/1.1 200 Fine Thanks\r\ncontent-length: 2\r\n\r\nok"],
            false,
        ),
        "/post" if body == b"payload" => (
            vec![b"HTTP/1.1 201 Created\r\ncontent-length: 4\r\n\r\ngot!"],
            false,
        ),
        _ => (
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"],
            false,
        ),
    }
}

impl Scripted {
    async fn start() -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let conns = Arc::new(AtomicUsize::new(0));
        let counted = conns.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream));
            }
        });
        Scripted { url, conns }
    }
}

/// Every path to the backend at `url`.
fn routes_to(url: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    )
}

/// `GET base+path` with `Host: t.test`.
async fn at(c: &Client<HttpConnector, Full<Bytes>>, base: &str, path: &str) -> Resp {
    get(c, &format!("{base}{path}"), "t.test").await
}

async fn serve(mut stream: TcpStream) {
    let mut buf = Vec::new();
    loop {
        let Some((head, body)) = crate::raw::read_request(&mut stream, &mut buf).await else {
            return;
        };
        let path = head.split(' ').nth(1).unwrap_or("/").to_string();
        let (pieces, close) = script(&path, &body);
        for piece in pieces {
            if stream.write_all(piece).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if close {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn backends_frame_responses_every_way_http_allows() {
    let backend = Scripted::start().await;
    let gw = Gw::start(LOCAL_EP, &routes_to(&backend.url));
    let base = gw.url("web");
    let c = client();

    // Sequential requests on one kept-alive upstream connection.
    for _ in 0..3 {
        let r = at(&c, &base, "/ok").await;
        assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    }
    assert_eq!(
        backend.conns.load(Ordering::SeqCst),
        1,
        "one upstream connection"
    );

    let r = at(&c, &base, "/chunked").await;
    assert_eq!((r.status, r.body.as_str()), (200, "wikipedia"));
    assert_eq!(r.headers["x-a"], "1");
    let r = at(&c, &base, "/hints").await;
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    assert!(
        !r.headers.contains_key("link"),
        "the 103's fields stay with the 103"
    );
    let head = http::Request::head(format!("{base}/head"))
        .header("host", "t.test")
        .body(Full::new(Bytes::new()))
        .expect("request");
    let r = send(&c, head).await;
    assert_eq!((r.status, r.body.as_str()), (200, ""));
    // All of that on the same connection: every body was read to its end.
    assert_eq!(
        backend.conns.load(Ordering::SeqCst),
        1,
        "still one connection"
    );

    // A request with a body takes hyper's client, on the idle connection.
    let post = http::Request::post(format!("{base}/post"))
        .header("host", "t.test")
        .body(Full::new(Bytes::from_static(b"payload")))
        .expect("request");
    let r = send(&c, post).await;
    assert_eq!((r.status, r.body.as_str()), (201, "got!"));
    assert_eq!(
        backend.conns.load(Ordering::SeqCst),
        1,
        "the idle connection carried it"
    );

    // Responses that end their connection; the next request dials a new one.
    let r = at(&c, &base, "/http10").await;
    assert_eq!((r.status, r.body.as_str()), (200, "old!"));
    let r = at(&c, &base, "/until-close").await;
    assert_eq!((r.status, r.body.as_str()), (200, "until close"));
    let r = at(&c, &base, "/ok").await;
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));

    // The status line carries the code's own reason phrase, as from Go's server, on both
    // paths.
    let addr = gw.addrs["web"];
    let plain = crate::raw::exchange(addr, b"GET /reason HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert!(
        plain.head.starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        plain.head
    );
    let with_body = crate::raw::exchange(
        addr,
        b"POST /post-reason HTTP/1.1\r\nHost: t\r\ncontent-length: 1\r\n\r\nx",
    )
    .await;
    assert!(
        with_body.head.starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        with_body.head
    );

    // A code without a text of its own: Go's "status code N".
    let unnamed = crate::raw::exchange(addr, b"GET /unnamed HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert!(
        unnamed.head.starts_with("HTTP/1.1 599 status code 599\r\n"),
        "{}",
        unnamed.head
    );

    // Two lengths: the backend's answer cannot be framed, so it is not forwarded.
    let r = at(&c, &base, "/conflict").await;
    assert_eq!(r.status, 502, "{}", r.body);
    let r = at(&c, &base, "/ok").await;
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
}

#[tokio::test(flavor = "multi_thread")]
async fn hop_by_hop_fields_and_transfer_codings_stay_with_the_hop() {
    let backend = Scripted::start().await;
    let gw = Gw::start(LOCAL_EP, &routes_to(&backend.url));
    let (base, addr) = (gw.url("web"), gw.addrs["web"]);
    let c = client();

    let r = at(&c, &base, "/hop").await;
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    assert_eq!(r.headers["x-kept"], "2");
    for gone in ["x-hop", "keep-alive", "proxy-authenticate"] {
        assert!(
            !r.headers.contains_key(gone),
            "{gone} forwarded: {:?}",
            r.headers
        );
    }
    // The client's framing is the gateway's own: one `chunked`, never the backend's list.
    let raw = crate::raw::exchange(
        addr,
        b"GET /hop HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(
        raw.header("transfer-encoding").as_deref(),
        Some("chunked"),
        "{}",
        raw.head
    );
    assert_eq!(raw.body_text(), "2\r\nok\r\n0\r\n\r\n", "{}", raw.head);
    let (status, headers, body) = crate::raw::h2c_get(addr, "http://t.test/hop").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert_eq!(headers["x-kept"], "2");
    assert!(!headers.contains_key("x-hop"), "{headers:?}");

    for path in ["/te-gzip", "/te-twice"] {
        let r = at(&c, &base, path).await;
        assert_eq!(r.status, 502, "{path}: {}", r.body);
        let (status, _, _) = crate::raw::h2c_get(addr, &format!("http://t.test{path}")).await;
        assert_eq!(status, 502, "{path} over h2c");
    }
    // A switch of protocols nobody asked for, or to another protocol than asked (Go:
    // "backend tried to switch protocol"), on hyper's path (a body, an upgrade) and the
    // fast path.
    let post = crate::raw::exchange(
        addr,
        b"POST /switch HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc",
    )
    .await;
    assert_eq!(post.status, 502, "{}", post.head);
    let other = crate::raw::exchange(
        addr,
        b"GET /switch HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n",
    )
    .await;
    assert_eq!(other.status, 502, "{}", other.head);
    assert!(
        !other.body_text().contains("RAW"),
        "{:?}",
        other.body_text()
    );
    let (status, _, _) = crate::raw::h2c_get(addr, "http://t.test/switch").await;
    assert_eq!(status, 502, "a switch over h2c");

    // A chunked body's trailers reach a client that accepts them, over HTTP/1.1 too (Go
    // announces them again; the announcement used to be removed, and the trailers with it).
    let trailers = crate::raw::exchange(
        addr,
        b"GET /trailers HTTP/1.1\r\nHost: t\r\nTE: trailers\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(
        trailers.header("trailer").as_deref(),
        Some("x-trailer"),
        "{}",
        trailers.head
    );
    assert!(
        trailers.body_text().ends_with("0\r\nx-trailer: t\r\n\r\n"),
        "{:?}",
        trailers.body_text()
    );

    // Nothing of the refused answers is left on the pooled connection.
    let r = at(&c, &base, "/ok").await;
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
}
