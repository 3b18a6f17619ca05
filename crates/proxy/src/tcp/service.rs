//! TCP services: a load balancer over servers (`loadBalancer.servers`, round robin as
//! Traefik's TCP balancer with equal weights) or a weighted set of other TCP services
//! (`weighted.services`, weighted round robin). Servers a health check found down are
//! skipped; with `weighted.healthCheck`, so are members without a server up (Traefik
//! propagates a child's health to a parent that asks for it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::transport::TcpTransport;
use crate::service::lb::Smooth;

/// A compiled TCP service.
#[derive(Debug)]
pub(crate) enum TcpService {
    Servers {
        servers: Vec<Server>,
        next: AtomicU64,
    },
    Weighted {
        /// Members with their weight (> 0).
        members: Vec<(Arc<TcpService>, i64)>,
        /// The weighted round robin the HTTP `weighted` services use.
        state: Smooth,
        /// `weighted.healthCheck`: members without a server up are skipped.
        health_check: bool,
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
    /// False while a health check finds the server down.
    pub(crate) up: Arc<AtomicBool>,
}

// === impl TcpService ===

impl TcpService {
    /// The server the next connection goes to (`None`: no server).
    pub(crate) fn pick(&self) -> Option<&Server> {
        match self {
            Self::Servers { servers, next } => {
                let len = servers.len() as u64;
                if len == 0 {
                    return None;
                }
                let n = next.fetch_add(1, Ordering::Relaxed);
                // The next server up, in round-robin order.
                (0..len).find_map(|k| {
                    let i = usize::try_from((n + k) % len).unwrap_or(0);
                    servers.get(i).filter(|s| s.up.load(Ordering::Relaxed))
                })
            }
            Self::Weighted {
                members,
                state,
                health_check,
            } => {
                let live = |i: usize| !*health_check || members[i].0.has_up();
                let i = state.pick(members.len(), |i| members[i].1, live)?;
                members[i].0.pick()
            }
        }
    }

    /// Whether a server of this service is up.
    fn has_up(&self) -> bool {
        match self {
            Self::Servers { servers, .. } => servers.iter().any(|s| s.up.load(Ordering::Relaxed)),
            Self::Weighted { members, .. } => members.iter().any(|(m, _)| m.has_up()),
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
                    up: Arc::new(AtomicBool::new(true)),
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
            state: Smooth::default(),
            health_check: false,
        };
        let mut seen = HashMap::new();
        for _ in 0..400 {
            *seen.entry(w.pick().map(|s| s.address.clone())).or_insert(0) += 1;
        }
        assert_eq!(seen[&Some("x:1".to_string())], 300);
        assert_eq!(seen[&Some("y:1".to_string())], 100);
        assert!(lb(&[]).pick().is_none());
    }

    #[test]
    fn down_servers_and_members_are_skipped() {
        let a = lb(&["a:1", "b:1", "c:1"]);
        let TcpService::Servers { servers, .. } = &*a else {
            unreachable!()
        };
        servers[1].up.store(false, Ordering::Relaxed);
        let picks: Vec<_> = (0..4)
            .filter_map(|_| a.pick())
            .map(|s| s.address.as_str())
            .collect();
        assert_eq!(picks, ["a:1", "c:1", "c:1", "a:1"]);
        for s in servers {
            s.up.store(false, Ordering::Relaxed);
        }
        assert!(a.pick().is_none());
        let weighted = |health_check| TcpService::Weighted {
            members: vec![(a.clone(), 1), (lb(&["y:1"]), 1)],
            state: Smooth::default(),
            health_check,
        };
        let w = weighted(true);
        assert!((0..4).all(|_| w.pick().is_some_and(|s| s.address == "y:1")));
        let w = weighted(false);
        assert_eq!((0..4).filter(|_| w.pick().is_none()).count(), 2);
    }
}
