//! TCP health checks (`tcp.services.*.loadBalancer.healthCheck`): two servers on 127.0.0.1 and
//! 127.0.0.2, each greeting with its name on its own port and answering `PING` with `PONG`
//! (or `FAIL` while told to) on a health port they share (`healthCheck.port`). A server whose
//! check fails takes no connection; it takes them again once its check passes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::EP;
use crate::support::{Gw, eventually};

/// A server on `ip`: greets each connection with `name` (counted); its health listener on
/// `health_port` answers `PING` with `PONG` while `healthy`, else `FAIL`.
struct Named {
    addr: SocketAddr,
    healthy: Arc<AtomicBool>,
    served: Arc<AtomicUsize>,
}

async fn named(name: &'static str, ip: &str, health_port: u16) -> Named {
    let listener = TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::Relaxed);
            let _ = s.write_all(name.as_bytes()).await;
        }
    });
    let health = TcpListener::bind((ip, health_port))
        .await
        .expect("bind health port");
    let healthy = Arc::new(AtomicBool::new(true));
    let flag = healthy.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = health.accept().await {
            let flag = flag.clone();
            tokio::spawn(async move {
                let (r, mut w) = s.into_split();
                let mut line = String::new();
                let _ = BufReader::new(r).read_line(&mut line).await;
                let answer = if line == "PING\n" && flag.load(Ordering::Relaxed) {
                    "PONG"
                } else {
                    "FAIL"
                };
                let _ = w.write_all(answer.as_bytes()).await;
            });
        }
    });
    Named {
        addr,
        healthy,
        served,
    }
}

/// A port free on both 127.0.0.1 and 127.0.0.2.
async fn shared_port() -> u16 {
    for _ in 0..20 {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = l.local_addr().expect("addr").port();
        if TcpListener::bind(("127.0.0.2", port)).await.is_ok() {
            return port;
        }
    }
    panic!("no port free on 127.0.0.1 and 127.0.0.2");
}

/// `GET path` on the API entry point, its JSON body.
async fn api_json(api: SocketAddr, path: &str) -> serde_json::Value {
    let mut s = TcpStream::connect(api).await.expect("connect");
    let head = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(head.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Connects through the gateway and returns the server's greeting.
async fn greeting(gw: SocketAddr) -> String {
    let mut s = TcpStream::connect(gw).await.expect("connect");
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("a greeting within 5s")
        .unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_failing_its_check_takes_no_connection_until_it_passes() {
    let port = shared_port().await;
    let a = named("a", "127.0.0.1", port).await;
    let b = named("b", "127.0.0.2", port).await;
    let dynamic = format!(
        "tcp:
  routers:
    r:
      rule: HostSNI(`*`)
      service: s
  services:
    s:
      loadBalancer:
        servers:
          - address: \"{}\"
          - address: \"{}\"
        healthCheck:
          port: {port}
          send: \"PING\\n\"
          expect: PONG
          interval: 100ms
          unhealthyInterval: 100ms
          timeout: 2s
",
        a.addr, b.addr
    );
    let statics = format!("{EP}  traefik:\n    address: 127.0.0.1:0\napi:\n  insecure: true\n");
    let gw = Gw::start(&statics, &dynamic);
    let ep = gw.addrs["web"];

    // Both pass: connections alternate.
    let mut seen = vec![greeting(ep).await, greeting(ep).await];
    seen.sort();
    assert_eq!(seen, ["a", "b"]);

    // b fails its check: once the gateway has seen it, b takes nothing.
    b.healthy.store(false, Ordering::Relaxed);
    eventually(Duration::from_secs(10), "b taken out", || async {
        greeting(ep).await == "a" && greeting(ep).await == "a"
    })
    .await;
    let before = b.served.load(Ordering::Relaxed);
    for _ in 0..6 {
        assert_eq!(greeting(ep).await, "a");
    }
    assert_eq!(b.served.load(Ordering::Relaxed), before, "b was dialled");
    assert!(
        gw.logs().contains("TCP health check: server is now DOWN"),
        "{}",
        gw.logs()
    );
    // The API shows each server's state, as Traefik's TCP services do.
    let service = api_json(gw.addrs["traefik"], "/api/tcp/services/s@file").await;
    assert_eq!(
        service["serverStatus"],
        serde_json::json!({a.addr.to_string(): "UP", b.addr.to_string(): "DOWN"}),
        "{service}"
    );

    // b passes again: it takes connections again.
    b.healthy.store(true, Ordering::Relaxed);
    eventually(Duration::from_secs(10), "b back", || async {
        greeting(ep).await == "b"
    })
    .await;
    assert!(a.served.load(Ordering::Relaxed) > 0);
}
