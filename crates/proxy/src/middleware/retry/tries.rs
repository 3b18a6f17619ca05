//! Network-error tries run by the **service step** itself: for a `retry` that is the last
//! middleware of its chain, a request without a body that only network errors may retry
//! ([`Retry::service_tries`]) is not wrapped at all. The walk sends it to the service as
//! any request and, when no connection could be made for it ([`NotSent`]), takes the
//! request the failed try handed back (`RequestCtx::unsent`) and sends it again, after
//! Traefik's backoff, until `attempts` or `timeout` run out. Nothing was copied and no
//! future boxed for it, so such a router costs about what it would without `retry`.
//! `retry`'s own network-only path for requests with a body counts its tries here too.

use std::time::{Duration, Instant};

use super::Retry;
use super::backoff::Backoff;
use crate::rescue::NotSent;
use crate::service::RequestCtx;
use crate::{Request, Response};

/// The tries left of one request.
#[derive(Debug)]
pub(crate) struct Tries<'a> {
    retry: &'a Retry,
    left: u32,
    deadline: Option<Instant>,
    backoff: Option<Backoff>,
}

// === impl Tries ===

impl<'a> Tries<'a> {
    pub(crate) fn new(retry: &'a Retry) -> Self {
        Self {
            retry,
            left: retry.attempts - 1,
            deadline: retry.timeout.map(|t| Instant::now() + t),
            backoff: None,
        }
    }

    /// After `resp`: the request to send again and the wait before it, when `resp` is a
    /// try no connection could be made for and tries (and time) are left.
    pub(crate) fn again(
        &mut self,
        resp: &Response,
        ctx: &RequestCtx,
    ) -> Option<(Request, Option<Duration>)> {
        if self.left == 0
            || resp.extensions().get::<NotSent>().is_none()
            || self.deadline.is_some_and(|d| Instant::now() >= d)
        {
            return None;
        }
        let req = ctx.unsent.take()?;
        self.left -= 1;
        tracing::debug!(status = resp.status().as_u16(), "retrying the request");
        let r = self.retry;
        let wait = self
            .backoff
            .get_or_insert_with(|| Backoff::new(r.initial_interval, r.attempts))
            .next();
        Some((req, wait))
    }
}
