//! `rateLimit.redis`, distributed mode (Traefik `pkg/middlewares/ratelimiter/redis_limiter.go`):
//! every gateway sharing the Redis server shares one token bucket per source. The bucket
//! lives in the hash `rate:<middleware>:<source>` (the qualified middleware name, so Traefik
//! and Waygate replicas share budgets too) and is checked and taken by Traefik's own Lua
//! script ([`SCRIPT`], verbatim) in one round trip: `EVALSHA`, `EVAL` once if the server has
//! not seen it. Arguments as Traefik sends them: the rate in tokens per microsecond, `burst`,
//! the key's TTL in seconds, the wall clock in microseconds and the max delay in
//! microseconds. The script answers the wait; above the max delay the request is refused
//! (429, nothing taken), a shorter one is waited out before passing the request on.
//!
//! **Redis unreachable or failing**: as Traefik, the request is answered `500 Could not
//! insert/update bucket`; never passed on without a budget. The whole exchange (waiting for a
//! connection, dialling, writing, reading) is bounded by `readTimeout`, so no request stalls
//! longer; failures are logged at most once per 10 s per middleware, with their count (never
//! the password).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::StatusCode;
use tracing::warn;
use waygate_config::dynamic::middleware::Redis as Config;

use super::resp::{Client, Options, Reply, Secret};
use super::too_many_requests;
use crate::middleware::source::Key;
use crate::middleware::{Flow, Pending};
use crate::upstream::TlsSettings;

/// The token bucket, run on the server (`EVALSHA` by its SHA-1). Waygate's own script with
/// Traefik's semantics and stored state (`last`, `tokens` under the same key).
pub(crate) const SCRIPT: &str = include_str!("token_bucket.lua");

/// Seconds between two logs of failures.
const LOG_EVERY: u64 = 10;

#[derive(Debug)]
pub(crate) struct RedisLimiter {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    client: Client,
    sha: String,
    /// `rate:<middleware>:`.
    prefix: Vec<u8>,
    /// Tokens per microsecond, `burst`, TTL (seconds): the script's first arguments.
    rate: String,
    burst: String,
    ttl: String,
    max_delay: Duration,
    max_delay_us: String,
    /// The bound on one request's exchange with Redis (`readTimeout`).
    deadline: Option<Duration>,
    epoch: Instant,
    /// Failures since the last log, and when that was (seconds since `epoch`).
    failures: AtomicU64,
    logged_at: AtomicU64,
    name: String,
}

// === impl RedisLimiter ===

impl RedisLimiter {
    /// `name` is the qualified middleware name; `per_sec`, `burst`, `max_delay` and `ttl`
    /// are computed as Traefik does for both modes.
    pub(crate) fn new(
        name: &str,
        cfg: &Config,
        per_sec: f64,
        burst: i64,
        max_delay: Duration,
        ttl: u64,
    ) -> Result<Self, String> {
        let positive = |d: waygate_config::types::Duration| {
            u64::try_from(d.as_nanos())
                .ok()
                .filter(|n| *n > 0)
                .map(Duration::from_nanos)
        };
        let tls = cfg.tls.as_ref().map(client_tls).transpose()?;
        let options = Options {
            endpoints: cfg.endpoints.clone(),
            username: cfg.username.clone(),
            password: Secret(cfg.password.clone()),
            db: cfg.db,
            // go-redis: 0 is ten connections per CPU.
            pool_size: match usize::try_from(cfg.pool_size) {
                Ok(n) if n > 0 => n,
                _ => 10 * std::thread::available_parallelism().map_or(1, |n| n.get()),
            },
            max_active_conns: usize::try_from(cfg.max_active_conns).unwrap_or(0),
            dial_timeout: positive(cfg.dial_timeout).or(Some(Duration::from_secs(5))),
            read_timeout: positive(cfg.read_timeout),
            write_timeout: positive(cfg.write_timeout),
            tls,
        };
        let deadline = options.read_timeout;
        let mut prefix = b"rate:".to_vec();
        prefix.extend_from_slice(name.as_bytes());
        prefix.push(b':');
        Ok(Self {
            shared: Arc::new(Shared {
                client: Client::new(options),
                sha: sha1_hex(SCRIPT),
                prefix,
                rate: (per_sec / 1_000_000.0).to_string(),
                burst: burst.to_string(),
                ttl: ttl.to_string(),
                max_delay,
                max_delay_us: max_delay.as_micros().to_string(),
                deadline,
                epoch: Instant::now(),
                failures: AtomicU64::new(0),
                logged_at: AtomicU64::new(0),
                name: name.to_string(),
            }),
        })
    }

    /// Another router's instance: the same budget (the keys do not name the router).
    pub(crate) fn for_router(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }

    /// Takes a token for `source` on the server.
    pub(crate) fn take(&self, source: &Key<'_>) -> Flow {
        let shared = self.shared.clone();
        let mut key = shared.prefix.clone();
        push_source(&mut key, source);
        let pending: Pending = Box::pin(async move {
            let exchange = shared.exchange(&key);
            let outcome = match shared.deadline {
                Some(d) => tokio::time::timeout(d, exchange)
                    .await
                    .unwrap_or_else(|_| Err("no answer within readTimeout".to_string())),
                None => exchange.await,
            };
            match outcome {
                Ok(wait) if wait > shared.max_delay => Flow::Respond(too_many_requests(
                    u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX),
                )),
                Ok(wait) if wait.is_zero() => Flow::Next,
                Ok(wait) => Flow::Delay(wait),
                Err(e) => {
                    shared.failed(&e);
                    Flow::Respond(crate::rescue::text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Could not insert/update bucket\n",
                    ))
                }
            }
        });
        Flow::Wait(pending)
    }
}

// === impl Shared ===

impl Shared {
    /// One script run: the wait the server computed.
    async fn exchange(&self, key: &[u8]) -> Result<Duration, String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros())
            .to_string();
        let args: [&[u8]; 5] = [
            self.rate.as_bytes(),
            self.burst.as_bytes(),
            self.ttl.as_bytes(),
            now.as_bytes(),
            self.max_delay_us.as_bytes(),
        ];
        let reply = self
            .client
            .eval(SCRIPT, &self.sha, &[key], &args)
            .await
            .map_err(|e| e.to_string())?;
        parse_wait(&reply).ok_or_else(|| "unexpected answer from the rate limit script".into())
    }

    fn failed(&self, error: &str) {
        let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        let now = self.epoch.elapsed().as_secs() + LOG_EVERY;
        let last = self.logged_at.load(Ordering::Relaxed);
        if now >= last + LOG_EVERY
            && self
                .logged_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.failures.fetch_sub(n, Ordering::Relaxed);
            warn!(
                middleware = %self.name,
                failures = n,
                error,
                "rateLimit: could not insert/update bucket in Redis; answered 500"
            );
        }
    }
}

/// The script's `{ "true", wait_µs, tokens }`: the wait.
fn parse_wait(reply: &Reply) -> Option<Duration> {
    let Reply::Array(Some(items)) = reply else {
        return None;
    };
    let text = |i: usize| match items.get(i) {
        Some(Reply::Bulk(Some(b))) => std::str::from_utf8(b).ok(),
        _ => None,
    };
    if text(0)? != "true" {
        return None;
    }
    let micros: f64 = text(1)?.parse().ok()?;
    // Go: time.Duration(delay * float64(time.Microsecond)), truncated.
    let nanos = micros * 1_000.0;
    Some(if nanos.is_finite() && nanos > 0.0 {
        Duration::from_nanos(nanos as u64)
    } else {
        Duration::ZERO
    })
}

/// The source as Traefik's extractor spells it: the IP's text, or the header/host value.
fn push_source(out: &mut Vec<u8>, source: &Key<'_>) {
    use std::io::Write;
    match source {
        Key::Borrowed(b) => out.extend_from_slice(b),
        Key::Ip(buf, 5) => {
            let ip = std::net::Ipv4Addr::new(buf[1], buf[2], buf[3], buf[4]);
            let _ = write!(out, "{ip}");
        }
        Key::Ip(buf, _) => {
            let mut o = [0u8; 16];
            o.copy_from_slice(&buf[1..17]);
            let _ = write!(out, "{}", std::net::Ipv6Addr::from(o));
        }
        Key::Owned(v) => out.extend_from_slice(v.get(1..).unwrap_or_default()),
    }
}

/// The rustls client configuration of `tls` (no ALPN: Redis speaks none).
fn client_tls(
    tls: &waygate_config::dynamic::middleware::ClientTls,
) -> Result<Arc<rustls::ClientConfig>, String> {
    let settings = TlsSettings {
        insecure_skip_verify: tls.insecure_skip_verify,
        root_cas: if tls.ca.is_empty() {
            Vec::new()
        } else {
            vec![tls.ca.clone()]
        },
        certificates: if tls.cert.is_empty() {
            Vec::new()
        } else {
            vec![(tls.cert.clone(), tls.key.clone())]
        },
        ..TlsSettings::default()
    };
    let cfg = settings
        .client_config(system_roots)
        .map_err(|e| format!("redis.tls: {e}"))?;
    let mut cfg = (*cfg).clone();
    cfg.alpn_protocols.clear();
    Ok(Arc::new(cfg))
}

fn system_roots() -> Arc<rustls::RootCertStore> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    Arc::new(roots)
}

fn sha1_hex(s: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, s.as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_keeps_traefiks_bucket_state() {
        // Same hash fields as Traefik's replicas read and write, so budgets can be shared.
        assert!(SCRIPT.contains("redis.call('HMGET', KEYS[1], 'last', 'tokens')"));
        assert!(SCRIPT.contains("redis.call('HSET', KEYS[1], 'last', now, 'tokens', left)"));
        assert_eq!(sha1_hex(SCRIPT).len(), 40);
    }

    #[test]
    fn reads_the_wait_as_go_does() {
        let reply = |wait: &str| {
            Reply::Array(Some(vec![
                Reply::Bulk(Some(b"true".to_vec())),
                Reply::Bulk(Some(wait.as_bytes().to_vec())),
                Reply::Bulk(Some(b"-1".to_vec())),
            ]))
        };
        assert_eq!(parse_wait(&reply("0")), Some(Duration::ZERO));
        assert_eq!(
            parse_wait(&reply("12000000")),
            Some(Duration::from_secs(12))
        );
        assert_eq!(parse_wait(&reply("1.2e+07")), Some(Duration::from_secs(12)));
        assert_eq!(
            parse_wait(&reply("400000.5")),
            Some(Duration::from_nanos(400_000_500))
        );
        assert_eq!(parse_wait(&Reply::Int(1)), None);
    }

    #[test]
    fn sources_are_spelt_as_traefik() {
        let mut v4 = [0u8; 17];
        v4[..5].copy_from_slice(&[4, 192, 0, 2, 1]);
        let mut out = b"rate:rl@file:".to_vec();
        push_source(&mut out, &Key::Ip(v4, 5));
        assert_eq!(out, b"rate:rl@file:192.0.2.1");
        let mut v6 = [0u8; 17];
        v6[0] = 6;
        v6[1..].copy_from_slice(
            &"2001:db8::1"
                .parse::<std::net::Ipv6Addr>()
                .expect("ip")
                .octets(),
        );
        let mut out = Vec::new();
        push_source(&mut out, &Key::Ip(v6, 17));
        assert_eq!(out, b"2001:db8::1");
        let mut out = Vec::new();
        push_source(&mut out, &Key::Owned(b"\0not-an-ip".to_vec()));
        assert_eq!(out, b"not-an-ip");
    }
}
