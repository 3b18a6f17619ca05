//! The **upstream** stage: pooled keep-alive connections to backends (reference §3.3). Each
//! server has its own [`Pool`] (no shared map to look up per request); pools are kept in a
//! registry keyed by transport settings and address, so a reload keeps its connections.

mod pool;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use waygate_config::static_config::ForwardingTimeouts;

pub use self::pool::{Pool, PooledBody};

/// Connection settings of one servers transport.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TransportSettings {
    pub dial_timeout: Option<Duration>,
    pub response_header_timeout: Option<Duration>,
    pub idle_conn_timeout: Option<Duration>,
    /// Idle connections kept per backend; 0 disables reuse.
    pub max_idle_per_host: usize,
}

/// Pools by (settings, address, h2c), shared across reloads.
#[derive(Debug, Default)]
pub struct Pools {
    pools: Mutex<HashMap<(TransportSettings, String, bool), Arc<Pool>>>,
}

// === impl TransportSettings ===

impl TransportSettings {
    pub fn new(timeouts: &ForwardingTimeouts, max_idle: i64) -> Self {
        let positive = |d: waygate_config::types::Duration| d.to_std().filter(|d| !d.is_zero());
        Self {
            dial_timeout: positive(timeouts.dial_timeout),
            response_header_timeout: positive(timeouts.response_header_timeout),
            idle_conn_timeout: positive(timeouts.idle_conn_timeout).or(Some(pool::DEFAULT_IDLE)),
            max_idle_per_host: usize::try_from(max_idle).unwrap_or(0),
        }
    }
}

// === impl Pools ===

impl Pools {
    /// The pool for `addr` (`host:port`) with `settings`, created on first use.
    pub fn get(&self, settings: &TransportSettings, addr: &str, h2c: bool) -> Arc<Pool> {
        let mut pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
        pools
            .entry((settings.clone(), addr.to_string(), h2c))
            .or_insert_with(|| Arc::new(Pool::new(addr.to_string(), h2c, settings.clone())))
            .clone()
    }
}
