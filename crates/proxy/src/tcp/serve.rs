//! One connection taken by a TCP route: TLS termination when the route terminates (the
//! handshake bounded by the entry point's `readTimeout`), then the middlewares (Traefik runs
//! them inside the TLS handler), a server of the service, the dial through its transport and
//! the copy both ways. Every failure closes the client connection, as Traefik does.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tracing::debug;

use super::forward::forward;
use super::transport::Dialled;
use super::{RouteTls, TcpRoute};
use crate::acme::AcmeChallenges;

/// What a routed connection needs from its entry point.
#[derive(Debug, Clone)]
pub(crate) struct ConnInfo {
    /// The client's address (from a trusted PROXY header when there is one).
    pub(crate) client: SocketAddr,
    /// The gateway's address of the connection (the PROXY header's destination).
    pub(crate) local: SocketAddr,
    pub(crate) handshake_timeout: Duration,
    pub(crate) acme: Arc<AcmeChallenges>,
    /// The client opened with a PostgreSQL SSLRequest (already answered): a passthrough
    /// server gets it replayed and its answer checked before the TLS bytes.
    pub(crate) postgres: bool,
}

/// Serves `io` (the client connection, with any bytes read to route it replayed first).
pub(crate) async fn serve<IO>(route: Arc<TcpRoute>, io: IO, info: ConnInfo)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send,
{
    debug!(router = %route.name, "TCP router");
    match &route.tls {
        RouteTls::None | RouteTls::Passthrough => proxy(&route, io, &info).await,
        RouteTls::Terminate(config) => {
            let config = config.clone();
            let handshake = crate::tls::handshake(io, &info.acme, move |_| Some(config));
            match tokio::time::timeout(info.handshake_timeout, handshake).await {
                Ok(Ok((tls, _))) => proxy(&route, tls, &info).await,
                Ok(Err(e)) => debug!(error = %e, "TLS handshake failed"),
                Err(_) => debug!("no TLS handshake within readTimeout"),
            }
        }
    }
}

async fn proxy<IO>(route: &TcpRoute, io: IO, info: &ConnInfo)
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let mut slots = Vec::new();
    for mw in &route.chain {
        if let Err(why) = mw.admit(info.client.ip(), &mut slots) {
            debug!(router = %route.name, client = %info.client, "{why}: closing");
            return;
        }
    }
    let Some(server) = route.service.pick() else {
        debug!(router = %route.name, "no server available: closing");
        return;
    };
    let transport = &server.transport;
    let dialled = transport
        .dial(&server.address, server.tls, info.client, info.local)
        .await;
    let delay = transport.termination_delay;
    let replay = info.postgres && matches!(route.tls, RouteTls::Passthrough);
    let copied = match dialled {
        Ok(Dialled::Plain(mut s)) => {
            if replay && let Err(e) = starttls(&mut s).await {
                return debug!(server = %server.address, error = %e, "PostgreSQL STARTTLS failed");
            }
            forward(io, s, delay).await
        }
        Ok(Dialled::Tls(mut s)) => {
            if replay && let Err(e) = starttls(&mut s).await {
                return debug!(server = %server.address, error = %e, "PostgreSQL STARTTLS failed");
            }
            forward(io, s, delay).await
        }
        Err(e) => {
            debug!(server = %server.address, error = %e, "error while dialing backend");
            return;
        }
    };
    debug!(
        server = %server.address,
        bytes.up = copied.up,
        bytes.down = copied.down,
        "TCP connection closed"
    );
    drop(slots);
}

/// Sends the PostgreSQL SSLRequest to a passthrough server and expects its `S`.
async fn starttls<S: AsyncRead + AsyncWrite + Unpin>(server: &mut S) -> std::io::Result<()> {
    server.write_all(&crate::entrypoint::SSL_REQUEST).await?;
    let mut answer = [0u8; 1];
    server.read_exact(&mut answer).await?;
    if answer[0] != b'S' {
        return Err(std::io::Error::other(
            "invalid response from PostgreSQL server",
        ));
    }
    Ok(())
}
