//! TCP routers and the PROXY protocol end to end, through the real binary and real sockets:
//! a TLS passthrough router and an HTTPS router sharing one entry point (picked by SNI), a
//! server-first protocol behind a non-TLS ``HostSNI(`*`)`` router, TLS terminated for a TCP
//! router, half-close through the gateway, TCP `ipAllowList`, and HAProxy in front
//! (`send-proxy`, `send-proxy-v2`) setting the client address ipAllowList and
//! X-Forwarded-For see.

#[path = "tcp/health.rs"]
mod health;
#[path = "tcp/servers.rs"]
mod servers;
#[path = "tls/support.rs"]
#[allow(dead_code)] // shared with the TLS tests, which use all of it
mod support;

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::servers::{Haproxy, banner_server, connect_from, echo_server, free_port, tls_server};
use crate::support::{Client, Gw, backend, cert_files, common_name, get, peer_cert};

const EP: &str = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n";

#[tokio::test(flavor = "multi_thread")]
async fn passthrough_and_https_share_an_entry_point_by_sni() {
    let web = backend("web").await;
    let (pass, pass_der) = tls_server("pass.test").await;
    let dir = Gw::dir();
    let (crt, key, web_der) = cert_files(&dir, "web", &["web.test"]);
    let dynamic = format!(
        "http:
  routers:
    web:
      rule: Host(`web.test`)
      service: web
      tls: {{}}
  services:
    web:
      loadBalancer:
        servers: [{{url: \"{}\"}}]
tcp:
  routers:
    pass:
      rule: HostSNI(`pass.test`)
      service: pass
      tls:
        passthrough: true
  services:
    pass:
      loadBalancer:
        servers: [{{address: \"{pass}\"}}]
tls:
  certificates:
    - certFile: {crt}
      keyFile: {key}
",
        web.url()
    );
    let gw = Gw::start_in_dir(dir, EP, &dynamic);
    let addr = gw.addrs["web"];

    // SNI pass.test: the server's own certificate and its greeting, untouched.
    let mut tls = Client::default()
        .connect(addr, "pass.test")
        .await
        .expect("passthrough handshake");
    assert_eq!(peer_cert(&tls), pass_der);
    let mut greeting = String::new();
    tls.read_to_string(&mut greeting).await.expect("greeting");
    assert_eq!(greeting, "hello from pass.test\n");

    // SNI web.test: the gateway terminates and routes HTTP.
    let tls = Client::default()
        .connect(addr, "web.test")
        .await
        .expect("https handshake");
    assert_eq!(peer_cert(&tls), web_der);
    let resp = get(tls, "web.test").await.expect("response");
    assert_eq!(resp.status, 200);
    assert!(resp.body.contains("Hostname: web"), "{}", resp.body);

    // Another SNI: no TCP router takes it, HTTPS answers (with the default certificate).
    let tls = Client::default()
        .connect(addr, "other.test")
        .await
        .expect("default handshake");
    assert!(common_name(&peer_cert(&tls)).contains("DEFAULT"));
    assert_eq!(get(tls, "other.test").await.expect("404").status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_first_protocol_behind_a_catch_all_router() {
    let banner = banner_server().await;
    let dynamic = format!(
        "tcp:
  routers:
    smtp:
      rule: HostSNI(`*`)
      service: smtp
  services:
    smtp:
      loadBalancer:
        servers: [{{address: \"{banner}\"}}]
"
    );
    let gw = Gw::start(EP, &dynamic);
    let stream = TcpStream::connect(gw.addrs["web"]).await.expect("connect");
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    // The client has sent nothing: the server speaks first, through the gateway.
    let first = tokio::time::timeout(Duration::from_secs(5), lines.next_line())
        .await
        .expect("banner without sending first")
        .expect("read")
        .expect("line");
    assert!(first.starts_with("220 banner"), "{first}");
    w.write_all(b"HELO x\r\nQUIT\r\n").await.expect("write");
    assert_eq!(
        lines.next_line().await.expect("read").as_deref(),
        Some("250 HELO x")
    );
    assert_eq!(
        lines.next_line().await.expect("read").as_deref(),
        Some("221 bye")
    );
    assert_eq!(
        lines.next_line().await.expect("read"),
        None,
        "closed after QUIT"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_terminated_for_a_tcp_router_and_half_close_travels() {
    let echo = echo_server().await;
    let dir = Gw::dir();
    let (crt, key, der) = cert_files(&dir, "term", &["term.test"]);
    let dynamic = format!(
        "tcp:
  routers:
    term:
      rule: HostSNI(`term.test`)
      service: echo
      tls: {{}}
  services:
    echo:
      loadBalancer:
        servers: [{{address: \"{echo}\"}}]
        # The echo server's \"bye\" follows the client's half-close: the default 100 ms
        # before the other direction is cut is not always enough on a loaded machine.
        terminationDelay: 10000
tls:
  certificates:
    - certFile: {crt}
      keyFile: {key}
"
    );
    let gw = Gw::start_in_dir(dir, EP, &dynamic);
    let mut tls = Client {
        alpn: &[],
        ..Client::default()
    }
    .connect(gw.addrs["web"], "term.test")
    .await
    .expect("handshake");
    assert_eq!(peer_cert(&tls), der);
    tls.write_all(b"ping").await.expect("write");
    let mut got = [0u8; 4];
    tls.read_exact(&mut got).await.expect("echo");
    assert_eq!(&got, b"ping");
    // Our close_notify half-closes towards the server, whose last words still come back.
    tls.shutdown().await.expect("half-close");
    let mut rest = Vec::new();
    let _ = tls.read_to_end(&mut rest).await;
    assert_eq!(rest, b"bye");
}

/// HAProxy sends PROXY v1 and v2 headers for clients connecting from 127.0.0.2; the gateway
/// trusts 127.0.0.1 (HAProxy) on `web` and nobody on `untrusted`.
#[tokio::test(flavor = "multi_thread")]
async fn haproxy_proxy_protocol_sets_the_client_address() {
    let who = backend("who").await;
    let echo = echo_server().await;
    let st = "entryPoints:
  web:
    address: 127.0.0.1:0
    proxyProtocol:
      trustedIPs: [127.0.0.1]
  tcp:
    address: 127.0.0.1:0
    proxyProtocol:
      trustedIPs: [127.0.0.1]
  untrusted:
    address: 127.0.0.1:0
    proxyProtocol:
      trustedIPs: [10.9.9.9]
";
    let dynamic = format!(
        "http:
  routers:
    who:
      entryPoints: [web, untrusted]
      rule: PathPrefix(`/`)
      service: who
      middlewares: [only-two]
  middlewares:
    only-two:
      ipAllowList:
        sourceRange: [127.0.0.2/32]
  services:
    who:
      loadBalancer:
        servers: [{{url: \"{}\"}}]
tcp:
  routers:
    echo:
      entryPoints: [tcp]
      rule: HostSNI(`*`)
      service: echo
      middlewares: [tcp-only-two]
  middlewares:
    tcp-only-two:
      ipAllowList:
        sourceRange: [127.0.0.2/32]
  services:
    echo:
      loadBalancer:
        servers: [{{address: \"{echo}\"}}]
        # The echo server's \"bye\" follows the client's half-close: the default 100 ms
        # before the other direction is cut is not always enough on a loaded machine.
        terminationDelay: 10000
",
        who.url()
    );
    let gw = Gw::start(st, &dynamic);
    let (v1, v2, v2_tcp, v2_untrusted) = (free_port(), free_port(), free_port(), free_port());
    let hap = |name: &str, port: u16, ep: &str, send: &str| {
        format!(
            "frontend {name}\n  bind 127.0.0.1:{port}\n  default_backend {name}_gw\n\
             backend {name}_gw\n  server gw {} {send}\n",
            gw.addrs[ep]
        )
    };
    let config = format!(
        "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\n{}{}{}{}",
        hap("v1", v1, "web", "send-proxy"),
        hap("v2", v2, "web", "send-proxy-v2"),
        hap("v2tcp", v2_tcp, "tcp", "send-proxy-v2"),
        hap("untrusted", v2_untrusted, "untrusted", "send-proxy-v2"),
    );
    let _haproxy = Haproxy::start(&gw.dir, &config, &[v1, v2, v2_tcp, v2_untrusted]);
    let at = |port: u16| std::net::SocketAddr::from(([127, 0, 0, 1], port));

    // Through HAProxy from 127.0.0.2: allowed, and X-Forwarded-For names 127.0.0.2.
    for port in [v1, v2] {
        let (status, body) = http_get(connect_from([127, 0, 0, 2], at(port)).await).await;
        assert_eq!(status, 200, "port {port}: {body}");
        assert!(body.contains("X-Forwarded-For: 127.0.0.2"), "{body}");
    }
    // From 127.0.0.3 through HAProxy, or directly from 127.0.0.2 (no header, peer address
    // holds): refused.
    let (status, _) = http_get(connect_from([127, 0, 0, 3], at(v2)).await).await;
    assert_eq!(status, 403);
    let (status, _) = http_get(connect_from([127, 0, 0, 1], gw.addrs["web"]).await).await;
    assert_eq!(status, 403);
    let (status, _) = http_get(connect_from([127, 0, 0, 2], gw.addrs["web"]).await).await;
    assert_eq!(status, 200, "no PROXY header: the peer's own address");
    // HAProxy is not trusted on `untrusted`: its header is consumed, its address ignored.
    let (status, _) = http_get(connect_from([127, 0, 0, 2], at(v2_untrusted)).await).await;
    assert_eq!(status, 403);

    // The TCP ipAllowList sees the PROXY address too.
    let mut s = connect_from([127, 0, 0, 2], at(v2_tcp)).await;
    s.write_all(b"hi").await.expect("write");
    s.shutdown().await.expect("half-close");
    let mut got = Vec::new();
    s.read_to_end(&mut got).await.expect("read");
    assert_eq!(got, b"hibye");
    let mut s = connect_from([127, 0, 0, 3], at(v2_tcp)).await;
    let _ = s.write_all(b"hi").await;
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got).await;
    assert!(got.is_empty(), "refused: closed without a byte");
}

/// A raw HTTP/1.1 GET (`Connection: close`) on `s`: status and body.
async fn http_get(mut s: TcpStream) -> (u16, String) {
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}
