//! One authority per request (RFC 9112 §3.2.2, RFC 9113 §8.3.1): the one routed on is the
//! one the backend sees; ambiguous requests are refused before any backend sees them.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::raw::exchange;
use crate::recorder::{Mode, Recorder};
use crate::support::{Gw, LOCAL_EP};

struct Scene {
    gw: Gw,
    a: Recorder,
    b: Recorder,
    any: Recorder,
}

async fn scene() -> Scene {
    let a = Recorder::start(Mode::KeepAlive).await;
    let b = Recorder::start(Mode::KeepAlive).await;
    let any = Recorder::start(Mode::KeepAlive).await;
    let dynamic = format!(
        r#"http:
  routers:
    a:
      rule: Host(`a.test`)
      service: a
    b:
      rule: Host(`b.test`)
      service: b
    any:
      rule: PathPrefix(`/`)
      priority: 1
      service: any
  services:
    a:
      loadBalancer:
        servers: [{{url: "{}"}}]
    b:
      loadBalancer:
        servers: [{{url: "{}"}}]
    any:
      loadBalancer:
        servers: [{{url: "{}"}}]
"#,
        a.url(),
        b.url(),
        any.url()
    );
    Scene {
        gw: Gw::start(LOCAL_EP, &dynamic),
        a,
        b,
        any,
    }
}

fn host_lines(received: &str) -> Vec<String> {
    received
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("host:"))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn absolute_form_is_routed_and_forwarded_with_its_own_host() {
    let s = scene().await;
    let r = exchange(
        s.gw.addrs["web"],
        b"GET http://a.test/x HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("x-seen-host").as_deref(), Some("a.test"));
    assert_eq!(r.header("x-seen-line").as_deref(), Some("GET /x HTTP/1.1"));
    assert_eq!(host_lines(&s.a.received()), ["host: a.test"]);
    assert!(s.b.received().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn several_or_missing_host_headers_are_bad_requests() {
    let s = scene().await;
    let addr = s.gw.addrs["web"];
    let two = exchange(
        addr,
        b"GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(two.status, 400, "{two:?}");
    let none = exchange(addr, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n").await;
    assert_eq!(none.status, 400, "{none:?}");
    let bad = exchange(
        addr,
        b"GET / HTTP/1.1\r\nHost: a.test/x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(bad.status, 400, "{bad:?}");
    let userinfo = exchange(
        addr,
        b"GET http://u@a.test/ HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(userinfo.status, 400, "{userinfo:?}");
    assert!(s.a.received().is_empty() && s.b.received().is_empty() && s.any.received().is_empty());

    // HTTP/1.0 may omit Host: routed on the path, the backend gets its own address.
    let old = exchange(addr, b"GET /old HTTP/1.0\r\n\r\n").await;
    assert_eq!(old.status, 200, "{old:?}");
    assert_eq!(
        old.header("x-seen-host"),
        Some(s.any.addr.to_string()),
        "{old:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn h2_authority_wins_over_a_conflicting_host_header() {
    let s = scene().await;
    let tcp = tokio::net::TcpStream::connect(s.gw.addrs["web"])
        .await
        .expect("connect");
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .expect("h2c handshake");
    tokio::spawn(conn);
    let req = http::Request::get("http://a.test/h2")
        .header("host", "b.test")
        .body(Empty::<Bytes>::new())
        .expect("request");
    let resp = send.send_request(req).await.expect("response");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-seen-host"], "a.test");
    let _ = resp.into_body().collect().await;
    assert_eq!(host_lines(&s.a.received()), ["host: a.test"]);
    assert!(s.b.received().is_empty(), "{}", s.b.received());
}
