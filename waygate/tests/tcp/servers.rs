//! Real TCP servers behind the gateway: a server-first banner protocol (SMTP-like), an echo
//! server, a TLS server with its own certificate (for passthrough), and HAProxy in front of
//! the gateway (`send-proxy` / `send-proxy-v2`).

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// An SMTP-like server: greets first, answers `QUIT` with `221 bye` and closes; other lines
/// are echoed with `250 `.
pub(crate) async fn banner_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((s, peer)) = listener.accept().await {
            tokio::spawn(async move {
                let (r, mut w) = s.into_split();
                let _ = w
                    .write_all(format!("220 banner peer={peer}\r\n").as_bytes())
                    .await;
                let mut lines = BufReader::new(r).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    }
                    let _ = w.write_all(format!("250 {line}\r\n").as_bytes()).await;
                }
            });
        }
    });
    addr
}

/// Echoes every byte; on the client's half-close, writes `bye` and closes.
pub(crate) async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                loop {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if s.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
                let _ = s.write_all(b"bye").await;
            });
        }
    });
    addr
}

/// A TLS server presenting a certificate for `name` that writes `hello from <name>` after
/// the handshake.
pub(crate) async fn tls_server(name: &str) -> (SocketAddr, CertificateDer<'static>) {
    let ck = rcgen::generate_simple_self_signed(vec![name.to_string()]).expect("rcgen");
    let der = CertificateDer::from(ck.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![der.clone()], key)
    .expect("cert");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let greeting = format!("hello from {name}\n");
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let greeting = greeting.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(s).await {
                    let _ = tls.write_all(greeting.as_bytes()).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    (addr, der)
}

/// Connects to `to` from the loopback address `from` (127.0.0.0/8 all reach this host).
pub(crate) async fn connect_from(from: [u8; 4], to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::from((from, 0)))
        .expect("bind source");
    socket.connect(to).await.expect("connect")
}

/// A free loopback port (bound then released).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

/// HAProxy in TCP mode; killed on drop.
pub(crate) struct Haproxy(Child);

impl Haproxy {
    /// Starts `haproxy` with `config` (written in `dir`) and waits until `ports` accept.
    pub(crate) fn start(dir: &Path, config: &str, ports: &[u16]) -> Haproxy {
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config).expect("write haproxy.cfg");
        let bin = ["haproxy", "/usr/sbin/haproxy"]
            .into_iter()
            .find(|b| {
                Command::new(b)
                    .arg("-v")
                    .stdout(Stdio::null())
                    .status()
                    .is_ok()
            })
            .expect("haproxy is required (Debian package `haproxy`; test.sh installs it)");
        let child = Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn haproxy");
        let deadline = Instant::now() + Duration::from_secs(10);
        for port in ports {
            while std::net::TcpStream::connect(("127.0.0.1", *port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "haproxy did not listen on {port}"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Haproxy(child)
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
