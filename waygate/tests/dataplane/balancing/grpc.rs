//! gRPC through the gateway against a real `grpcio` server (Python; `test.sh` installs
//! grpcio and grpcio-health-checking): health checks with `mode: grpc`, and unary and
//! streaming calls over h2c with their trailers and `grpc-status`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use bytes::{Buf, Bytes};
use http_body_util::{BodyExt, Full};

use crate::support::{Gw, LOCAL_EP, eventually};

/// One `grpc_server.py` process (the `grpcWeb` tests use it too).
pub(crate) struct GrpcServer {
    child: Child,
    stdin: ChildStdin,
    port: u16,
}

impl GrpcServer {
    pub(crate) fn start(name: &str) -> Self {
        Self::start_with(name, &[])
    }

    /// With `tls`: certificate and key files, to serve TLS instead of h2c.
    fn start_with(name: &str, tls: &[&std::path::Path]) -> Self {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/dataplane/balancing/grpc_server.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .arg(name)
            .args(tls)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is required for the gRPC tests");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read port");
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "grpc_server.py did not start (python3 needs grpcio and grpcio-health-checking: \
                 `pip install grpcio grpcio-health-checking`, as test.sh does)"
            )
        });
        let stdin = child.stdin.take().expect("stdin");
        Self { child, stdin, port }
    }

    fn set(&mut self, status: &str) {
        writeln!(self.stdin, "{status}").expect("set status");
        self.stdin.flush().expect("flush");
    }

    pub(crate) fn url(&self) -> String {
        format!("h2c://127.0.0.1:{}", self.port)
    }
}

impl Drop for GrpcServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A finished gRPC call: the messages and the trailers (or trailers-only headers).
struct Call {
    status: u16,
    messages: Vec<Bytes>,
    trailers: http::HeaderMap,
}

/// Calls `path` with one message over HTTP/2 (prior knowledge) to the gateway.
async fn call(gw: &Gw, host: &str, path: &str, message: &[u8]) -> Call {
    let (mut send, _conn) = crate::support::h2c(gw.addrs["web"]).await;
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(message);
    let req = http::Request::post(format!("http://{host}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(Full::new(Bytes::from(frame)))
        .expect("req");
    let resp = send.send_request(req).await.expect("h2 response");
    let status = resp.status().as_u16();
    let head = resp.headers().clone();
    let collected = resp.into_body().collect().await.expect("body");
    let mut trailers = collected.trailers().cloned().unwrap_or_default();
    if trailers.is_empty() {
        trailers = head;
    }
    let mut body = collected.to_bytes();
    let grpc = trailers
        .get("content-type")
        .or(trailers.get("grpc-status"))
        .is_some();
    assert!(
        grpc && status == 200,
        "not a gRPC answer: {status} {trailers:?} {}",
        String::from_utf8_lossy(&body)
    );
    let mut messages = Vec::new();
    while body.len() >= 5 {
        body.advance(1);
        let len = body.get_u32() as usize;
        messages.push(body.split_to(len));
    }
    Call {
        status,
        messages,
        trailers,
    }
}

fn name_of(call: &Call) -> String {
    let m = call.messages.first().expect("a message");
    String::from_utf8_lossy(m)
        .split(':')
        .next()
        .unwrap_or("")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_health_check_not_serving_takes_a_server_out() {
    let mut g1 = GrpcServer::start("g1");
    let g2 = GrpcServer::start("g2");
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: Host(`grpc.test`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}, {{url: \"{}\"}}]\n        healthCheck: {{mode: grpc, path: /, interval: 100ms, timeout: 2s}}\n",
        g1.url(),
        g2.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..4 {
        seen.insert(name_of(
            &call(&gw, "grpc.test", "/test.Echo/Who", b"x").await,
        ));
    }
    assert_eq!(seen.len(), 2, "both servers serve: {seen:?}");
    g1.set("NOT_SERVING");
    eventually(
        Duration::from_secs(5),
        "g1 reported NOT_SERVING",
        || async { gw.logs().contains("received gRPC status code: NOT_SERVING") },
    )
    .await;
    for _ in 0..6 {
        assert_eq!(
            name_of(&call(&gw, "grpc.test", "/test.Echo/Who", b"x").await),
            "g2"
        );
    }
    g1.set("SERVING");
    eventually(Duration::from_secs(5), "g1 serves again", || async {
        name_of(&call(&gw, "grpc.test", "/test.Echo/Who", b"x").await) == "g1"
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_unary_streaming_and_errors_over_h2c() {
    let g = GrpcServer::start("g");
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: Host(`grpc.test`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        g.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let unary = call(&gw, "grpc.test", "/test.Echo/Who", b"hello").await;
    assert_eq!(unary.status, 200);
    assert_eq!(unary.messages, vec![Bytes::from_static(b"g:hello")]);
    assert_eq!(unary.trailers["grpc-status"], "0");
    assert_eq!(unary.trailers["x-served-by"], "g");

    let stream = call(&gw, "grpc.test", "/test.Echo/Count", b"").await;
    assert_eq!(stream.status, 200);
    assert_eq!(stream.messages.len(), 3);
    assert_eq!(stream.messages[2], Bytes::from_static(b"g-2"));
    assert_eq!(stream.trailers["grpc-status"], "0");
    assert_eq!(stream.trailers["x-served-by"], "g");

    let denied = call(&gw, "grpc.test", "/test.Echo/Fail", b"").await;
    assert_eq!(denied.status, 200);
    assert_eq!(denied.trailers["grpc-status"], "7");
    assert_eq!(denied.trailers["grpc-message"], "denied by g");
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_over_tls_to_the_backend_negotiates_h2() {
    let dir = std::env::temp_dir().join(format!("waygate-grpc-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("rcgen");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).expect("cert");
    std::fs::write(&key, ck.signing_key.serialize_pem()).expect("key");
    let g = GrpcServer::start_with("tls", &[&cert, &key]);
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: Host(`grpc.test`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        serversTransport: t\n        servers: [{{url: \"https://127.0.0.1:{}\"}}]\n        healthCheck: {{mode: grpc, scheme: https, path: /, interval: 100ms, timeout: 2s}}\n  serversTransports:\n    t:\n      serverName: localhost\n      rootCAs: [\"{}\"]\n",
        g.port,
        cert.display()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let unary = call(&gw, "grpc.test", "/test.Echo/Who", b"hi").await;
    assert_eq!(unary.messages, vec![Bytes::from_static(b"tls:hi")]);
    assert_eq!(unary.trailers["grpc-status"], "0");
    let stream = call(&gw, "grpc.test", "/test.Echo/Count", b"").await;
    assert_eq!(stream.messages.len(), 3);
    assert_eq!(stream.trailers["x-served-by"], "tls");
    // The gRPC health check over TLS passes (a failing one would take the only server out).
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!gw.logs().contains("health check failed"), "{}", gw.logs());
    assert_eq!(
        call(&gw, "grpc.test", "/test.Echo/Who", b"x").await.status,
        200
    );
    let _ = std::fs::remove_dir_all(&dir);
}
