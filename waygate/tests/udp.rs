//! UDP routers end to end, through the real binary and real sockets: DNS queries from Knot's
//! own client (`kdig`) crossing a UDP router to a real Knot DNS server, two clients at once,
//! sessions spread over a weighted service (counted), a session kept per client and released
//! after `udp.timeout`, and a reload that keeps the listener and its open sessions while new
//! sessions follow the new configuration, and a shutdown that opens no session while the open
//! ones keep relaying until `graceTimeOut`. The API shows the router serving.

#[path = "../../crates/acme/tests/support/knot.rs"]
mod knot;
#[path = "dataplane/support.rs"]
#[allow(dead_code)] // shared with the data-plane tests, which use all of it
mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use tokio::net::UdpSocket;

use crate::knot::Knot;
use crate::support::{Gw, client, eventually, get};

/// A TCP entry point (the harness waits for it) and a UDP one.
const EPS: &str = "entryPoints:
  web:
    address: 127.0.0.1:0
  dns:
    address: 127.0.0.1:0/udp
";

/// A UDP server answering each datagram with `<name> <the sender's address>`.
async fn echo(name: &'static str) -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").await.expect("bind echo");
    let addr = sock.local_addr().expect("echo addr");
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        while let Ok((_, peer)) = sock.recv_from(&mut buf).await {
            let _ = sock
                .send_to(format!("{name} {peer}").as_bytes(), peer)
                .await;
        }
    });
    addr
}

/// Sends `msg` from `client` to `to` and returns the reply (bounded wait: 5 s).
async fn ask(client: &UdpSocket, to: SocketAddr, msg: &str) -> String {
    client.send_to(msg.as_bytes(), to).await.expect("send");
    let mut buf = [0u8; 2048];
    let (n, from) = tokio::time::timeout(Duration::from_secs(5), client.recv_from(&mut buf))
        .await
        .unwrap_or_else(|_| panic!("no reply to {msg:?} within 5s"))
        .expect("recv");
    assert_eq!(from, to, "the reply comes from the entry point's address");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

async fn udp_client() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.expect("bind client")
}

/// `kdig @127.0.0.1 -p <port> +short <type> <name>` (one try, 5 s), as a running process.
fn kdig(port: u16, rtype: &str, name: &str) -> std::process::Child {
    Command::new("kdig")
        .args([
            "@127.0.0.1",
            "-p",
            &port.to_string(),
            "+short",
            "+retry=0",
            "+timeout=5",
            rtype,
            name,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kdig (Debian package knot-dnsutils)")
}

fn answer(child: std::process::Child) -> String {
    let out = child.wait_with_output().expect("kdig output");
    assert!(
        out.status.success(),
        "kdig failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn dns_queries_cross_a_udp_router_to_knot() {
    let knot = Knot::start();
    let statics = format!("{EPS}  traefik:\n    address: 127.0.0.1:0\napi:\n  insecure: true\n");
    let dynamic = format!(
        "udp:
  routers:
    dns:
      entryPoints: [dns]
      service: knot
  services:
    knot:
      loadBalancer:
        servers:
          - address: \"{}\"
",
        knot.addr
    );
    let gw = Gw::start(&statics, &dynamic);
    let port = gw.addrs["dns"].port();

    // Two clients at once (two kdig processes, two source ports, two sessions).
    let a = kdig(port, "A", "www.waygate.test.");
    let soa = kdig(port, "SOA", "waygate.test.");
    assert_eq!(answer(a), "127.0.0.1", "{}", knot.log());
    let soa = answer(soa);
    assert!(
        soa.starts_with("ns.waygate.test. hostmaster.waygate.test. 1 "),
        "{soa}"
    );
    // A name Knot does not have: its NXDOMAIN comes back through the gateway too.
    assert_eq!(answer(kdig(port, "A", "nope.other.test.")), "");

    // The API shows the router serving on its entry point.
    let api = format!("http://{}", gw.addrs["traefik"]);
    let r = get(&client(), &format!("{api}/api/udp/routers/dns@file"), "x").await;
    let r: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(r["status"], "enabled", "{r}");
    assert_eq!(r["using"], serde_json::json!(["dns"]), "{r}");
    let s = get(&client(), &format!("{api}/api/udp/services/knot@file"), "x").await;
    let s: serde_json::Value = serde_json::from_str(&s.body).expect("json");
    assert_eq!(s["status"], "enabled", "{s}");
}

#[tokio::test(flavor = "multi_thread")]
async fn weighted_service_spreads_sessions_and_keeps_each_client_on_its_server() {
    let (a, b) = (echo("a").await, echo("b").await);
    let dynamic = format!(
        "udp:
  routers:
    r:
      service: w
  services:
    w:
      weighted:
        services:
          - name: a
            weight: 3
          - name: b
            weight: 1
    a:
      loadBalancer:
        servers: [{{address: \"{a}\"}}]
    b:
      loadBalancer:
        servers: [{{address: \"{b}\"}}]
"
    );
    // No `entryPoints`: the router takes every UDP entry point.
    let gw = Gw::start(EPS, &dynamic);
    let ep = gw.addrs["dns"];

    // Eight clients, one after the other: a session each, weighted 3:1.
    let mut clients = Vec::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for i in 0..8 {
        let c = udp_client().await;
        let reply = ask(&c, ep, &format!("hello {i}")).await;
        let (server, _) = reply.split_once(' ').expect("name and address");
        *counts.entry(server.to_string()).or_default() += 1;
        clients.push((c, reply));
    }
    assert_eq!(counts.get("a"), Some(&6), "{counts:?}");
    assert_eq!(counts.get("b"), Some(&2), "{counts:?}");

    // Each client stays in its session: same server, same upstream socket.
    for (c, first) in &clients {
        assert_eq!(&ask(c, ep, "again").await, first);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_ends_after_udp_timeout() {
    let server = echo("s").await;
    let statics = format!("{EPS}    udp:\n      timeout: 300ms\n");
    let dynamic = format!(
        "udp:
  routers:
    r:
      entryPoints: [dns]
      service: s
  services:
    s:
      loadBalancer:
        servers: [{{address: \"{server}\"}}]
"
    );
    let gw = Gw::start(&statics, &dynamic);
    let ep = gw.addrs["dns"];
    let c = udp_client().await;
    let first = ask(&c, ep, "1").await;
    // Within the timeout: the same session (the server sees the same socket).
    assert_eq!(ask(&c, ep, "2").await, first);
    // Quiet for longer than the timeout: the next datagram opens a new session, from a new
    // socket. (Each probe that still finds the session restarts its timer, so wait again.)
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let now = loop {
        tokio::time::sleep(Duration::from_millis(900)).await;
        let now = ask(&c, ep, "3").await;
        if now != first {
            break now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still the first session after 10s"
        );
    };
    assert!(now.starts_with("s 127.0.0.1:"), "{now}");
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_keeps_the_listener_and_open_sessions() {
    let (a, b) = (echo("a").await, echo("b").await);
    let dynamic = |server: SocketAddr| {
        format!(
            "udp:
  routers:
    r:
      entryPoints: [dns]
      service: s
  services:
    s:
      loadBalancer:
        servers: [{{address: \"{server}\"}}]
"
        )
    };
    let statics = format!("{EPS}    udp:\n      timeout: 60s\n");
    let gw = Gw::start(&statics, &dynamic(a));
    let ep = gw.addrs["dns"];
    let old = udp_client().await;
    let before = ask(&old, ep, "1").await;
    assert!(before.starts_with("a "), "{before}");

    gw.write_dynamic(&dynamic(b));
    // New clients reach the new server on the same address.
    eventually(Duration::from_secs(10), "new sessions go to b", || async {
        ask(&udp_client().await, ep, "new").await.starts_with("b ")
    })
    .await;
    // The session opened before the reload keeps its server and its socket.
    assert_eq!(ask(&old, ep, "2").await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_lets_open_sessions_finish_and_opens_no_new_one() {
    let server = echo("s").await;
    // The longest graceTimeOut of all entry points applies.
    let grace = "    transport:\n      lifeCycle:\n        graceTimeOut: 2s\n";
    let statics = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\n{grace}  dns:\n    address: 127.0.0.1:0/udp\n    udp:\n      timeout: 60s\n{grace}"
    );
    let dynamic = format!(
        "udp:
  routers:
    r:
      service: s
  services:
    s:
      loadBalancer:
        servers: [{{address: \"{server}\"}}]
"
    );
    let mut gw = Gw::start(&statics, &dynamic);
    let ep = gw.addrs["dns"];
    let old = udp_client().await;
    let first = ask(&old, ep, "1").await;

    gw.signal("TERM");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !gw.logs().contains("waiting for in-flight requests") {
        assert!(std::time::Instant::now() < deadline, "{}", gw.logs());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The entry point stopped opening sessions; the open one still relays.
    assert_eq!(ask(&old, ep, "2").await, first);
    let new = udp_client().await;
    new.send_to(b"new", ep).await.expect("send");
    let mut buf = [0u8; 64];
    assert!(
        tokio::time::timeout(Duration::from_secs(1), new.recv_from(&mut buf))
            .await
            .is_err(),
        "a new client got a session during shutdown"
    );
    // The session outlives graceTimeOut: the gateway exits anyway.
    assert_eq!(
        tokio::task::block_in_place(|| gw.wait_exit(Duration::from_secs(15))),
        Some(0),
        "{}",
        gw.logs()
    );
}
