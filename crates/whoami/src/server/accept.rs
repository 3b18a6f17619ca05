//! Accept loop and per-connection serving.
//!
//! Each accepted connection is served by hyper-util's auto builder (HTTP/1.1 or h2c, sniffed
//! from the preface) with upgrades enabled for WebSocket, and is dropped as soon as the server is
//! stopped.

use std::future::poll_fn;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};
use std::task::Poll;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::{Slot, State};
use crate::service::{self, Conn};

/// Accepts until the listener is taken by `Server::stop` or the stop signal fires.
pub(crate) async fn run(listener: Arc<Slot>, state: Arc<State>, stopped: watch::Receiver<bool>) {
    let mut signal = stopped.clone();
    loop {
        let accepted = tokio::select! {
            accepted = accept(&listener) => accepted,
            _ = signal.wait_for(|stop| *stop) => return,
        };
        match accepted {
            Ok(Some((stream, remote))) => {
                state.connections.fetch_add(1, Ordering::Relaxed);
                let conn = Conn {
                    state: state.clone(),
                    remote,
                    local: stream.local_addr().unwrap_or(remote),
                    stopped: stopped.clone(),
                };
                tokio::spawn(serve(stream, Arc::new(conn)));
            }
            Ok(None) => return,
            // Transient failures (EMFILE, aborted handshakes): back off briefly, keep serving.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// One accept; `Ok(None)` once the listener is gone.
async fn accept(listener: &Slot) -> std::io::Result<Option<(TcpStream, std::net::SocketAddr)>> {
    poll_fn(|cx| {
        let guard = listener.lock().unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            Some(listener) => listener.poll_accept(cx).map(|r| r.map(Some)),
            None => Poll::Ready(Ok(None)),
        }
    })
    .await
}

/// Serves one connection until it ends or the server stops.
async fn serve(stream: TcpStream, conn: Arc<Conn>) {
    let _ = stream.set_nodelay(true);
    let mut stopped = conn.stopped.clone();
    let svc = service_fn(move |req| service::handle(conn.clone(), req));
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), svc);
    tokio::select! {
        _ = connection => {}
        _ = stopped.wait_for(|stop| *stop) => {}
    }
}
