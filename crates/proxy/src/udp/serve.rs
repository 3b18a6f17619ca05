//! The receive loop of one UDP entry point: every datagram goes to its client's session,
//! opened on the first datagram from that address with the router current then.
//!
//! Memory is bounded: at most [`MAX_SESSIONS`] sessions per entry point (datagrams from new
//! clients are dropped beyond that), at most [`QUEUE`] datagrams waiting per session, and at
//! most [`QUEUED_BYTES`] bytes waiting in all of them (a datagram that would exceed either is
//! dropped, as a congested network would). Datagrams are copied at their own size.
//!
//! At shutdown the entry point stops opening sessions; the open ones keep relaying until they
//! time out, within the gateway's grace period (Traefik's UDP `Shutdown`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use arc_swap::ArcSwap;
use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::{Semaphore, mpsc, watch};
use tracing::{Instrument, debug, debug_span, warn};

use super::BoundUdp;
use super::session::{Datagram, Session};
use crate::table::RuntimeTable;

/// Sessions one entry point keeps open at most (each holds a socket and a task).
pub(crate) const MAX_SESSIONS: usize = 8192;
/// Datagrams waiting for one session's server socket at most (they wait while the session
/// resolves and connects, or while the server socket is busy).
pub(crate) const QUEUE: usize = 32;
/// Bytes waiting in all the sessions of one entry point at most.
pub(crate) const QUEUED_BYTES: usize = 16 << 20;
/// The largest UDP payload.
const MAX_DATAGRAM: usize = 65535;

/// Serves `bound` until `stop` turns true; its sessions then finish on their own (holding a
/// clone of `drain`, which the gateway waits for).
pub(crate) async fn serve(
    bound: BoundUdp,
    index: usize,
    tables: Arc<ArcSwap<RuntimeTable>>,
    mut stop: watch::Receiver<bool>,
    drain: watch::Receiver<bool>,
) {
    let socket = match UdpSocket::from_std(bound.socket) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            warn!(entry_point = %bound.name, error = %e, "cannot register UDP socket");
            return;
        }
    };
    let span = debug_span!("udp", entrypoint = %bound.name);
    let relay = Relay {
        socket,
        index,
        tables,
        timeout: bound.timeout,
        name: bound.name.into(),
        sessions: HashMap::new(),
        next_id: 0,
        budget: Arc::new(Semaphore::new(QUEUED_BYTES)),
    };
    tokio::spawn(relay.run(stop.clone(), drain).instrument(span));
    let _ = stop.wait_for(|s| *s).await;
}

/// One entry point's socket and session table (owned by its receive loop alone).
struct Relay {
    socket: Arc<UdpSocket>,
    index: usize,
    tables: Arc<ArcSwap<RuntimeTable>>,
    timeout: std::time::Duration,
    name: Arc<str>,
    sessions: HashMap<SocketAddr, Handle>,
    next_id: u64,
    budget: Arc<Semaphore>,
}

/// The receive loop's side of a session.
struct Handle {
    id: u64,
    tx: mpsc::Sender<Datagram>,
}

// === impl Relay ===

impl Relay {
    async fn run(mut self, mut stop: watch::Receiver<bool>, _drain: watch::Receiver<bool>) {
        let (ended_tx, mut ended_rx) = mpsc::unbounded_channel::<(SocketAddr, u64)>();
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let mut accepting = true;
        loop {
            if !accepting && self.sessions.is_empty() {
                break;
            }
            tokio::select! {
                _ = stop.wait_for(|s| *s), if accepting => {
                    debug!(sessions = self.sessions.len(), "stopped opening UDP sessions");
                    accepting = false;
                }
                Some((client, id)) = ended_rx.recv() => {
                    if self.sessions.get(&client).is_some_and(|h| h.id == id) {
                        self.sessions.remove(&client);
                    }
                }
                received = self.socket.recv_from(&mut buf) => match received {
                    Ok((n, client)) => {
                        let data = buf.get(..n).unwrap_or_default();
                        self.datagram(client, data, accepting, &ended_tx);
                    }
                    // ICMP errors for earlier replies and the like: nothing to do.
                    Err(e) => debug!(error = %e, "UDP receive failed"),
                },
            }
        }
        debug!("UDP entry point stopped");
    }

    /// Hands one datagram from `client` to its session, opening one if needed.
    fn datagram(
        &mut self,
        client: SocketAddr,
        data: &[u8],
        accepting: bool,
        ended: &mpsc::UnboundedSender<(SocketAddr, u64)>,
    ) {
        let Some(permit) = u32::try_from(data.len())
            .ok()
            .and_then(|n| self.budget.clone().try_acquire_many_owned(n).ok())
        else {
            return debug!(%client, "UDP queues full: datagram dropped");
        };
        let mut datagram = (Bytes::copy_from_slice(data), permit);
        if let Some(h) = self.sessions.get(&client) {
            match h.tx.try_send(datagram) {
                Ok(()) => return,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    return debug!(%client, "UDP session queue full: datagram dropped");
                }
                // The session has just ended: this datagram opens a new one.
                Err(mpsc::error::TrySendError::Closed(d)) => {
                    self.sessions.remove(&client);
                    datagram = d;
                }
            }
        }
        if !accepting {
            return;
        }
        if self.sessions.len() >= MAX_SESSIONS {
            return debug!(%client, max = MAX_SESSIONS, "too many UDP sessions: datagram dropped");
        }
        let table = self.tables.load();
        let Some(route) = table
            .entry_points
            .get(self.index)
            .and_then(|(_, ep)| ep.udp.clone())
        else {
            return debug!(%client, "no UDP router on this entry point: datagram dropped");
        };
        let Some(server) = route.service.pick() else {
            return debug!(%client, router = %route.name, "the UDP service has no server");
        };
        let (tx, rx) = mpsc::channel(QUEUE);
        // A fresh channel has room for its first datagram.
        let _ = tx.try_send(datagram);
        self.next_id += 1;
        let id = self.next_id;
        let span = debug_span!(
            "session",
            entrypoint = %self.name,
            client.addr = %client,
            router = %route.name,
            service = %route.service_name,
            server = %server,
        );
        let session = Session {
            socket: self.socket.clone(),
            client,
            server: server.to_string(),
            timeout: self.timeout,
            rx,
        };
        let ended = ended.clone();
        tokio::spawn(
            async move {
                session.run().await;
                let _ = ended.send((client, id));
            }
            .instrument(span),
        );
        self.sessions.insert(client, Handle { id, tx });
    }
}
