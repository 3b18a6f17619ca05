//! TCP middlewares (reference §4.2, Traefik `pkg/middlewares/tcp`): `ipAllowList` (and its
//! deprecated alias `ipWhiteList`) closes connections from addresses outside `sourceRange`;
//! `inFlightConn` closes a client IP's connections beyond `amount` open at once. Both look at
//! the connection's client address (the PROXY protocol's when trusted).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use waygate_config::dynamic::tcp_middleware::TcpMiddleware;

use crate::middleware::ip_strategy::IpList;

/// A compiled TCP middleware (one instance per router using it, as in Traefik).
#[derive(Debug)]
pub(crate) enum TcpMw {
    IpAllowList(IpList),
    InFlightConn(Arc<InFlight>),
}

/// Open connections per client IP.
#[derive(Debug)]
pub(crate) struct InFlight {
    amount: u64,
    open: Mutex<HashMap<IpAddr, u64>>,
}

/// One connection counted by `inFlightConn`, released on drop.
#[derive(Debug)]
pub(crate) struct Slot {
    owner: Arc<InFlight>,
    ip: IpAddr,
}

// === impl TcpMw ===

impl TcpMw {
    pub(crate) fn build(cfg: &TcpMiddleware) -> Result<Self, String> {
        if let Some(c) = cfg.ip_allow_list.as_ref().or(cfg.ip_white_list.as_ref()) {
            if c.source_range.is_empty() {
                return Err("sourceRange is empty, IPAllowLister not created".to_string());
            }
            let list = IpList::new(&c.source_range).map_err(|e| format!("sourceRange: {e}"))?;
            return Ok(Self::IpAllowList(list));
        }
        if let Some(c) = &cfg.in_flight_conn {
            let amount = u64::try_from(c.amount)
                .ok()
                .filter(|a| *a > 0)
                .ok_or("inFlightConn: amount must be positive")?;
            return Ok(Self::InFlightConn(Arc::new(InFlight {
                amount,
                open: Mutex::default(),
            })));
        }
        Err("the middleware has no TCP middleware type".to_string())
    }

    /// Whether a connection from `ip` may go on; `slots` keeps what it holds for its life.
    pub(crate) fn admit(&self, ip: IpAddr, slots: &mut Vec<Slot>) -> Result<(), &'static str> {
        match self {
            Self::IpAllowList(list) => {
                if list.contains(ip.to_canonical()) {
                    Ok(())
                } else {
                    Err("rejected by ipAllowList")
                }
            }
            Self::InFlightConn(owner) => {
                let ip = ip.to_canonical();
                let mut open = owner.open.lock().unwrap_or_else(PoisonError::into_inner);
                let n = open.entry(ip).or_insert(0);
                if *n >= owner.amount {
                    return Err("rejected by inFlightConn: too many connections");
                }
                *n += 1;
                slots.push(Slot {
                    owner: owner.clone(),
                    ip,
                });
                Ok(())
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .owner
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use waygate_config::dynamic::tcp_middleware::{InFlightConn, TcpIpAllowList};

    use super::*;

    #[test]
    fn allow_list_and_in_flight() {
        let allow = TcpMw::build(&TcpMiddleware {
            ip_allow_list: Some(TcpIpAllowList {
                source_range: vec!["10.0.0.0/8".into()],
            }),
            ..TcpMiddleware::default()
        })
        .expect("builds");
        let mut slots = Vec::new();
        assert!(allow.admit([10, 1, 2, 3].into(), &mut slots).is_ok());
        assert!(allow.admit([192, 0, 2, 1].into(), &mut slots).is_err());
        let limit = TcpMw::build(&TcpMiddleware {
            in_flight_conn: Some(InFlightConn { amount: 2 }),
            ..TcpMiddleware::default()
        })
        .expect("builds");
        let ip: IpAddr = [192, 0, 2, 1].into();
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        assert!(limit.admit(ip, &mut a).is_ok());
        assert!(limit.admit(ip, &mut b).is_ok());
        assert!(limit.admit(ip, &mut c).is_err());
        assert!(limit.admit([192, 0, 2, 2].into(), &mut c).is_ok());
        drop(a);
        assert!(limit.admit(ip, &mut Vec::new()).is_ok());
    }
}
