//! Client framing errors are the client's: 400 (501 for a transfer coding we cannot
//! honour, 431 for a header line past the limit), answered before anything reaches the
//! backend, never 502.

use crate::raw::exchange;
use crate::recorder::{Mode, Recorder};
use crate::support::{Gw, LOCAL_EP};

async fn scene() -> (Gw, Recorder) {
    let rec = Recorder::start(Mode::KeepAlive).await;
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        rec.url()
    );
    (Gw::start(LOCAL_EP, &dynamic), rec)
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut req =
        b"POST /upload HTTP/1.1\r\nHost: t.test\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    req.extend_from_slice(body);
    req
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_chunked_bodies_are_400_and_never_forwarded() {
    let (gw, rec) = scene().await;
    let addr = gw.addrs["web"];
    let mut extension = b"5;".to_vec();
    extension.extend(std::iter::repeat_n(b'a', 1 << 20));
    extension.extend_from_slice(b"\r\nhello\r\n0\r\n\r\n");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("hex prefix", chunked(b"0x5\r\nhello\r\n0\r\n\r\n")),
        ("negative", chunked(b"-5\r\nhello\r\n0\r\n\r\n")),
        (
            "2^64+5",
            chunked(b"18446744073709551621\r\nhello\r\n0\r\n\r\n"),
        ),
        (
            "longer than declared",
            chunked(b"5\r\nhelloEXTRA\r\n0\r\n\r\n"),
        ),
        ("1 MiB extension", chunked(&extension)),
        ("no CRLF after size", chunked(b"5 hello\r\n0\r\n\r\n")),
    ];
    for (name, req) in cases {
        let r = exchange(addr, &req).await;
        assert_eq!(r.status, 400, "{name}: {r:?}");
        assert_eq!(r.header("connection").as_deref(), Some("close"), "{name}");
    }
    assert!(rec.received().is_empty(), "forwarded: {}", rec.received());
}

#[tokio::test(flavor = "multi_thread")]
async fn transfer_codings_and_header_lines() {
    let (gw, rec) = scene().await;
    let addr = gw.addrs["web"];
    let body = b"5\r\nhello\r\n0\r\n\r\n";
    let te = |v: &str| {
        let mut r = format!("POST / HTTP/1.1\r\nHost: t.test\r\nTransfer-Encoding: {v}\r\n\r\n")
            .into_bytes();
        r.extend_from_slice(body);
        r
    };
    assert_eq!(exchange(addr, &te("chunked, chunked")).await.status, 400);
    assert_eq!(exchange(addr, &te("gzip, chunked")).await.status, 501);
    let split = {
        let mut r = b"POST / HTTP/1.1\r\nHost: t.test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        r.extend_from_slice(body);
        r
    };
    assert_eq!(exchange(addr, &split).await.status, 400);
    // A 64 KiB header line: refused by the per-line limit (the whole head may be 1 MiB).
    let long = format!(
        "GET / HTTP/1.1\r\nHost: t.test\r\nX-Long: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    assert_eq!(exchange(addr, long.as_bytes()).await.status, 431);
    assert!(rec.received().is_empty(), "forwarded: {}", rec.received());

    // Many lines under the limit, 600 KiB in all: served.
    let mut many = String::from("GET /many HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n");
    for i in 0..40 {
        many.push_str(&format!("X-H{i}: {}\r\n", "b".repeat(15 * 1024)));
    }
    many.push_str("\r\n");
    let r = exchange(addr, many.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.head);

    // A well-formed chunked upload still goes through.
    let good = te("chunked");
    let r = exchange(addr, &good).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(rec.received().contains("hello"));
}

#[tokio::test(flavor = "multi_thread")]
async fn underscore_framing_headers_are_dropped_and_connect_is_refused() {
    let (gw, rec) = scene().await;
    let addr = gw.addrs["web"];
    let r = exchange(
        addr,
        b"POST /u HTTP/1.1\r\nHost: t.test\r\nContent-Length: 5\r\nTransfer_Encoding: chunked\r\nContent_Length: 99\r\nX_Custom: kept\r\nConnection: close\r\n\r\nhello",
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let seen = rec.received().to_ascii_lowercase();
    assert!(
        seen.contains("x_custom: kept"),
        "other underscore headers are kept: {seen}"
    );
    assert!(
        !seen.contains("transfer_encoding") && !seen.contains("content_length"),
        "{seen}"
    );
    let before = rec.received().len();
    let c = exchange(
        addr,
        b"CONNECT t.test:80 HTTP/1.1\r\nHost: t.test:80\r\n\r\n",
    )
    .await;
    assert_eq!(c.status, 501, "{c:?}");
    assert_eq!(
        rec.received().len(),
        before,
        "CONNECT never reaches a backend"
    );
}
