//! TCP services: a load balancer over servers (`loadBalancer.servers`, round robin as
//! Traefik's TCP balancer with equal weights) or a weighted set of other TCP services
//! (`weighted.services`, weighted round robin).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::transport::TcpTransport;

/// A compiled TCP service.
#[derive(Debug)]
pub(crate) enum TcpService {
    Servers {
        servers: Vec<Server>,
        next: AtomicU64,
    },
    Weighted {
        /// Members with their weight (> 0).
        members: Vec<(Arc<TcpService>, u64)>,
        total: u64,
        next: AtomicU64,
    },
}

/// One server of a load balancer.
#[derive(Debug)]
pub(crate) struct Server {
    /// `host:port`.
    pub(crate) address: String,
    /// Dial with TLS.
    pub(crate) tls: bool,
    pub(crate) transport: Arc<TcpTransport>,
}

// === impl TcpService ===

impl TcpService {
    /// The server the next connection goes to (`None`: no server).
    pub(crate) fn pick(&self) -> Option<&Server> {
        match self {
            Self::Servers { servers, next } => {
                if servers.is_empty() {
                    return None;
                }
                let n = next.fetch_add(1, Ordering::Relaxed);
                let i = usize::try_from(n % servers.len() as u64).unwrap_or(0);
                servers.get(i)
            }
            Self::Weighted {
                members,
                total,
                next,
            } => {
                if *total == 0 {
                    return None;
                }
                let mut at = next.fetch_add(1, Ordering::Relaxed) % total;
                for (member, weight) in members {
                    if at < *weight {
                        return member.pick();
                    }
                    at -= weight;
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lb(addrs: &[&str]) -> Arc<TcpService> {
        let transport = Arc::new(TcpTransport::default());
        Arc::new(TcpService::Servers {
            servers: addrs
                .iter()
                .map(|a| Server {
                    address: (*a).to_string(),
                    tls: false,
                    transport: transport.clone(),
                })
                .collect(),
            next: AtomicU64::new(0),
        })
    }

    #[test]
    fn round_robin_and_weights() {
        let a = lb(&["a:1", "b:1"]);
        let picks: Vec<_> = (0..4)
            .filter_map(|_| a.pick())
            .map(|s| s.address.clone())
            .collect();
        assert_eq!(picks, ["a:1", "b:1", "a:1", "b:1"]);
        let w = TcpService::Weighted {
            members: vec![(lb(&["x:1"]), 3), (lb(&["y:1"]), 1)],
            total: 4,
            next: AtomicU64::new(0),
        };
        let mut seen = HashMap::new();
        for _ in 0..400 {
            *seen.entry(w.pick().map(|s| s.address.clone())).or_insert(0) += 1;
        }
        assert_eq!(seen[&Some("x:1".to_string())], 300);
        assert_eq!(seen[&Some("y:1".to_string())], 100);
        assert!(lb(&[]).pick().is_none());
    }
}
