//! One UDP session: a socket of its own connected to the chosen server; datagrams from the
//! client (queued by the receive loop) go out through it, datagrams from the server go back to
//! the client from the entry point's socket. It ends after the entry point's `udp.timeout`
//! without a datagram either way, or when the server is unreachable (ICMP port unreachable
//! reported on the connected socket), as Traefik's UDP proxy does.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio::time::Instant;
use tracing::debug;

/// A datagram from the client, with its share of the entry point's queue budget (released
/// once sent).
pub(super) type Datagram = (Bytes, OwnedSemaphorePermit);

/// The read size for server replies (the largest UDP payload).
const MAX_DATAGRAM: usize = 65535;
/// Server datagrams relayed per readiness at most.
const REPLIES_PER_WAKE: usize = 64;

pub(super) struct Session {
    /// The entry point's socket (replies leave from it).
    pub(super) socket: Arc<UdpSocket>,
    pub(super) client: SocketAddr,
    /// `host:port`.
    pub(super) server: String,
    pub(super) timeout: Duration,
    pub(super) rx: mpsc::Receiver<Datagram>,
}

// === impl Session ===

impl Session {
    pub(super) async fn run(mut self) {
        let upstream = match tokio::time::timeout(self.timeout, connect(&self.server)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return debug!(error = %e, "cannot reach the UDP server"),
            Err(_) => return debug!("the UDP server's address did not resolve in time"),
        };
        debug!("UDP session opened");
        let mut last = Instant::now();
        loop {
            tokio::select! {
                received = self.rx.recv() => {
                    // None: the entry point stopped.
                    let Some((data, _permit)) = received else { break };
                    last = Instant::now();
                    if let Err(e) = upstream.send(&data).await {
                        debug!(error = %e, "sending to the UDP server failed");
                        if e.kind() == io::ErrorKind::ConnectionRefused {
                            break;
                        }
                    }
                }
                ready = upstream.readable() => {
                    if let Err(e) = ready {
                        debug!(error = %e, "UDP server socket failed");
                        break;
                    }
                    match self.reply(&upstream).await {
                        Ok(true) => last = Instant::now(),
                        Ok(false) => {}
                        Err(e) => {
                            debug!(error = %e, "receiving from the UDP server failed");
                            break;
                        }
                    }
                }
                () = tokio::time::sleep_until(last + self.timeout) => {
                    debug!("UDP session timed out");
                    break;
                }
            }
        }
    }

    /// Relays the datagrams the server socket has ready; `Ok(false)` when it had none.
    async fn reply(&self, upstream: &UdpSocket) -> io::Result<bool> {
        let mut relayed = false;
        // Bounded, so a flooding server cannot starve the client side and the idle timer.
        for _ in 0..REPLIES_PER_WAKE {
            // Allocated per read, without zeroing: a session waiting for its server holds no
            // buffer.
            let mut buf = Vec::with_capacity(MAX_DATAGRAM);
            match upstream.try_recv_buf(&mut buf) {
                Ok(_) => {
                    if let Err(e) = self.socket.send_to(&buf, self.client).await {
                        debug!(error = %e, "sending to the UDP client failed");
                    }
                    relayed = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(relayed),
                Err(e) => return Err(e),
            }
        }
        Ok(relayed)
    }
}

/// A socket connected to `server` (`host:port`, resolved now; the first address wins).
async fn connect(server: &str) -> io::Result<UdpSocket> {
    let addr = tokio::net::lookup_host(server)
        .await?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))?;
    let local = match addr.ip() {
        IpAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
        IpAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
    };
    let socket = UdpSocket::bind(local).await?;
    socket.connect(addr).await?;
    Ok(socket)
}
