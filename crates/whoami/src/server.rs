//! The public handle: [`Config`], [`Server`] and the counters tests read.
//!
//! [`Server::start`] binds, then spawns the accept loop (`server/accept.rs`) on the current tokio
//! runtime. [`Server::stop`] closes the listening socket synchronously, so a connect attempted
//! right after it returns is refused, and tells every open connection to close.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::TcpListener;
use tokio::sync::watch;

mod accept;

/// What to serve and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Reported as `Hostname` and in the `X-Whoami-Name` header of every response.
    pub name: String,
    /// Address to bind; port 0 picks an ephemeral port (read it back with [`Server::addr`]).
    pub addr: SocketAddr,
}

/// A running whoami server. Dropping it stops it.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    listener: Arc<Slot>,
    shutdown: watch::Sender<bool>,
}

/// Counters and settings shared by the handle and every connection.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) name: String,
    pub(crate) health: AtomicU16,
    pub(crate) requests: AtomicU64,
    pub(crate) connections: AtomicU64,
}

/// The listening socket; `None` once stopped. Held only while polling accept, never across an
/// await, so `stop` can take and drop it from synchronous code.
pub(crate) type Slot = Mutex<Option<TcpListener>>;

// === impl Config ===

impl Default for Config {
    fn default() -> Self {
        Self {
            name: "whoami".to_owned(),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        }
    }
}

// === impl Server ===

impl Server {
    /// Binds and spawns the accept loop on the current tokio runtime; returns once listening.
    ///
    /// Must be called from within a tokio runtime.
    pub async fn start(config: Config) -> std::io::Result<Server> {
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            name: config.name,
            health: AtomicU16::new(200),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
        });
        let listener = Arc::new(Mutex::new(Some(listener)));
        let (shutdown, stopped) = watch::channel(false);
        tokio::spawn(accept::run(listener.clone(), state.clone(), stopped));
        Ok(Server {
            addr,
            state,
            listener,
            shutdown,
        })
    }

    /// The bound address (with the real port when the config asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL, e.g. `http://127.0.0.1:PORT` (brackets around IPv6 addresses).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sets what `GET /health` answers from now on.
    pub fn set_health(&self, status: u16) {
        self.state.health.store(status, Ordering::Relaxed);
    }

    /// The status `GET /health` currently answers.
    pub fn health(&self) -> u16 {
        self.state.health.load(Ordering::Relaxed)
    }

    /// Requests served so far, on all paths.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.state.connections.load(Ordering::Relaxed)
    }

    /// The name this server reports.
    pub fn name(&self) -> &str {
        &self.state.name
    }

    /// Stops accepting (the listening socket is closed before this returns) and closes every
    /// open connection, including WebSockets. Idempotent; also done on drop.
    pub fn stop(&self) {
        let listener = self
            .listener
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(listener);
        self.shutdown.send_replace(true);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
