//! `circuitBreaker`, as Traefik builds it on vulcand/oxy's `cbreaker`: in **standby** every
//! response is counted ([`window::Metrics`]) and, at most once per `checkPeriod`, the
//! expression is evaluated; when it holds the breaker **trips**: for `fallbackDuration` every
//! request is answered `responseCode` (with Go's status text) without reaching the service.
//! Then it **recovers** for `recoveryDuration`: a linearly growing share of requests goes
//! through (oxy's ratio controller), the others still get the fallback; after that, standby
//! again. One breaker per router (see `PerRouter`).
//!
//! Standby costs an atomic load before the service and one short lock after it; the rest of
//! the chain is wrapped only for `LatencyAtQuantileMS`.

mod latency;
mod window;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::StatusCode;
use waygate_config::dynamic::middleware::{CircuitBreaker as Config, Predicate};

use super::Flow;
use super::around::Next;
use super::go_text::status_text;
use crate::{Request, Response};

use self::window::Metrics;

/// A compiled `circuitBreaker`: one per router.
#[derive(Debug)]
pub struct CircuitBreaker {
    /// As written, for the log line when it trips.
    expression: std::sync::Arc<str>,
    predicate: Predicate,
    check_period: Duration,
    fallback: Duration,
    recovery: Duration,
    response_code: StatusCode,
    /// Whether the expression reads latencies (`LatencyAtQuantileMS`).
    times_latency: bool,
    /// The fast path: true while in standby.
    standby: AtomicBool,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    /// End of the current trip or recovery.
    until: Instant,
    /// No evaluation before this.
    next_check: Instant,
    metrics: Metrics,
    ramp: Ramp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Standby,
    Tripped,
    Recovering,
}

/// oxy's `ratioController`: lets through a share of requests growing linearly from 0 to
/// one in two over the recovery.
#[derive(Debug)]
struct Ramp {
    start: Instant,
    allowed: u64,
    denied: u64,
}

// === impl CircuitBreaker ===

impl CircuitBreaker {
    pub fn new(cfg: &Config) -> Result<Self, String> {
        let predicate = cfg
            .parsed_expression()
            .map_err(|e| format!("expression: invalid expression: {e}"))?;
        let code = u16::try_from(cfg.response_code)
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
            .ok_or_else(|| {
                format!(
                    "responseCode: {} is not an HTTP status code",
                    cfg.response_code
                )
            })?;
        // Traefik passes each duration to oxy only when positive; oxy's defaults otherwise.
        let or = |d: waygate_config::types::Duration, default: u64| {
            d.to_std()
                .filter(|d| !d.is_zero())
                .unwrap_or(Duration::from_millis(default))
        };
        Ok(Self::with(
            cfg.expression.as_str().into(),
            predicate,
            or(cfg.check_period, 100),
            or(cfg.fallback_duration, 10_000),
            or(cfg.recovery_duration, 10_000),
            code,
        ))
    }

    fn with(
        expression: std::sync::Arc<str>,
        predicate: Predicate,
        check_period: Duration,
        fallback: Duration,
        recovery: Duration,
        response_code: StatusCode,
    ) -> Self {
        let now = Instant::now();
        let metrics = Metrics::new(&predicate, now);
        let times_latency = metrics.times_latency();
        Self {
            expression,
            predicate,
            check_period,
            fallback,
            recovery,
            response_code,
            times_latency,
            standby: AtomicBool::new(true),
            state: Mutex::new(State {
                phase: Phase::Standby,
                until: now,
                next_check: now,
                metrics,
                ramp: Ramp::new(now),
            }),
        }
    }

    /// A fresh breaker with the same settings, for another router.
    pub(super) fn for_router(&self) -> Self {
        Self::with(
            self.expression.clone(),
            self.predicate.clone(),
            self.check_period,
            self.fallback,
            self.recovery,
            self.response_code,
        )
    }

    /// Before the rest of the chain: the fallback while open. Only an expression that
    /// reads latencies needs to wrap the rest ([`Flow::Wrap`], to time it); otherwise the
    /// outcome is counted in the response phase, which sees the same responses (the rest
    /// of the chain's and the service's, not its own fallback).
    pub(super) fn request(&self) -> Flow {
        if !self.standby.load(Ordering::Acquire) && self.open(Instant::now()) {
            return Flow::Respond(self.fallback_response());
        }
        if self.times_latency {
            Flow::Wrap
        } else {
            Flow::Next
        }
    }

    /// The response phase: counts the outcome (when not wrapping).
    pub(super) fn response(&self, resp: &Response) {
        if !self.times_latency {
            self.record(Instant::now(), resp.status().as_u16(), Duration::ZERO);
        }
    }

    /// Wrapping, for expressions that read latencies: times the rest of the chain.
    pub(super) async fn wrap(&self, req: Request, next: &mut Next<'_>) -> Response {
        let start = Instant::now();
        let resp = next.run(req).await;
        // oxy measures until the handler returns; here, until the response head.
        let now = Instant::now();
        self.record(now, resp.status().as_u16(), now - start);
        resp
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the request gets the fallback (oxy's `activateFallback`).
    fn open(&self, now: Instant) -> bool {
        if self.standby.load(Ordering::Acquire) {
            return false;
        }
        let mut s = self.lock();
        if s.phase == Phase::Tripped {
            if now < s.until {
                return true;
            }
            s.phase = Phase::Recovering;
            s.until = now + self.recovery;
            s.ramp = Ramp::new(now);
        }
        match s.phase {
            Phase::Standby => false,
            Phase::Recovering if now > s.until => {
                s.phase = Phase::Standby;
                self.standby.store(true, Ordering::Release);
                false
            }
            _ => !s.ramp.allow(now, self.recovery),
        }
    }

    /// Counts a response, then evaluates the expression if in standby and due (oxy's
    /// `checkAndSet`).
    fn record(&self, now: Instant, status: u16, latency: Duration) {
        let mut s = self.lock();
        s.metrics.record(now, status, latency);
        if s.phase != Phase::Standby || now < s.next_check {
            return;
        }
        s.next_check = now + self.check_period;
        if !s.metrics.eval(&self.predicate, now) {
            return;
        }
        tracing::warn!(
            expression = %self.expression,
            fallback = ?self.fallback,
            "circuit breaker tripped"
        );
        s.phase = Phase::Tripped;
        s.until = now + self.fallback;
        s.metrics.reset(now);
        self.standby.store(false, Ordering::Release);
    }

    /// Traefik's fallback: the status and Go's text for it.
    fn fallback_response(&self) -> Response {
        let text = status_text(self.response_code.as_u16()).unwrap_or("");
        crate::rescue::text(self.response_code, text)
    }
}

// === impl Ramp ===

impl Ramp {
    fn new(start: Instant) -> Self {
        Self {
            start,
            allowed: 0,
            denied: 0,
        }
    }

    fn allow(&mut self, now: Instant, duration: Duration) -> bool {
        // oxy: the target reaches 0.5 at the end, "the same as 1" for a ratio a/(a+d).
        let target = 0.5 * now.saturating_duration_since(self.start).as_secs_f64()
            / duration.as_secs_f64().max(f64::MIN_POSITIVE);
        let ratio = (self.allowed + 1) as f64 / (self.allowed + 1 + self.denied) as f64;
        if ratio < target {
            self.allowed += 1;
            true
        } else {
            self.denied += 1;
            false
        }
    }
}

#[cfg(test)]
mod tests;
