//! `compress` end to end: each encoding decoded (by the test and by `curl --compressed`) back
//! to what the backend sent, Traefik's negotiation, the responses left alone, and
//! Server-Sent Events arriving one by one through the encoder while the backend holds the
//! stream open. The backend is a raw HTTP/1.1 server, so every header is the test's.

use std::io::Read;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::support::{Gw, LOCAL_EP, client};
use crate::transform::routers;

const MWS: &str = "    sniff:\n      contentType: {}\n    c:\n      compress: {}\n    pref:\n      compress:\n        encodings: [zstd, br]\n        defaultEncoding: br\n    nopng:\n      compress:\n        excludedContentTypes: [image/png]\n";

/// Text that compresses well, with Content-Length.
fn text() -> Vec<u8> {
    (0..8000u32)
        .flat_map(|i| format!("line {i}: the quick brown fox\n").into_bytes())
        .collect()
}

/// A backend answering by path; `/sse` sends one event, then waits for `release`.
async fn start_backend(release: Arc<Notify>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(serve(s, release.clone()));
        }
    });
    url
}

async fn serve(mut s: TcpStream, release: Arc<Notify>) {
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&req)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let mut parts = line.split(' ');
    let head = parts.next() == Some("HEAD");
    let path = parts.next().unwrap_or("/").to_string();
    if path == "/pause" {
        // Half of the text, a pause until released, the other half: one Content-Length.
        let body = text();
        let half = body.len() / 2;
        let start = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(start.as_bytes()).await;
        let _ = s.write_all(&body[..half]).await;
        release.notified().await;
        let _ = s.write_all(&body[half..]).await;
        return;
    }
    if path == "/sse" {
        let start = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        let _ = s.write_all(start.as_bytes()).await;
        let _ = s.write_all(&chunk(b"data: one\n\n")).await;
        release.notified().await;
        let _ = s.write_all(&chunk(b"data: two\n\n")).await;
        let _ = s.write_all(b"0\r\n\r\n").await;
        return;
    }
    let (headers, body) = match path.as_str() {
        "/small" => ("Content-Type: text/plain\r\n", b"small body".to_vec()),
        "/untyped" => ("", text()),
        "/png" => ("Content-Type: image/png\r\n", text()),
        "/grpc" => ("Content-Type: application/grpc\r\n", text()),
        "/encoded" => (
            "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n",
            text(),
        ),
        "/range" => (
            "Content-Type: text/plain\r\nAccept-Ranges: bytes\r\nContent-Range: bytes 0-239999/999999\r\n",
            text()[..240_000].to_vec(),
        ),
        _ => ("Content-Type: text/plain; charset=utf-8\r\n", text()),
    };
    let status = if path == "/range" {
        "206 Partial Content"
    } else {
        "200 OK"
    };
    let mut out = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head {
        out.extend_from_slice(&body);
    }
    let _ = s.write_all(&out).await;
}

fn chunk(data: &[u8]) -> Vec<u8> {
    let mut c = format!("{:x}\r\n", data.len()).into_bytes();
    c.extend_from_slice(data);
    c.extend_from_slice(b"\r\n");
    c
}

async fn start() -> (Gw, Arc<Notify>) {
    let release = Arc::new(Notify::new());
    let url = start_backend(release.clone()).await;
    let routes = [
        ("c.test", "c"),
        ("pref.test", "pref"),
        ("png.test", "nopng"),
        ("typed.test", "sniff, c"),
    ];
    (Gw::start(LOCAL_EP, &routers(&url, &routes, MWS)), release)
}

/// `method url` with `Host: host` and `headers`: the response head and raw body bytes.
async fn fetch(
    method: &str,
    url: &str,
    host: &str,
    headers: &[(&str, &str)],
) -> (http::response::Parts, Bytes) {
    let mut req = http::Request::builder()
        .method(method)
        .uri(url)
        .header("host", host);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::new())).expect("request");
    let (parts, body) = client().request(req).await.expect("response").into_parts();
    (parts, body.collect().await.expect("body").to_bytes())
}

fn decode(coding: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        "gzip" => flate2::read::GzDecoder::new(data).read_to_end(&mut out),
        "br" => brotli::Decompressor::new(data, 4096).read_to_end(&mut out),
        "zstd" => zstd::stream::read::Decoder::new(data)
            .expect("zstd")
            .read_to_end(&mut out),
        other => panic!("unexpected coding {other}"),
    }
    .expect("decodes");
    out
}

fn header<'a>(parts: &'a http::response::Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).map(|v| v.to_str().expect("ascii"))
}

#[tokio::test(flavor = "multi_thread")]
async fn each_encoding_decodes_to_what_the_backend_sent() {
    let (gw, _) = start().await;
    let web = gw.url("web");
    let original = text();
    for coding in ["gzip", "br", "zstd"] {
        let (p, body) = fetch(
            "GET",
            &format!("{web}/text"),
            "c.test",
            &[("accept-encoding", coding)],
        )
        .await;
        assert_eq!(p.status, 200);
        assert_eq!(header(&p, "content-encoding"), Some(coding));
        assert_eq!(header(&p, "vary"), Some("Accept-Encoding"));
        assert_eq!(header(&p, "content-length"), None, "{coding}");
        assert!(
            body.len() < original.len() / 4,
            "{coding}: {} bytes",
            body.len()
        );
        assert_eq!(decode(coding, &body), original, "{coding}");
        // A real client decodes it too.
        let out = Command::new("curl")
            .args([
                "-s",
                "--compressed",
                "-H",
                &format!("Accept-Encoding: {coding}"),
            ])
            .args(["-H", "Host: c.test", &format!("{web}/text")])
            .output()
            .expect("curl");
        assert!(out.status.success(), "curl {coding}");
        assert_eq!(out.stdout, original, "curl --compressed, {coding}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn negotiation_as_traefik() {
    let (gw, _) = start().await;
    let url = format!("{}/text", gw.url("web"));
    // (host, Accept-Encoding (None: no header), Content-Encoding, Vary)
    let rows: &[(&str, Option<&str>, Option<&str>, bool)] = &[
        ("c.test", Some("br;q=0.8, gzip;q=0.6"), Some("br"), true),
        ("c.test", Some("gzip, br, zstd"), Some("gzip"), true),
        (
            "c.test",
            Some("zstd;q=0.9, br;q=0.8, gzip;q=0.6"),
            Some("zstd"),
            true,
        ),
        ("c.test", Some("gzip;q=0, br;q=0.1"), Some("br"), true),
        ("c.test", Some("br;q=0.8, identity;q=1.0"), None, false),
        ("c.test", Some("compress, rar"), None, false),
        ("c.test", Some(""), None, false),
        ("c.test", None, None, false),
        // Traefik picks gzip for `*`, and gzhttp then does not compress (Traefik's test).
        ("c.test", Some("*"), None, true),
        // encodings [zstd, br], defaultEncoding br.
        ("pref.test", None, Some("br"), true),
        ("pref.test", Some("*"), Some("br"), true),
        ("pref.test", Some("gzip, br, zstd"), Some("zstd"), true),
        ("pref.test", Some("gzip"), None, false),
    ];
    for (host, ae, ce, vary) in rows {
        let headers: Vec<(&str, &str)> = ae.iter().map(|v| ("accept-encoding", *v)).collect();
        let (p, body) = fetch("GET", &url, host, &headers).await;
        let row = format!("{host} {ae:?}");
        assert_eq!(header(&p, "content-encoding"), *ce, "{row}");
        assert_eq!(header(&p, "vary").is_some(), *vary, "{row}");
        let plain = ce.map_or(body.to_vec(), |c| decode(c, &body));
        assert_eq!(plain, text(), "{row}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn small_excluded_grpc_encoded_and_head_are_left_alone() {
    let (gw, _) = start().await;
    let web = gw.url("web");
    let gzip = [("accept-encoding", "gzip")];
    // Below minResponseBodyBytes: as sent, Content-Length kept, Vary added.
    let (p, body) = fetch("GET", &format!("{web}/small"), "c.test", &gzip).await;
    assert_eq!(header(&p, "content-encoding"), None);
    assert_eq!(header(&p, "content-length"), Some("10"));
    assert_eq!(header(&p, "vary"), Some("Accept-Encoding"));
    assert_eq!(&body[..], b"small body");
    // An excluded type, and application/grpc (always excluded).
    for (host, path) in [("png.test", "/png"), ("c.test", "/grpc")] {
        let (p, body) = fetch("GET", &format!("{web}{path}"), host, &gzip).await;
        assert_eq!(header(&p, "content-encoding"), None, "{path}");
        assert_eq!(body.to_vec(), text(), "{path}");
    }
    let (p, _) = fetch("GET", &format!("{web}/png"), "c.test", &gzip).await;
    assert_eq!(
        header(&p, "content-encoding"),
        Some("gzip"),
        "png not excluded by `c`"
    );
    // A gRPC request is not looked at: no Vary either.
    let grpc = [
        ("accept-encoding", "gzip"),
        ("content-type", "application/grpc"),
    ];
    let (p, body) = fetch("GET", &format!("{web}/text"), "c.test", &grpc).await;
    assert_eq!(header(&p, "content-encoding"), None);
    assert_eq!(header(&p, "vary"), None);
    assert_eq!(body.to_vec(), text());
    // Already encoded by the backend: never encoded twice.
    let (p, body) = fetch(
        "GET",
        &format!("{web}/encoded"),
        "c.test",
        &[("accept-encoding", "br")],
    )
    .await;
    assert_eq!(header(&p, "content-encoding"), Some("gzip"));
    assert_eq!(body.to_vec(), text(), "the backend's bytes, unchanged");
    // A range: gzip leaves it alone, brotli and zstd compress it (Traefik's handlers).
    let range = format!("{web}/range");
    let (p, body) = fetch("GET", &range, "c.test", &gzip).await;
    assert_eq!(p.status, 206);
    assert_eq!(header(&p, "content-encoding"), None);
    assert_eq!(header(&p, "accept-ranges"), Some("bytes"));
    assert_eq!(body.len(), 240_000);
    let (p, body) = fetch("GET", &range, "c.test", &[("accept-encoding", "br")]).await;
    assert_eq!(
        (p.status.as_u16(), header(&p, "content-encoding")),
        (206, Some("br"))
    );
    assert_eq!(header(&p, "accept-ranges"), Some("bytes"));
    assert_eq!(decode("br", &body), text()[..240_000]);
    // HEAD: untouched.
    let (p, body) = fetch("HEAD", &format!("{web}/text"), "c.test", &gzip).await;
    assert_eq!(header(&p, "content-encoding"), None);
    assert_eq!(header(&p, "vary"), None);
    assert_eq!(
        header(&p, "content-length"),
        Some(text().len().to_string().as_str())
    );
    assert!(body.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn server_sent_events_arrive_before_the_stream_ends() {
    let (gw, release) = start().await;
    let url = format!("{}/sse", gw.url("web"));
    for coding in ["gzip", "br", "zstd"] {
        let req = http::Request::get(&url)
            .header("host", "c.test")
            .header("accept-encoding", coding)
            .body(Full::new(Bytes::new()))
            .expect("request");
        let (parts, mut body) = client().request(req).await.expect("response").into_parts();
        assert_eq!(header(&parts, "content-encoding"), Some(coding));
        assert_eq!(header(&parts, "vary"), Some("Accept-Encoding"));
        let mut decoder = Decoder::new(coding);
        // The backend holds the stream open after the first event: it must get here.
        let first = tokio::time::timeout(Duration::from_secs(10), async {
            while !decoder.text().contains("data: one\n\n") {
                let frame = body.frame().await.expect("more").expect("frame");
                if let Ok(data) = frame.into_data() {
                    decoder.write(&data);
                }
            }
        })
        .await;
        assert!(
            first.is_ok(),
            "{coding}: the first event was held back: {:?}",
            decoder.text()
        );
        assert!(!decoder.text().contains("two"), "{coding}");
        release.notify_one();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("frame").into_data() {
                decoder.write(&data);
            }
        }
        assert_eq!(decoder.text(), "data: one\n\ndata: two\n\n", "{coding}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paused_body_is_flushed_before_it_ends() {
    let (gw, release) = start().await;
    let url = format!("{}/pause", gw.url("web"));
    let original = text();
    let half = original.len() / 2;
    for coding in ["gzip", "br", "zstd"] {
        let req = http::Request::get(&url)
            .header("host", "c.test")
            .header("accept-encoding", coding)
            .body(Full::new(Bytes::new()))
            .expect("request");
        let (parts, mut body) = client().request(req).await.expect("response").into_parts();
        assert_eq!(header(&parts, "content-encoding"), Some(coding));
        let mut decoder = Decoder::new(coding);
        // The backend waits after the first half: its encoded bytes must come out anyway.
        let first = tokio::time::timeout(Duration::from_secs(10), async {
            while decoder.len() < half {
                let frame = body.frame().await.expect("more").expect("frame");
                if let Ok(data) = frame.into_data() {
                    decoder.write(&data);
                }
            }
        })
        .await;
        assert!(
            first.is_ok(),
            "{coding}: {} of {half} bytes before the pause",
            decoder.len()
        );
        release.notify_one();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("frame").into_data() {
                decoder.write(&data);
            }
        }
        assert_eq!(decoder.bytes(), original, "{coding}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_websocket_upgrade_through_compress_still_works() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    let a = crate::support::backend("a").await;
    let gw = Gw::start(LOCAL_EP, &routers(&a.url(), &[("c.test", "c")], MWS));
    let stream = TcpStream::connect(gw.addrs["web"]).await.expect("connect");
    let mut req = format!("ws://{}/ws", gw.addrs["web"])
        .into_client_request()
        .expect("request");
    req.headers_mut()
        .insert("host", "c.test".parse().expect("host"));
    req.headers_mut()
        .insert("accept-encoding", "gzip, deflate, br".parse().expect("ae"));
    let (mut ws, resp) = tokio_tungstenite::client_async(req, stream)
        .await
        .expect("handshake");
    assert_eq!(resp.status(), 101);
    assert!(resp.headers().get("content-encoding").is_none());
    ws.send(Message::text("hello")).await.expect("send");
    assert_eq!(
        ws.next().await.expect("msg").expect("ok"),
        Message::text("hello")
    );
    ws.close(None).await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_access_log_gzip_ratio_compares_origin_and_downstream_sizes() {
    let release = Arc::new(Notify::new());
    let url = start_backend(release).await;
    let dir = Gw::dir();
    let log = dir.join("access.log");
    let st = format!(
        "{LOCAL_EP}accessLog:\n  filePath: {}\n  format: json\n",
        log.display()
    );
    let gw = Gw::start_in_dir(dir, &st, &routers(&url, &[("c.test", "c")], MWS));
    let web = gw.url("web");
    let (p, body) = fetch(
        "GET",
        &format!("{web}/text"),
        "c.test",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(header(&p, "content-encoding"), Some("gzip"));
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    crate::support::eventually(Duration::from_secs(10), "an access log line", || async {
        !read().is_empty()
    })
    .await;
    let line: serde_json::Value =
        serde_json::from_str(read().lines().next().expect("line")).expect("json");
    assert_eq!(line["OriginContentSize"], text().len() as u64, "{line}");
    assert_eq!(line["DownstreamContentSize"], body.len() as u64, "{line}");
    let ratio = line["GzipRatio"].as_f64().expect("GzipRatio");
    assert!(
        (ratio - text().len() as f64 / body.len() as f64).abs() < 1e-6,
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_h2c_client_gets_the_same_encoding() {
    let (gw, _) = start().await;
    let (mut send, _conn) = crate::support::h2c(gw.addrs["web"]).await;
    for coding in ["gzip", "br", "zstd"] {
        let req = http::Request::get("http://c.test/text")
            .header("accept-encoding", coding)
            .body(Full::new(Bytes::new()))
            .expect("request");
        let (p, body) = send.send_request(req).await.expect("response").into_parts();
        assert_eq!(p.version, http::Version::HTTP_2);
        assert_eq!(header(&p, "content-encoding"), Some(coding));
        assert_eq!(header(&p, "content-length"), None);
        let body = body.collect().await.expect("body").to_bytes();
        assert_eq!(decode(coding, &body), text(), "{coding}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untyped_body_keeps_no_type_unless_content_type_runs_first() {
    let (gw, _) = start().await;
    let url = format!("{}/untyped", gw.url("web"));
    let gzip = [("accept-encoding", "gzip")];
    // Traefik turns sniffing off: gzhttp sniffs only to decide.
    let (p, body) = fetch("GET", &url, "c.test", &gzip).await;
    assert_eq!(header(&p, "content-encoding"), Some("gzip"));
    assert_eq!(header(&p, "content-type"), None);
    assert_eq!(decode("gzip", &body), text());
    // contentType before compress: the type of the text, not of the gzip bytes.
    let (p, body) = fetch("GET", &url, "typed.test", &gzip).await;
    assert_eq!(header(&p, "content-encoding"), Some("gzip"));
    assert_eq!(
        header(&p, "content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(decode("gzip", &body), text());
}

/// The encoded bytes received so far, decoded as far as they go (a flushed prefix decodes
/// whole; the stream's end is still missing).
struct Decoder {
    coding: &'static str,
    wire: Vec<u8>,
}

impl Decoder {
    fn new(coding: &'static str) -> Decoder {
        Decoder {
            coding,
            wire: Vec::new(),
        }
    }

    fn write(&mut self, data: &[u8]) {
        self.wire.extend_from_slice(data);
    }

    fn bytes(&self) -> Vec<u8> {
        let data = &self.wire[..];
        let mut reader: Box<dyn Read + '_> = match self.coding {
            "gzip" => Box::new(flate2::read::GzDecoder::new(data)),
            "br" => Box::new(brotli::Decompressor::new(data, 4096)),
            _ => Box::new(zstd::stream::read::Decoder::new(data).expect("zstd")),
        };
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            out.extend_from_slice(&buf[..n]);
        }
        out
    }

    fn len(&self) -> usize {
        self.bytes().len()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }
}
