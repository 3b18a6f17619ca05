//! The **upstream** stage: pooled keep-alive connections to backends (reference §3.3). Each
//! server has its own [`Pool`] (no shared map to look up per request); pools are kept in a
//! registry keyed by transport settings and address, so a reload keeps its connections.
//! `https://` servers dial TLS (`tls`) with a client configuration built once per transport.

mod capped;
mod h1;
mod pool;
mod tls;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use rustls::{ClientConfig, RootCertStore};
use waygate_config::static_config::ForwardingTimeouts;

pub use self::h1::H1Body;
pub(crate) use self::pool::Want;
pub use self::pool::{Pool, PooledBody};
pub use self::tls::TlsSettings;
pub(crate) use self::tls::{Connector, system_roots};

/// Connection settings of one servers transport.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TransportSettings {
    pub dial_timeout: Option<Duration>,
    pub response_header_timeout: Option<Duration>,
    pub idle_conn_timeout: Option<Duration>,
    /// Idle connections kept per backend; 0 disables reuse.
    pub max_idle_per_host: usize,
    /// Used by `https://` servers only.
    pub tls: TlsSettings,
}

/// How a server is spoken to, from its URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `http://`: HTTP/1.1.
    Http,
    /// `h2c://`: HTTP/2 without TLS.
    H2c,
    /// `https://`: TLS, then HTTP/2 or HTTP/1.1 as ALPN decides.
    Https,
}

/// Pools by (settings, address, protocol), shared across reloads, and the TLS client
/// configurations by TLS settings.
#[derive(Debug, Default)]
pub struct Pools {
    pools: Mutex<HashMap<(TransportSettings, String, Protocol), Arc<Pool>>>,
    tls_configs: Mutex<HashMap<TlsSettings, Arc<ClientConfig>>>,
    system_roots: OnceLock<Arc<RootCertStore>>,
}

// === impl TransportSettings ===

impl TransportSettings {
    pub fn new(timeouts: &ForwardingTimeouts, max_idle: i64, tls: TlsSettings) -> Self {
        let positive = |d: waygate_config::types::Duration| d.to_std().filter(|d| !d.is_zero());
        Self {
            dial_timeout: positive(timeouts.dial_timeout),
            response_header_timeout: positive(timeouts.response_header_timeout),
            idle_conn_timeout: positive(timeouts.idle_conn_timeout).or(Some(pool::DEFAULT_IDLE)),
            max_idle_per_host: usize::try_from(max_idle).unwrap_or(0),
            tls,
        }
    }
}

// === impl Pools ===

impl Pools {
    /// The pool for `addr` (`host:port`, whose host is `host`) with `settings`, created on
    /// first use. `Err` when the TLS settings cannot be used (bad `rootCAs`, …).
    pub fn get(
        &self,
        settings: &TransportSettings,
        addr: &str,
        host: &str,
        protocol: Protocol,
    ) -> Result<Arc<Pool>, String> {
        let key = (settings.clone(), addr.to_string(), protocol);
        if let Some(pool) = self.lock_pools().get(&key) {
            return Ok(pool.clone());
        }
        let connector = match protocol {
            Protocol::Https => Some(tls::Connector::new(
                self.tls_config(&settings.tls)?,
                &settings.tls,
                host,
            )?),
            Protocol::Http | Protocol::H2c => None,
        };
        let pool = Arc::new(Pool::new(
            addr.to_string(),
            protocol == Protocol::H2c,
            connector,
            settings.clone(),
        ));
        Ok(self.lock_pools().entry(key).or_insert(pool).clone())
    }

    fn lock_pools(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(TransportSettings, String, Protocol), Arc<Pool>>> {
        self.pools.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The client configuration for `tls`, built on first use.
    fn tls_config(&self, tls: &TlsSettings) -> Result<Arc<ClientConfig>, String> {
        let mut configs = self
            .tls_configs
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(cfg) = configs.get(tls) {
            return Ok(cfg.clone());
        }
        let cfg = tls.client_config(|| self.system_roots.get_or_init(tls::system_roots).clone())?;
        configs.insert(tls.clone(), cfg.clone());
        Ok(cfg)
    }
}
