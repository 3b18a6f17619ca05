//! The bucket arithmetic against golang.org/x/time/rate as Traefik uses it, the 429's headers,
//! and the bound on sources.

use super::*;
use crate::middleware::test_request;
use waygate_config::dynamic::middleware::SourceCriterion;
use waygate_config::types::Duration as GoDuration;

const MS: u64 = 1_000_000;
const S: u64 = 1_000 * MS;

fn rate(average: u64, period: u64, burst: i64) -> Rate {
    Rate::new(average, period, burst)
}

#[test]
fn max_delay_follows_traefik() {
    assert_eq!(rate(100, S, 1).max_delay, 5 * MS);
    assert_eq!(rate(1, S, 1).max_delay, 500 * MS);
    // 100 per minute is 1.67/s, truncated to 1: 500 ms.
    assert_eq!(rate(100, 60 * S, 50).max_delay, 500 * MS);
    assert_eq!(rate(3, S, 1).max_delay, 166_666_666);
    // Below one per second: 500 ms.
    assert_eq!(rate(5, 60 * S, 1).max_delay, 500 * MS);
}

#[test]
fn a_burst_then_refusals_until_a_token_is_back() {
    let b = Buckets::new(4096);
    let r = rate(5, 60 * S, 3);
    let key = b"k";
    for _ in 0..3 {
        assert_eq!(b.take(key, 0, r), Take::Now);
    }
    // The bucket is empty: the next token is 12 s away.
    assert_eq!(b.take(key, 0, r), Take::Refused(12 * S));
    // Refusals take nothing.
    assert_eq!(b.take(key, 2 * S, r), Take::Refused(10 * S));
    // Within the 500 ms max delay of the next token: delayed, and it is taken.
    assert_eq!(b.take(key, 11_600 * MS, r), Take::After(400 * MS));
    assert_eq!(b.take(key, 11_600 * MS, r), Take::Refused(12_400 * MS));
    // 36 s after the burst the bucket is full again.
    for _ in 0..3 {
        assert_eq!(b.take(key, 48 * S, r), Take::Now);
    }
    assert!(matches!(b.take(key, 48 * S, r), Take::Refused(_)));
}

#[test]
fn short_waits_are_delayed_as_golang_rate_does() {
    // 10/s, burst 1: a token every 100 ms, max delay 50 ms.
    let b = Buckets::new(4096);
    let r = rate(10, S, 1);
    assert_eq!(b.take(b"k", 0, r), Take::Now);
    assert_eq!(b.take(b"k", 60 * MS, r), Take::After(40 * MS));
    assert_eq!(b.take(b"k", 61 * MS, r), Take::Refused(139 * MS));
    assert_eq!(b.take(b"k", 200 * MS, r), Take::Now);
    // Other sources have their own buckets.
    assert_eq!(b.take(b"other", 200 * MS, r), Take::Now);
}

#[test]
fn the_429_carries_retry_after_and_x_retry_in() {
    let resp = too_many_requests(59_999_123_456);
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "60");
    assert_eq!(resp.headers()["x-retry-in"], "59.999123456s");
    let resp = too_many_requests(12 * S);
    assert_eq!(resp.headers()["retry-after"], "12");
    assert_eq!(resp.headers()["x-retry-in"], "12s");
    assert_eq!(
        GoDuration::from_nanos(600 * MS as i64).to_string(),
        "600ms",
        "Go's spelling below a second"
    );
    assert_eq!(too_many_requests(90 * S).headers()["x-retry-in"], "1m30s");
}

#[test]
fn sources_are_bounded_and_refilled_buckets_go_first() {
    let b = Buckets::new(128);
    let r = rate(1, 60 * S, 2);
    // Fill every shard beyond its bound with sources that each took one token at t=0.
    for i in 0..(128 * SHARDS * 2) as u32 {
        b.take(&i.to_be_bytes(), 0, r);
    }
    assert!(b.full_at.len() <= 128 * SHARDS);
    // The busiest source keeps its state while others come and go: it is refused.
    let hot = b"hot";
    b.take(hot, 0, r);
    b.take(hot, 0, r);
    for i in 0..(128 * SHARDS) as u32 {
        b.take(&(1_000_000 + i).to_be_bytes(), 30 * S, r);
    }
    assert!(matches!(b.take(hot, 30 * S, r), Take::Refused(_)));
    // A minute later every bucket is full again: new sources replace them wholesale.
    for i in 0..(128 * SHARDS) as u32 {
        b.take(&(2_000_000 + i).to_be_bytes(), 200 * S, r);
    }
    assert!(b.full_at.len() <= 128 * SHARDS);
}

#[test]
fn builds_like_traefik() {
    let cfg = |yaml_average: i64, burst: i64| Config {
        average: yaml_average,
        burst,
        ..Config::default()
    };
    // average 0: unlimited.
    let m = RateLimit::new("rl@test", &cfg(0, 1)).expect("build");
    assert!(m.limits.rate.is_none());
    // burst 0 counts as 1.
    let m = RateLimit::new("rl@test", &cfg(10, 0)).expect("build");
    assert_eq!(m.limits.rate.map(|r| r.tolerance), Some(100 * MS));
    // Distributed mode builds without I/O (connections are made on first use).
    let redis = |average| Config {
        redis: Some(Default::default()),
        ..cfg(average, 1)
    };
    let m = RateLimit::new("rl@test", &redis(10)).expect("redis");
    assert!(m.redis.is_some() && m.for_router().redis.is_some());
    // average 0 needs no Redis.
    let m = RateLimit::new("rl@test", &redis(0)).expect("redis");
    assert!(m.redis.is_none());
    let e = RateLimit::new(
        "rl@test",
        &Config {
            source_criterion: Some(SourceCriterion {
                request_header_name: "X".into(),
                request_host: true,
                ..Default::default()
            }),
            ..cfg(10, 1)
        },
    )
    .expect_err("exclusive");
    assert!(e.contains("mutually exclusive"), "{e}");
}

#[test]
fn requests_from_one_address_share_a_bucket_per_router() {
    let m = RateLimit::new(
        "rl@test",
        &Config {
            average: 1,
            period: GoDuration::from_secs(60),
            burst: 2,
            ..Config::default()
        },
    )
    .expect("build");
    let ctx = |ip: &str| MwCtx {
        tls: false,
        remote: ip.parse().expect("ip"),
    };
    let req = test_request("/");
    assert!(matches!(m.request(&req, ctx("10.0.0.1")), Flow::Next));
    assert!(matches!(m.request(&req, ctx("10.0.0.1")), Flow::Next));
    let Flow::Respond(resp) = m.request(&req, ctx("10.0.0.1")) else {
        panic!("the third request is refused");
    };
    assert_eq!(resp.status(), 429);
    assert!(matches!(m.request(&req, ctx("10.0.0.2")), Flow::Next));
    // Another router's instance starts full.
    let other = m.for_router();
    assert!(matches!(other.request(&req, ctx("10.0.0.1")), Flow::Next));
}
