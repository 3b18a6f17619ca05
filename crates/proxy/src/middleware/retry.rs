//! `retry` as Traefik 3.7 builds it: up to `attempts` tries of the rest of the chain and the
//! service. A try is repeated when the upstream failed before any byte of the request was
//! sent to it (dial or TLS handshake: the gateway's response is marked [`NotSent`]), unless
//! `disableRetryOnNetworkError`; or when its status is one of `status`, for idempotent methods
//! (and POST, PATCH, LOCK too with `retryNonIdempotentMethod`). Once `timeout` has passed
//! since the first try, whatever comes back is final; the last try is always final. Waits
//! between tries follow Traefik's exponential backoff ([`backoff`]). A response produced
//! before the service (a middleware answering) is never a network error.
//!
//! Each try sends the request's head (the first its own, the others a copy taken before the
//! first; or, for network-error retries by the last middleware of the chain, the request the
//! failed try hands back: no copy, see [`Tries`] for bodyless requests) and its body read
//! ahead up to `maxRequestBodyBytes` (2 MiB by default; negative for no limit). A longer body
//! is not replayable: only network errors retry it, by the last middleware of the chain (the
//! request comes back with its body untouched); elsewhere it is sent once. Load balancers
//! pick their next server for each try, so a retry goes to another server where there is one.

mod backoff;
mod tries;

pub(crate) use self::tries::Tries;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use http::{Method, header::UPGRADE};
use waygate_config::dynamic::middleware::{Retry as Config, parse_status_ranges};

use super::around::Next;
use crate::body::spool::{self, Read};
use crate::rescue::{NotSent, ProxyError, respond};
use crate::{Body, Request, Response};

type BoxFuture<'a> = Pin<Box<dyn Future<Output = Response> + Send + 'a>>;

/// A compiled `retry`.
#[derive(Debug)]
pub struct Retry {
    attempts: u32,
    initial_interval: Duration,
    timeout: Option<Duration>,
    /// Inclusive ranges.
    status: Vec<(u16, u16)>,
    max_body: Option<u64>,
    on_network_error: bool,
    non_idempotent: bool,
}

// === impl Retry ===

impl Retry {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        if cfg.status.is_empty() && cfg.disable_retry_on_network_error {
            return Err(
                "retry middleware requires at least HTTP status codes or retry on TCP".into(),
            );
        }
        let attempts = u32::try_from(cfg.attempts)
            .ok()
            .filter(|a| *a > 0)
            .ok_or_else(|| format!("incorrect (or empty) value for attempt ({})", cfg.attempts))?;
        let mut status = Vec::new();
        for entry in &cfg.status {
            status.extend(parse_status_ranges(entry).map_err(|e| format!("status: {e}"))?);
        }
        let positive = |d: waygate_config::types::Duration| d.to_std().filter(|d| !d.is_zero());
        Ok(Self {
            attempts,
            initial_interval: positive(cfg.initial_interval).unwrap_or_default(),
            timeout: positive(cfg.timeout),
            status,
            max_body: u64::try_from(cfg.max_request_body_bytes).ok(),
            on_network_error: !cfg.disable_retry_on_network_error,
            non_idempotent: cfg.retry_non_idempotent_method,
        })
    }

    /// Whether the service step runs this request's tries itself ([`Tries`]), when this
    /// is the last middleware of its chain: a request without a body, not an upgrade, that
    /// only network errors may retry.
    pub(crate) fn service_tries(&self, req: &Request) -> bool {
        self.attempts > 1
            && self.on_network_error
            && matches!(req.body(), Body::Empty)
            && self.status_for(req.method()).is_empty()
            && !req.headers().contains_key(UPGRADE)
    }

    /// Serves `req` around `next` (boxed: see `Mw::wrap`): the requests the service step
    /// does not try itself ([`Retry::service_tries`]).
    pub(super) fn wrap<'a>(&'a self, req: Request, next: &'a mut Next<'_>) -> BoxFuture<'a> {
        // Upgrades hand the client connection to the upstream: one try.
        if self.attempts == 1 || req.headers().contains_key(UPGRADE) {
            return Box::pin(next.run(req));
        }
        Box::pin(self.wrap_general(req, next))
    }

    /// The statuses that retry a request with `method` (none for a non-idempotent one
    /// without `retryNonIdempotentMethod`).
    fn status_for(&self, m: &Method) -> &[(u16, u16)] {
        let idempotent = *m != Method::POST && *m != Method::PATCH && m.as_str() != "LOCK";
        if idempotent || self.non_idempotent {
            &self.status
        } else {
            &[]
        }
    }

    async fn wrap_general(&self, req: Request, next: &mut Next<'_>) -> Response {
        let status = self.status_for(req.method());
        let (parts, body) = req.into_parts();
        let spool = if matches!(body, Body::Empty) {
            spool::Spool::default()
        } else {
            let max = self.max_body.unwrap_or(u64::MAX);
            // Boxed: reading ahead is a large future that bodyless requests never need.
            match Box::pin(spool::read(body, max, self.max_body)).await {
                Ok(Read::Complete(s)) => s,
                Ok(Read::TooLarge(s, rest)) => {
                    let req = Request::from_parts(parts, s.then(Some(rest)));
                    // Not replayable, but a try no connection could be made for hands it
                    // back with its body untouched: network errors may still retry it.
                    if self.on_network_error && next.is_last() {
                        return self.resend_unsent(req, next).await;
                    }
                    return next.run(req).await;
                }
                Err(e) => return respond(&ProxyError::ClientBody(e.to_string())),
            }
        };
        if status.is_empty() && self.on_network_error && next.is_last() {
            let req = Request::from_parts(parts, spool.body());
            return self.resend_unsent(req, next).await;
        }
        let start = self.timeout.map(|t| (Instant::now(), t));
        // The first try sends the request's own head, which has room for the headers the
        // rest of the chain and the service add (a copy has none: growing it costs more than
        // the copy); a copy is kept for the tries after it, the last one taking it.
        let mut kept = copy(&parts, Body::Empty).into_parts().0;
        kept.extensions = parts.extensions.clone();
        let mut resp = next.run(Request::from_parts(parts, spool.body())).await;
        let mut backoff = None;
        let mut attempt = 1;
        loop {
            let timed_out = start.is_some_and(|(s, t)| s.elapsed() >= t);
            let code = resp.status().as_u16();
            let network = self.on_network_error && resp.extensions().get::<NotSent>().is_some();
            let listed = status.iter().any(|(a, b)| (*a..=*b).contains(&code));
            if timed_out || !(network || listed) {
                return resp;
            }
            attempt += 1;
            tracing::debug!(attempt, status = code, "retrying the request");
            let backoff = backoff
                .get_or_insert_with(|| backoff::Backoff::new(self.initial_interval, self.attempts));
            if let Some(wait) = backoff.next() {
                Box::pin(tokio::time::sleep(wait)).await;
            }
            if attempt == self.attempts {
                return next.run(Request::from_parts(kept, spool.body())).await;
            }
            resp = next.run(copy(&kept, spool.body())).await;
        }
    }
}

impl Retry {
    /// Network-error retries only, with nothing after `retry` in the chain: no copy of the
    /// head is kept; a try that no connection could be made for hands its request back,
    /// body untouched (nothing of it left), and [`Tries`] sends it again, as the service
    /// step does for bodyless requests. (When a reused connection turned out closed and the
    /// new one could not be made, nothing is handed back: as Traefik, a request that was
    /// written is not retried.)
    #[allow(clippy::manual_async_fn)] // an `async fn` would keep the request twice
    fn resend_unsent<'a>(
        &'a self,
        req: Request,
        next: &'a mut Next<'_>,
    ) -> impl Future<Output = Response> + Send + 'a {
        async move {
            let mut tries = Tries::new(self);
            let mut resp = next.run(req).await;
            while let Some((again, wait)) = tries.again(&resp, next.service_ctx()) {
                if let Some(wait) = wait {
                    Box::pin(tokio::time::sleep(wait)).await;
                }
                resp = next.resend(again).await;
            }
            resp
        }
    }
}

/// A try's request: the head (extensions aside, which hold nothing for the service
/// without an upgrade) and `body`. `buffering`'s tries too.
pub(super) fn copy(parts: &http::request::Parts, body: Body) -> Request {
    let mut req = Request::new(body);
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = parts.uri.clone();
    *req.version_mut() = parts.version;
    *req.headers_mut() = parts.headers.clone();
    req
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(json: &str) -> Config {
        serde_json::from_str(json).expect("config")
    }

    #[test]
    fn builds_as_traefik_or_says_why_not() {
        let r = Retry::new(&cfg(r#"{"attempts": 3, "status": ["500-503", "429"]}"#)).expect("ok");
        assert_eq!(r.status, [(500, 503), (429, 429)]);
        assert_eq!(r.max_body, Some(2 * 1024 * 1024));
        let r = Retry::new(&cfg(r#"{"attempts": 2, "maxRequestBodyBytes": -1}"#)).expect("ok");
        assert_eq!(r.max_body, None, "negative: no limit");
        assert_eq!(
            Retry::new(&cfg(
                r#"{"attempts": 2, "disableRetryOnNetworkError": true}"#
            ))
            .map(|_| ())
            .expect_err("refused"),
            "retry middleware requires at least HTTP status codes or retry on TCP"
        );
        assert_eq!(
            Retry::new(&cfg(r#"{"attempts": 0}"#))
                .map(|_| ())
                .expect_err("refused"),
            "incorrect (or empty) value for attempt (0)"
        );
    }
}
