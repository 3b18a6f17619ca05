//! `inFlightReq` (Traefik `pkg/middlewares/inflightreq`, oxy's `connlimit`): at most `amount`
//! requests per source ([`super::source`], the request host by default) in flight at once;
//! beyond, `429` with `max connections reached: <amount>`. A request holds its [`Slot`] until
//! its response is done: the body sent, the client gone, or — for an upgraded connection
//! (WebSocket) — the tunnel closed; the handler keeps the slot for exactly that long. Each
//! router using the middleware has its own counters, as Traefik builds one handler per router.
//!
//! Counters live in a sharded map; a source whose counter is back to zero is dropped at the
//! next growth of its shard, so memory follows the sources with requests in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use waygate_config::dynamic::middleware::InFlightReq as Config;

use super::shards::Shards;
use super::source::{Fallback, Source};
use super::{Flow, MwCtx};
use crate::{Body, Request, Response};

/// Shard size below which zero counters are not swept.
const SWEEP_MIN: usize = 64;

#[derive(Debug)]
pub struct InFlightReq {
    settings: Arc<Settings>,
    counts: Shards<Arc<AtomicI64>>,
}

#[derive(Debug)]
struct Settings {
    source: Source,
    amount: i64,
    /// `max connections reached: <amount>`.
    refusal: Bytes,
}

/// One request in flight: released when dropped.
#[derive(Debug)]
pub struct Slot(Arc<AtomicI64>);

// === impl InFlightReq ===

impl InFlightReq {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        if cfg.amount <= 0 {
            return Err(format!(
                "amount must be a positive number, found {}",
                cfg.amount
            ));
        }
        let source = Source::new(cfg.source_criterion.as_ref(), Fallback::Host)?;
        Ok(Self {
            settings: Arc::new(Settings {
                source,
                amount: cfg.amount,
                refusal: Bytes::from(format!("max connections reached: {}", cfg.amount)),
            }),
            counts: Shards::new(),
        })
    }

    /// The same settings with counters of its own (one instance per router).
    pub(crate) fn for_router(&self) -> Self {
        Self {
            settings: self.settings.clone(),
            counts: Shards::new(),
        }
    }

    pub(crate) fn request(&self, req: &Request, ctx: MwCtx) -> Flow {
        let key = self.settings.source.key(req, ctx.remote);
        match self.acquire(key.as_bytes()) {
            Some(slot) => Flow::Hold(slot),
            None => Flow::Respond(self.refusal()),
        }
    }

    fn acquire(&self, key: &[u8]) -> Option<Slot> {
        let mut map = self.counts.lock(key);
        if let Some(count) = map.get(key) {
            // Only this lock adds; releases only lower the count meanwhile.
            if count.load(Ordering::Acquire) >= self.settings.amount {
                return None;
            }
            count.fetch_add(1, Ordering::AcqRel);
            return Some(Slot(count.clone()));
        }
        // Sweep sources with nothing in flight once the shard has doubled since the last time.
        if map.len() >= SWEEP_MIN && map.len().is_power_of_two() {
            map.retain(|_, c| c.load(Ordering::Acquire) > 0);
        }
        let count = Arc::new(AtomicI64::new(1));
        map.insert(key.into(), count.clone());
        Some(Slot(count))
    }

    fn refusal(&self) -> Response {
        let mut resp = Response::new(Body::Full(Some(self.settings.refusal.clone())));
        *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        resp
    }

    #[cfg(test)]
    fn in_flight(&self, key: &[u8]) -> i64 {
        self.counts
            .lock(key)
            .get(key)
            .map_or(0, |c| c.load(Ordering::Acquire))
    }
}

// === impl Slot ===

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::test_request;
    use http::header::HOST;

    fn ctx() -> MwCtx {
        MwCtx {
            tls: false,
            remote: "10.0.0.1".parse().expect("ip"),
        }
    }

    fn req(host: &str) -> Request {
        let mut r = test_request("/");
        r.headers_mut().insert(HOST, host.parse().expect("host"));
        r
    }

    fn hold(m: &InFlightReq, host: &str) -> Option<Slot> {
        match m.request(&req(host), ctx()) {
            Flow::Hold(slot) => Some(slot),
            Flow::Respond(resp) => {
                assert_eq!(resp.status(), 429);
                None
            }
            _ => panic!("inFlightReq holds or refuses"),
        }
    }

    #[test]
    fn amount_per_host_then_429_until_released() {
        let m = InFlightReq::new(&Config {
            amount: 2,
            ..Config::default()
        })
        .expect("build");
        let a = hold(&m, "a.example").expect("first");
        let b = hold(&m, "a.example").expect("second");
        assert!(hold(&m, "a.example").is_none(), "third is refused");
        let other = hold(&m, "b.example").expect("other host");
        assert_eq!(m.in_flight(b"a.example"), 2);
        drop(a);
        let c = hold(&m, "a.example").expect("a slot was released");
        drop((b, c, other));
        assert_eq!(m.in_flight(b"a.example"), 0);
        // Another router's instance counts apart.
        let _x = hold(&m, "a.example").expect("free again");
        let _y = hold(&m.for_router(), "a.example").expect("own counters");
    }

    #[test]
    fn refusal_is_oxys() {
        let m = InFlightReq::new(&Config {
            amount: 1,
            ..Config::default()
        })
        .expect("build");
        let _held = hold(&m, "h");
        let Flow::Respond(resp) = m.request(&req("h"), ctx()) else {
            panic!("refused");
        };
        let Body::Full(Some(body)) = resp.body() else {
            panic!("a full body");
        };
        assert_eq!(&body[..], b"max connections reached: 1");
        assert!(InFlightReq::new(&Config::default()).is_err());
    }

    #[test]
    fn idle_sources_are_swept() {
        let m = InFlightReq::new(&Config {
            amount: 1,
            ..Config::default()
        })
        .expect("build");
        for i in 0..10_000u32 {
            let _slot = m.acquire(&i.to_be_bytes());
        }
        assert!(m.counts.len() < 2_000, "{}", m.counts.len());
    }
}
