//! TCP routers terminating TLS with `tls.certResolver`: the resolver orders the names of the
//! router's `HostSNI()` (or its `tls.domains`), answers TLS-ALPN-01 on the TCP router's entry
//! point, and the TCP router then serves the certificate Pebble issued.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::pebble::Pebble;
use crate::support::{Client, peer_cert};
use crate::{Scene, acme_yaml, wait_issued};

/// Echoes every byte until the client closes.
async fn echo() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

fn sans(cert: &[u8]) -> Vec<String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).expect("x509");
    parsed
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|s| {
            s.value
                .general_names
                .iter()
                .map(|n| n.to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn tcp_routers_get_certificates_from_their_resolver() {
    let scene = Scene::new().await;
    let dir = scene.dir.clone();
    let pebble = Pebble::start(&dir, &scene.setup());
    let resolver = acme_yaml(&pebble, &dir, "      tlsChallenge: {}\n");
    let backend = echo().await;
    let dynamic = format!(
        "tcp:
  routers:
    db:
      rule: HostSNI(`db.waygate.test`)
      entryPoints: [websecure]
      service: echo
      tls:
        certResolver: le
    mq:
      rule: HostSNI(`mq.waygate.test`)
      entryPoints: [websecure]
      service: echo
      tls:
        certResolver: le
        domains:
          - main: queue.waygate.test
            sans: [mq.waygate.test]
  services:
    echo:
      loadBalancer:
        servers: [{{address: \"{backend}\"}}]
"
    );
    let gw = scene.gateway("", &resolver, &dynamic);

    // From the rule's HostSNI.
    let db = wait_issued(&gw, &pebble, "db.waygate.test", Duration::from_secs(60)).await;
    let names = sans(db.as_ref());
    assert!(
        names.len() == 1 && names[0].contains("db.waygate.test"),
        "{names:?}"
    );
    // From tls.domains (main and SANs), not from the rule alone.
    let mq = wait_issued(&gw, &pebble, "mq.waygate.test", Duration::from_secs(60)).await;
    let names = sans(mq.as_ref());
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.iter().any(|n| n.contains("queue.waygate.test")),
        "{names:?}"
    );
    assert_eq!(pebble.issued(), 2, "{}", pebble.logs());

    // The TCP router terminates TLS with it and carries the bytes to its server.
    let mut tls = Client::default()
        .connect(gw.addrs["websecure"], "db.waygate.test")
        .await
        .expect("TLS");
    assert_eq!(peer_cert(&tls), db);
    tls.write_all(b"ping").await.expect("write");
    let mut buf = [0u8; 4];
    tls.read_exact(&mut buf).await.expect("echo");
    assert_eq!(&buf, b"ping");
}
