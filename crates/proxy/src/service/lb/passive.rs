//! `passiveHealthCheck` (Traefik's passive health checker): a server whose live requests fail
//! (no answer, or a 5xx) `maxFailedAttempts` times within `failureWindow` leaves the
//! rotation. Without an active `healthCheck` it returns after `failureWindow`; with one, the
//! active check brings it back. A success clears the server's failures.
//!
//! Only services that configure it pay for it: successes touch one atomic flag.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tracing::info;

#[derive(Debug)]
pub(crate) struct Passive {
    window: Duration,
    max_failed: usize,
    /// An active health check owns bringing servers back.
    active: bool,
    servers: Vec<Failures>,
}

#[derive(Debug, Default)]
struct Failures {
    /// Set while `times` is not empty, so successes need no lock.
    any: AtomicBool,
    times: Mutex<VecDeque<Instant>>,
    /// Taken out by this checker, waiting for the window to end.
    tripped: Arc<AtomicBool>,
}

// === impl Passive ===

impl Passive {
    pub(crate) fn new(window: Duration, max_failed: u32, active: bool, servers: usize) -> Self {
        Self {
            window,
            max_failed: max_failed as usize,
            active,
            servers: (0..servers).map(|_| Failures::default()).collect(),
        }
    }

    /// Records the outcome of a request to server `i`, whose health flag is `up`.
    pub(crate) fn record(
        &self,
        i: usize,
        failed: bool,
        up: &Arc<AtomicBool>,
        service: &str,
        url: &str,
    ) {
        let Some(f) = self.servers.get(i) else {
            return;
        };
        if !failed {
            if f.any.load(Ordering::Relaxed) {
                f.times
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clear();
                f.any.store(false, Ordering::Relaxed);
            }
            return;
        }
        let now = Instant::now();
        let failures = {
            let mut times = f.times.lock().unwrap_or_else(PoisonError::into_inner);
            times.push_back(now);
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                times.pop_front();
            }
            f.any.store(true, Ordering::Relaxed);
            times.len()
        };
        if failures < self.max_failed {
            return;
        }
        if self.active {
            if up.swap(false, Ordering::Relaxed) {
                info!(%service, %url, failures, "passive health check: server is now DOWN");
            }
            return;
        }
        if f.tripped.swap(true, Ordering::Relaxed) {
            return;
        }
        up.store(false, Ordering::Relaxed);
        info!(%service, %url, failures, "passive health check: server is now DOWN");
        let (up, tripped, window) = (up.clone(), f.tripped.clone(), self.window);
        let (service, url) = (service.to_string(), url.to_string());
        tokio::spawn(async move {
            tokio::time::sleep(window).await;
            up.store(true, Ordering::Relaxed);
            tripped.store(false, Ordering::Relaxed);
            info!(%service, %url, "passive health check: server is now UP");
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn trips_after_max_failures_and_returns_after_the_window() {
        let p = Passive::new(Duration::from_millis(200), 2, false, 1);
        let up = Arc::new(AtomicBool::new(true));
        p.record(0, true, &up, "s", "u");
        p.record(0, false, &up, "s", "u");
        p.record(0, true, &up, "s", "u");
        assert!(up.load(Ordering::Relaxed), "a success in between resets");
        p.record(0, true, &up, "s", "u");
        assert!(!up.load(Ordering::Relaxed));
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(up.load(Ordering::Relaxed), "back after the window");
    }
}
