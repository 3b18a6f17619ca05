//! Connection dispatch on an entry point with TCP routers or `proxyProtocol` (Traefik
//! `pkg/server/router/tcp/router.go`, `ServeTCP`); entry points with neither take the direct
//! HTTP path in `serve`.
//!
//! 1. PROXY header (`proxy`), read first when the entry point has `proxyProtocol`.
//! 2. Only non-TLS TCP routers (no TCP TLS router, no HTTPS router): the connection is
//!    routed at once, without waiting for a byte (server-first protocols: SMTP, MySQL, …).
//! 3. Otherwise the first bytes are read (within `readTimeout`): a PostgreSQL SSLRequest is
//!    answered and the TLS that follows routed on TCP TLS routers (`postgres`); other bytes
//!    that are not TLS go to a non-TLS TCP router, else to HTTP.
//! 4. TLS: the ClientHello is read and kept; `acme-tls/1` goes to the TLS-ALPN-01 answer;
//!    then HTTPS routers with a `Host()` matching the SNI → TCP TLS routers other than
//!    ``HostSNI(`*`)`` → an HTTPS router without `Host()` → a ``HostSNI(`*`)`` TCP TLS
//!    router → HTTPS (404s).
//!
//! Whatever was read to decide is replayed to the stage that serves the connection
//! ([`Prefixed`]).

mod postgres;
mod proxy;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tracing::debug;
use waygate_rules::TcpConn;

pub(crate) use self::postgres::SSL_REQUEST;
pub(crate) use self::proxy::ProxyTrust;

use super::prefixed::Prefixed;
use super::serve::{Shared, serve_http, serve_tls};
use crate::tcp::{ConnInfo, TcpRoute, hello};
use crate::tls::TLS_HANDSHAKE;

/// What the first bytes are.
enum Peeked {
    /// A PostgreSQL SSLRequest (consumed).
    Postgres,
    /// Not TLS.
    Plain,
    Tls(hello::Hello),
}

/// Where a connection goes.
enum Target {
    Tcp(Arc<TcpRoute>),
    Http,
    Https,
    Close,
}

/// Dispatches one accepted connection.
pub(super) async fn dispatch(
    shared: Arc<Shared>,
    mut stream: TcpStream,
    peer: SocketAddr,
    drain: watch::Receiver<bool>,
) {
    let settings = &shared.settings;
    let limit = settings.handshake_timeout;
    let local = stream.local_addr().unwrap_or(peer);
    let mut buf = Vec::new();
    let mut remote = peer;
    if let Some(trust) = &settings.proxy_protocol {
        let wait = proxy::HEADER_TIMEOUT.min(limit);
        match tokio::time::timeout(wait, proxy::read(&mut stream, &mut buf)).await {
            Ok(Ok(source)) => {
                if let Some(source) = source {
                    if trust.trusts(peer.ip()) {
                        remote = source;
                        tracing::Span::current()
                            .record("client.addr", tracing::field::display(remote));
                    } else {
                        debug!(%peer, "PROXY header from an untrusted address: its address is ignored");
                    }
                }
            }
            Ok(Err(e)) => return debug!(%peer, error = %e, "closing"),
            // Nothing sent yet (a server-first protocol): no header, the peer's address holds.
            Err(_) if buf.is_empty() => {}
            Err(_) => return debug!(%peer, "incomplete PROXY header: closing"),
        }
    }
    let info = ConnInfo {
        client: remote,
        local,
        handshake_timeout: limit,
        acme: settings.acme.clone(),
        postgres: false,
    };
    let target = {
        let table = shared.tables.load();
        let Some((_, ep)) = table.entry_points.get(settings.index) else {
            return;
        };
        let tcp = &ep.tcp;
        let conn = TcpConn {
            sni: None,
            alpn: &[],
            client_ip: Some(remote.ip()),
        };
        if !tcp.plain.is_empty() && tcp.tls.is_empty() && ep.tls_routes.iter().next().is_none() {
            tcp.match_plain(&conn).cloned()
        } else {
            None
        }
    };
    if let Some(route) = target {
        return crate::tcp::serve(route, Prefixed::new(buf, stream), info).await;
    }
    // The first bytes decide; readTimeout bounds the wait for them and for the ClientHello.
    let peeked = tokio::time::timeout(limit, async {
        if buf.is_empty() {
            let mut first = [0u8; 1];
            if stream.read(&mut first).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            buf.push(first[0]);
        }
        if postgres::starts(&mut stream, &mut buf).await? {
            return Ok(Peeked::Postgres);
        }
        if buf[0] != TLS_HANDSHAKE {
            return Ok(Peeked::Plain);
        }
        hello::read(&mut stream, &mut buf).await.map(Peeked::Tls)
    })
    .await;
    let hello = match peeked {
        Ok(Ok(Peeked::Postgres)) => return postgres::serve(&shared, stream, buf, info).await,
        Ok(Ok(Peeked::Plain)) => None,
        Ok(Ok(Peeked::Tls(hello))) => Some(hello),
        Ok(Err(e)) => return debug!(error = %e, "closing before routing"),
        Err(_) => return debug!("no ClientHello or first byte within readTimeout"),
    };
    let target = route(&shared, remote, hello.as_ref());
    let io = Prefixed::new(buf, stream);
    match target {
        Target::Tcp(route) => crate::tcp::serve(route, io, info).await,
        Target::Http => {
            let conn = super::serve::conn_ctx(settings, remote, None, drain);
            serve_http(&shared, io, conn).await;
        }
        Target::Https => serve_tls(&shared, io, remote, drain).await,
        Target::Close => debug!("no router for this connection: closing"),
    }
}

/// Traefik's order for a connection that sent its first bytes (`hello`: `None` when not TLS).
fn route(shared: &Shared, remote: SocketAddr, hello: Option<&hello::Hello>) -> Target {
    let table = shared.tables.load();
    let Some((_, ep)) = table.entry_points.get(shared.settings.index) else {
        return Target::Close;
    };
    let tcp = &ep.tcp;
    let Some(hello) = hello else {
        let conn = TcpConn {
            sni: None,
            alpn: &[],
            client_ip: Some(remote.ip()),
        };
        return match tcp.match_plain(&conn) {
            Some(r) => Target::Tcp(r.clone()),
            None => Target::Http,
        };
    };
    if hello.alpn.iter().any(|p| p == "acme-tls/1") {
        return Target::Https;
    }
    let alpn: Vec<&str> = hello.alpn.iter().map(String::as_str).collect();
    let conn = TcpConn {
        sni: hello.sni.as_deref(),
        alpn: &alpn,
        client_ip: Some(remote.ip()),
    };
    let https_claims = ep
        .tls
        .as_ref()
        .zip(hello.sni.as_deref())
        .is_some_and(|(sni, name)| sni.claims(name));
    if https_claims {
        return Target::Https;
    }
    let tcp_route = tcp.match_tls(&conn);
    match tcp_route {
        Some(r) if !r.catch_all => Target::Tcp(r.clone()),
        _ if tcp.https_catch_all => Target::Https,
        Some(r) => Target::Tcp(r.clone()),
        None if ep.tls.is_some() => Target::Https,
        None => Target::Close,
    }
}
