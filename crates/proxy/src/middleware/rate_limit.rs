//! `rateLimit`, local mode (Traefik `pkg/middlewares/ratelimiter`): one token bucket per source
//! ([`super::source`], the remote address by default) of rate `average`/`period` and size
//! `burst`, full at first sight. A request takes a token; one that would have to wait up to
//! Traefik's small max delay (half a token's interval, or 500 ms below one token per second)
//! is delayed, a longer wait is answered `429 Too Many Requests` with `Retry-After` (whole
//! seconds, rounded up) and `X-Retry-In` (Go's duration spelling), and takes nothing.
//! `average: 0` is no limit. Each router using the middleware has its own buckets, as Traefik
//! builds one handler per router; a reload starts them afresh, as in Traefik.
//!
//! A bucket is one number: the instant it is full again (GCRA), updated under its shard's
//! lock. **Memory**: at most 65,536 sources, as in Traefik. When a shard is full, the buckets
//! that are full again go first (forgetting them changes nothing, a new bucket is full); only
//! if none is, the 1/64 of the shard nearest to full again are forgotten, which hands those
//! sources back at most the tokens they were about to regain. Traefik instead forgets a source
//! idle for two seconds (or one token's interval plus one second below one token per second),
//! even with an empty bucket; Waygate keeps it until its bucket has refilled, so the budget is
//! exactly the token bucket's.
//!
//! With `redis` (distributed mode, [`redis`]) the buckets live in Redis, shared by every
//! gateway (and router) using the middleware; the same rate, burst and max delay apply.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderValue, StatusCode};
use waygate_config::dynamic::middleware::RateLimit as Config;

mod redis;
mod resp;

use self::redis::RedisLimiter;
use super::shards::{SHARDS, Shards};
use super::source::{Fallback, Source};
use super::{Flow, MwCtx};
use crate::{Request, Response};

/// Traefik's bound on sources per middleware.
const MAX_SOURCES: usize = 65_536;

const NANOS_PER_SEC: u64 = 1_000_000_000;

#[derive(Debug)]
pub struct RateLimit {
    limits: Arc<Limits>,
    buckets: Buckets,
    /// Distributed mode: the buckets are in Redis (`buckets` stays empty).
    redis: Option<RedisLimiter>,
}

/// The compiled settings, shared by the instances of every router.
#[derive(Debug)]
struct Limits {
    source: Source,
    /// `None`: `average` 0, no limit.
    rate: Option<Rate>,
}

/// A token bucket's shape, in nanoseconds.
#[derive(Debug, Clone, Copy)]
struct Rate {
    /// Time to regain one token.
    interval: u64,
    /// `burst` tokens' worth of time: how far a bucket may be from full.
    tolerance: u64,
    /// Longest wait that is delayed rather than refused.
    max_delay: u64,
}

/// Per-source state: when each bucket is full again, in nanoseconds since `epoch`.
#[derive(Debug)]
struct Buckets {
    epoch: Instant,
    full_at: Shards<u64>,
    per_shard: usize,
}

/// What one request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Take {
    Now,
    After(u64),
    Refused(u64),
}

// === impl RateLimit ===

impl RateLimit {
    /// `name`: the qualified middleware name (it names the Redis keys).
    pub fn new(name: &str, cfg: &Config) -> Result<Self, String> {
        let period = cfg.period.as_nanos();
        if period < 0 {
            return Err(format!(
                "negative value not valid for period: {}",
                cfg.period
            ));
        }
        if cfg.average < 0 {
            return Err("average must not be negative".to_string());
        }
        let source = Source::new(cfg.source_criterion.as_ref(), Fallback::RemoteIp)?;
        let period = if period == 0 {
            NANOS_PER_SEC
        } else {
            period.unsigned_abs()
        };
        let rate = (cfg.average > 0)
            .then(|| Rate::new(cfg.average.unsigned_abs(), period, cfg.burst.max(1)));
        let redis = match (&cfg.redis, rate) {
            (Some(r), Some(rate)) => {
                // Traefik's rate in requests per second and its key TTL: one second more
                // than a maxed-out bucket's quiet time, at least two.
                let per_sec = cfg.average as f64 * NANOS_PER_SEC as f64 / period as f64;
                let ttl = if per_sec >= 1.0 {
                    2
                } else {
                    1 + (1.0 / per_sec) as u64
                };
                let max_delay = Duration::from_nanos(rate.max_delay);
                Some(RedisLimiter::new(
                    name,
                    r,
                    per_sec,
                    cfg.burst.max(1),
                    max_delay,
                    ttl,
                )?)
            }
            _ => None,
        };
        Ok(Self {
            limits: Arc::new(Limits { source, rate }),
            buckets: Buckets::new(if redis.is_some() {
                0
            } else {
                MAX_SOURCES / SHARDS
            }),
            redis,
        })
    }

    /// The same settings with buckets of its own (one instance per router).
    pub(crate) fn for_router(&self) -> Self {
        Self {
            limits: self.limits.clone(),
            buckets: Buckets::new(self.buckets.per_shard),
            redis: self.redis.as_ref().map(RedisLimiter::for_router),
        }
    }

    pub(crate) fn request(&self, req: &Request, ctx: MwCtx) -> Flow {
        let Some(rate) = self.limits.rate else {
            return Flow::Next;
        };
        let key = self.limits.source.key(req, ctx.remote);
        if let Some(redis) = &self.redis {
            return redis.take(&key);
        }
        let now = self.buckets.now();
        match self.buckets.take(key.as_bytes(), now, rate) {
            Take::Now => Flow::Next,
            Take::After(wait) => Flow::Delay(Duration::from_nanos(wait)),
            Take::Refused(wait) => Flow::Respond(too_many_requests(wait)),
        }
    }
}

/// Traefik's answer: `Retry-After` in whole seconds rounded up, `X-Retry-In` in Go's spelling.
fn too_many_requests(wait: u64) -> Response {
    let mut resp = crate::rescue::text(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
    let secs = wait.div_ceil(NANOS_PER_SEC);
    let retry_in =
        waygate_config::types::Duration::from_nanos(i64::try_from(wait).unwrap_or(i64::MAX));
    let headers = resp.headers_mut();
    headers.insert("retry-after", HeaderValue::from(secs));
    if let Ok(v) = HeaderValue::from_str(&retry_in.to_string()) {
        headers.insert("x-retry-in", v);
    }
    resp
}

// === impl Rate ===

impl Rate {
    /// `average` tokens per `period` nanoseconds, at most `burst` in the bucket.
    fn new(average: u64, period: u64, burst: i64) -> Self {
        let interval = (period / average).max(1);
        let burst = burst.unsigned_abs();
        // Traefik: 1/(2·rate) with the rate truncated to whole requests per second, and
        // 500 ms below one request per second.
        let per_sec = u128::from(average) * u128::from(NANOS_PER_SEC) / u128::from(period);
        let max_delay = if per_sec == 0 {
            NANOS_PER_SEC / 2
        } else {
            u64::try_from(u128::from(NANOS_PER_SEC) / (per_sec * 2)).unwrap_or(0)
        };
        Self {
            interval,
            tolerance: interval.saturating_mul(burst),
            max_delay,
        }
    }

    /// A request at `now` against a bucket full again at `full_at`: the outcome, and the new
    /// full-again instant when the request takes its token.
    fn take(self, full_at: u64, now: u64) -> (Take, u64) {
        let next = full_at.max(now).saturating_add(self.interval);
        let wait = (next - now).saturating_sub(self.tolerance);
        if wait > self.max_delay {
            (Take::Refused(wait), full_at)
        } else if wait > 0 {
            (Take::After(wait), next)
        } else {
            (Take::Now, next)
        }
    }
}

// === impl Buckets ===

impl Buckets {
    fn new(per_shard: usize) -> Self {
        Self {
            epoch: Instant::now(),
            full_at: Shards::new(),
            per_shard,
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn take(&self, key: &[u8], now: u64, rate: Rate) -> Take {
        let mut map = self.full_at.lock(key);
        if let Some(at) = map.get_mut(key) {
            let (take, next) = rate.take(*at, now);
            *at = next;
            return take;
        }
        // A new source: its bucket is full.
        let (take, next) = rate.take(0, now);
        if map.len() >= self.per_shard {
            map.retain(|_, at| *at > now);
            if map.len() >= self.per_shard {
                let mut ats: Vec<u64> = map.values().copied().collect();
                let n = (self.per_shard / 64).clamp(1, ats.len());
                let cut = *ats.select_nth_unstable(n - 1).1;
                map.retain(|_, at| *at > cut);
            }
        }
        map.insert(key.into(), next);
        take
    }
}

#[cfg(test)]
mod tests;
