//! The breaker's state machine with a hand-driven clock.

use super::*;
use waygate_config::dynamic::middleware::{PredicateDialect, parse_predicate};

const S: Duration = Duration::from_secs(1);

fn breaker(expr: &str) -> CircuitBreaker {
    let p = parse_predicate(expr, PredicateDialect::CircuitBreaker).expect("valid");
    CircuitBreaker::with(
        expr.into(),
        p,
        Duration::from_millis(100),
        10 * S,
        10 * S,
        StatusCode::SERVICE_UNAVAILABLE,
    )
}

#[test]
fn trips_falls_back_recovers_linearly_then_standby() {
    let cb = breaker("NetworkErrorRatio() > 0.5");
    let t0 = Instant::now();
    assert!(!cb.open(t0));
    cb.record(t0, 200, S / 100);
    cb.record(t0, 502, S / 100);
    assert!(!cb.open(t0), "checked at the first response: 0 of 1");
    cb.record(t0 + S / 20, 502, S / 100);
    assert!(!cb.open(t0 + S / 20), "within checkPeriod: not evaluated");
    let t1 = t0 + S / 5;
    cb.record(t1, 502, S / 100);
    assert!(cb.open(t1), "3 of 4: tripped");
    assert!(cb.open(t1 + 9 * S), "fallbackDuration");
    // Recovery: about `0.5 * elapsed / recovery` of requests pass.
    let mut passed = Vec::new();
    let mut t = t1 + 10 * S;
    for _ in 0..100 {
        passed.push(!cb.open(t));
        t += S / 10;
    }
    let first: usize = passed[..50].iter().filter(|p| **p).count();
    let second: usize = passed[50..].iter().filter(|p| **p).count();
    assert!(first > 0 && second > first, "{first} then {second}");
    assert!(!passed[0], "nothing passes at the start of the recovery");
    // Past the recovery: standby, everything passes.
    assert!(!cb.open(t + S));
    assert!(cb.standby.load(Ordering::Relaxed));
    assert!(!cb.open(t + S));
}

#[test]
fn metrics_restart_after_a_trip() {
    let cb = breaker("ConsecutiveErrors() > 1");
    let t0 = Instant::now();
    cb.record(t0, 500, S);
    cb.record(t0 + S, 500, S);
    assert!(cb.open(t0 + S));
    // Recovery begins with the first request after the fallback (oxy), and ends.
    assert!(cb.open(t0 + 12 * S), "recovery starts at 0%");
    assert!(!cb.open(t0 + 30 * S));
    // The streak starts from zero.
    cb.record(t0 + 30 * S, 500, S);
    assert!(!cb.open(t0 + 30 * S));
}

#[test]
fn fallback_is_the_status_with_gos_text() {
    let cb = breaker("NetworkErrorRatio() > 0.5");
    let r = cb.fallback_response();
    assert_eq!(r.status(), 503);
    assert!(matches!(r.body(), crate::Body::Full(Some(b)) if b == "Service Unavailable"));
}
