//! PostgreSQL's STARTTLS (Traefik `postgres.go`): a client that opens with an SSLRequest is
//! answered `S` and its ClientHello routed on the TCP TLS routers only. A terminating route
//! serves the TLS itself; a passthrough route replays the SSLRequest to the server and checks
//! its `S` before the TLS bytes flow (`tcp::serve` with `ConnInfo::postgres`).

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tracing::debug;
use waygate_rules::TcpConn;

use super::super::prefixed::Prefixed;
use super::super::serve::Shared;
use crate::tcp::{ConnInfo, hello};

/// The SSLRequest message: length 8, code 80877103.
pub(crate) const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 4, 210, 22, 47];

/// Whether the connection opens with an SSLRequest; reads more of `buf` (which holds at
/// least one byte) while it could still be one. When it is, `buf` is emptied.
pub(super) async fn starts(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<bool> {
    loop {
        let n = buf.len().min(SSL_REQUEST.len());
        if buf[..n] != SSL_REQUEST[..n] {
            return Ok(false);
        }
        if n == SSL_REQUEST.len() {
            buf.drain(..n);
            return Ok(true);
        }
        let mut chunk = [0u8; 8];
        let got = stream.read(&mut chunk[..SSL_REQUEST.len() - n]).await?;
        if got == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..got]);
    }
}

/// Answers the SSLRequest and routes the ClientHello that follows.
pub(super) async fn serve(
    shared: &Arc<Shared>,
    mut stream: TcpStream,
    buf: Vec<u8>,
    mut info: ConnInfo,
) {
    if stream.write_all(b"S").await.is_err() {
        return;
    }
    let mut buf = buf;
    let read =
        tokio::time::timeout(info.handshake_timeout, hello::read(&mut stream, &mut buf)).await;
    let hello = match read {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return debug!(error = %e, "PostgreSQL client: no ClientHello"),
        Err(_) => return debug!("PostgreSQL client: no ClientHello within readTimeout"),
    };
    let route = {
        let table = shared.tables.load();
        let alpn: Vec<&str> = hello.alpn.iter().map(String::as_str).collect();
        let conn = TcpConn {
            sni: hello.sni.as_deref(),
            alpn: &alpn,
            client_ip: Some(info.client.ip()),
        };
        table
            .entry_points
            .get(shared.settings.index)
            .and_then(|(_, ep)| ep.tcp.match_tls(&conn).cloned())
    };
    let Some(route) = route else {
        return debug!("PostgreSQL client: no TCP TLS router matches: closing");
    };
    info.postgres = true;
    crate::tcp::serve(route, Prefixed::new(buf, stream), info).await;
}
