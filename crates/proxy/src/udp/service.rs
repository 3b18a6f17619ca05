//! UDP services: a load balancer over servers (`loadBalancer.servers`, round robin: Traefik
//! gives each UDP server weight 1) or a weighted set of other UDP services
//! (`weighted.services`, weighted round robin). A pick happens once per session.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::service::lb::Smooth;

/// A compiled UDP service.
#[derive(Debug)]
pub(crate) enum UdpService {
    Servers {
        /// `host:port` of each server.
        servers: Vec<String>,
        next: AtomicU64,
    },
    Weighted {
        /// Members with their weight (> 0).
        members: Vec<(Arc<UdpService>, i64)>,
        /// The weighted round robin the HTTP `weighted` services use.
        state: Smooth,
    },
}

// === impl UdpService ===

impl UdpService {
    /// The server (`host:port`) the next session goes to (`None`: no server).
    pub(crate) fn pick(&self) -> Option<&str> {
        match self {
            Self::Servers { servers, next } => {
                if servers.is_empty() {
                    return None;
                }
                let n = next.fetch_add(1, Ordering::Relaxed);
                let i = usize::try_from(n % servers.len() as u64).unwrap_or(0);
                servers.get(i).map(String::as_str)
            }
            Self::Weighted { members, state } => {
                let i = state.pick(members.len(), |i| members[i].1, |_| true)?;
                members[i].0.pick()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lb(addrs: &[&str]) -> Arc<UdpService> {
        Arc::new(UdpService::Servers {
            servers: addrs.iter().map(|a| (*a).to_string()).collect(),
            next: AtomicU64::new(0),
        })
    }

    #[test]
    fn round_robin_and_weights() {
        let a = lb(&["a:1", "b:1"]);
        let picks: Vec<_> = (0..4).filter_map(|_| a.pick()).collect();
        assert_eq!(picks, ["a:1", "b:1", "a:1", "b:1"]);
        let w = UdpService::Weighted {
            members: vec![(lb(&["x:1"]), 3), (lb(&["y:1"]), 1)],
            state: Smooth::default(),
        };
        let mut seen = HashMap::new();
        for _ in 0..400 {
            *seen.entry(w.pick()).or_insert(0) += 1;
        }
        assert_eq!(seen[&Some("x:1")], 300);
        assert_eq!(seen[&Some("y:1")], 100);
        assert!(lb(&[]).pick().is_none());
    }
}
