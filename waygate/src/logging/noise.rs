//! Log lines that clients can trigger at will must not let an attacker drive our log: the
//! protocol libraries (`h2`, `hyper`, `rustls`) warn once per misbehaving connection (15 s
//! of HTTP/2 rapid reset once wrote 31,171 WARN lines). Their events pass at most
//! [`PER_WINDOW`] times per call site per [`WINDOW`]; the rest are counted, and a summary
//! line says how many were suppressed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tracing::callsite::Identifier;
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Events per call site let through in each window.
pub(crate) const PER_WINDOW: u32 = 5;
/// The window, and how often the summary is written.
pub(crate) const WINDOW: Duration = Duration::from_secs(10);

/// The layer that rate-limits client-driven events.
#[derive(Clone, Default)]
pub(crate) struct ClientNoise {
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    /// Per call site: when its window started and how many passed in it.
    seen: Mutex<HashMap<Identifier, (Instant, u32)>>,
    /// Suppressed since the last summary, and in all.
    suppressed: AtomicU64,
    total: AtomicU64,
}

// === impl ClientNoise ===

impl ClientNoise {
    /// Writes the summary every [`WINDOW`] (from its own thread, so it works before and
    /// after the async runtime).
    pub(crate) fn start_summary(&self) {
        let state = self.state.clone();
        let spawned = std::thread::Builder::new()
            .name("log-summary".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(WINDOW);
                    let n = state.suppressed.swap(0, Ordering::Relaxed);
                    if n > 0 {
                        tracing::warn!(
                            target: "waygate::log",
                            suppressed = n,
                            total = state.total.load(Ordering::Relaxed),
                            "suppressed {n} repeated log lines caused by client or upstream protocol errors in the last {}s",
                            WINDOW.as_secs()
                        );
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the log summary thread");
        }
    }

    /// Whether an event of this call site may be written now.
    fn admit(&self, id: Identifier) -> bool {
        let now = Instant::now();
        let mut seen = self
            .state
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let (start, count) = seen.entry(id).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        *count += 1;
        if *count <= PER_WINDOW {
            return true;
        }
        self.state.suppressed.fetch_add(1, Ordering::Relaxed);
        self.state.total.fetch_add(1, Ordering::Relaxed);
        false
    }
}

/// The libraries whose events peers can cause.
fn client_driven(target: &str) -> bool {
    ["h2", "hyper", "rustls", "tokio_rustls"]
        .iter()
        .any(|t| target == *t || target.strip_prefix(t).is_some_and(|r| r.starts_with("::")))
}

impl<S: Subscriber> Layer<S> for ClientNoise {
    fn event_enabled(&self, event: &Event<'_>, _ctx: Context<'_, S>) -> bool {
        let meta = event.metadata();
        !client_driven(meta.target()) || self.admit(meta.callsite())
    }
}

#[cfg(test)]
mod tests {
    use super::{ClientNoise, PER_WINDOW, client_driven};

    #[test]
    fn only_library_targets_are_limited() {
        assert!(client_driven("h2"));
        assert!(client_driven("h2::proto::streams::recv"));
        assert!(client_driven("rustls::server"));
        assert!(!client_driven("h2o"));
        assert!(!client_driven("waygate_proxy::entrypoint"));
    }

    #[test]
    fn a_call_site_passes_a_few_times_per_window() {
        let noise = ClientNoise::default();
        let id = tracing::callsite::Identifier(&CALLSITE);
        let passed = (0..100).filter(|_| noise.admit(id.clone())).count();
        assert_eq!(passed, PER_WINDOW as usize);
        assert_eq!(
            noise
                .state
                .suppressed
                .load(std::sync::atomic::Ordering::Relaxed),
            100 - u64::from(PER_WINDOW)
        );
    }

    struct Site;
    static CALLSITE: Site = Site;
    impl tracing::Callsite for Site {
        fn set_interest(&self, _: tracing::subscriber::Interest) {}
        fn metadata(&self) -> &tracing::Metadata<'_> {
            unimplemented!("not used by the limiter")
        }
    }
}
