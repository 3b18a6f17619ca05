//! The access log's cost per line, for callgrind: builds `N` records as the proxy does for a
//! proxied `GET` (shared strings cloned, the origin noted), submits them to a running JSON
//! access log writing to a file, and waits until they are written.
//!
//! ```sh
//! cargo build --release -p waygate-accesslog --example format_cost
//! for n in 2000 12000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/fc.$n \
//!     target/release/examples/format_cost $n /tmp/fc.$n.log
//! done
//! ```
//! (Ir(12000) - Ir(2000)) / 10000 is the cost of one line: building and submitting the
//! record on the request's side, and formatting and writing it on the writer's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::{HeaderValue, Method, Uri, Version};
use waygate_accesslog::{AccessLog, Origin, Record};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let path = args
        .next()
        .unwrap_or_else(|| "/tmp/format_cost.log".to_string());
    let format = args.next().unwrap_or_else(|| "json".to_string());
    let _ = std::fs::remove_file(&path);
    // The queue holds every line: none is dropped while the writer sleeps.
    let cfg: waygate_config::static_config::AccessLog = serde_json::from_value(
        serde_json::json!({"filePath": path, "format": format, "bufferingSize": n + 16}),
    )
    .expect("config");
    let log = AccessLog::start(&cfg).expect("start");
    let entry_point: Arc<str> = Arc::from("web");
    let router: Arc<str> = Arc::from("bench@file");
    let service: Arc<str> = Arc::from("bench@file");
    let host = HeaderValue::from_static("bench.local");
    let uri = Uri::from_static("/");
    let client: SocketAddr = "127.0.0.1:41234".parse().expect("addr");
    // The proxy shares these with every request to the same server.
    let origin_url: Arc<str> = Arc::from("http://127.0.0.1:39425");
    let origin_addr: Arc<str> = Arc::from("127.0.0.1:39425");
    for _ in 0..n {
        let rec = Record {
            start: SystemTime::UNIX_EPOCH,
            started: Some(std::time::Instant::now()),
            duration: Duration::from_micros(412),
            entry_point: entry_point.clone(),
            router: Some(router.clone()),
            service: Some(service.clone()),
            client,
            forwarded_for: None,
            username: None,
            host: Some(host.clone()),
            method: Method::GET,
            uri: uri.clone(),
            version: Version::HTTP_11,
            tls: None,
            request_size: 0,
            count: log.next_count(),
            origin: Some(Origin {
                url: origin_url.clone(),
                addr: origin_addr.clone(),
                status: 200,
                size: Some(13),
                duration: Duration::from_micros(377),
                headers: None,
            }),
            status: 200,
            size: 13,
            retries: 0,
            request_headers: None,
            downstream_headers: None,
            trace: None,
        };
        log.submit(log.boxed(rec));
    }
    log.flush(Duration::from_secs(600));
    assert_eq!(log.dropped(), 0, "lines were dropped");
}
