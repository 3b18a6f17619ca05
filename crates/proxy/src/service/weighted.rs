//! `weighted` (smooth weighted round robin over child services, with an optional sticky
//! cookie) and `highestRandomWeight` (rendezvous hashing of the client IP over child
//! services). A child's health counts only when the parent has `healthCheck: {}` (Traefik
//! propagates status only then); otherwise every child is taken as up.

use std::sync::Arc;

use super::lb::{Smooth, Sticky, hrw_key, hrw_pick};
use super::{RequestCtx, Service};
use crate::rescue::{ProxyError, respond};
use crate::{Request, Response};

/// `weighted`.
#[derive(Debug)]
pub struct Weighted {
    pub(crate) children: Vec<(Arc<Service>, i64)>,
    pub(crate) state: Smooth,
    pub(crate) sticky: Option<Sticky>,
    /// `healthCheck: {}`: children's health is followed and reported up.
    pub(crate) health: bool,
}

/// `highestRandomWeight`.
#[derive(Debug)]
pub struct Hrw {
    /// Each child with its weight and its name (hashed with the client IP).
    pub(crate) children: Vec<(Arc<Service>, i64, String)>,
    pub(crate) health: bool,
}

// === impl Weighted ===

impl Weighted {
    /// Whether child `i` counts as up for this service.
    pub(crate) fn child_up(&self, i: usize) -> bool {
        !self.health || self.children[i].0.is_up()
    }

    fn eligible(&self, i: usize) -> bool {
        self.children[i].1 > 0 && self.child_up(i)
    }

    pub(crate) fn is_up(&self) -> bool {
        (0..self.children.len()).any(|i| self.eligible(i))
    }

    pub(crate) async fn serve(&self, req: Request, ctx: &RequestCtx) -> Response {
        let c = &self.children;
        let pick = || self.state.pick(c.len(), |i| c[i].1, |i| self.child_up(i));
        let Some(sticky) = &self.sticky else {
            return match pick() {
                Some(i) => c[i].0.serve(req, ctx).await,
                None => respond(&ProxyError::NoServer),
            };
        };
        let stuck = sticky
            .lookup(req.headers())
            .filter(|&(i, _)| self.eligible(i));
        let (i, write) = match stuck.or_else(|| pick().map(|i| (i, true))) {
            Some(hit) => hit,
            None => return respond(&ProxyError::NoServer),
        };
        let mut resp = c[i].0.serve(req, ctx).await;
        if write {
            sticky.stick(&mut resp, i);
        }
        resp
    }
}

// === impl Hrw ===

impl Hrw {
    fn child_up(&self, i: usize) -> bool {
        !self.health || self.children[i].0.is_up()
    }

    pub(crate) fn is_up(&self) -> bool {
        (0..self.children.len()).any(|i| self.children[i].1 > 0 && self.child_up(i))
    }

    pub(crate) async fn serve(&self, req: Request, ctx: &RequestCtx) -> Response {
        let c = &self.children;
        let mut buf = [0; 64];
        let key = hrw_key(ctx.client_ip, &mut buf);
        match hrw_pick(key, c.len(), |i| &c[i].2, |i| c[i].1, |i| self.child_up(i)) {
            Some(i) => c[i].0.serve(req, ctx).await,
            None => respond(&ProxyError::NoServer),
        }
    }
}
