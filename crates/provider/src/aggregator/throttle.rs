//! Per-provider throttling (reference §10): a provider's first snapshot passes at once; after
//! each pass the provider is held for one window, during which only its newest snapshot is
//! kept (a 1-slot buffer), to pass when the window ends. The internal provider is never held.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::internal::INTERNAL;
use crate::snapshot::Snapshot;

#[derive(Debug)]
pub(super) struct Throttle {
    window: Duration,
    slots: BTreeMap<String, Slot>,
}

#[derive(Debug, Default)]
struct Slot {
    /// End of the current window, if one is open.
    until: Option<Instant>,
    /// The newest snapshot received during the window.
    pending: Option<Snapshot>,
}

// === impl Throttle ===

impl Throttle {
    pub(super) fn new(window: Duration) -> Self {
        Self {
            window,
            slots: BTreeMap::new(),
        }
    }

    /// Returns the snapshot when it may be applied now; otherwise keeps it (replacing an
    /// older pending one) until its provider's window ends.
    pub(super) fn offer(&mut self, snap: Snapshot, now: Instant) -> Option<Snapshot> {
        if self.window.is_zero() || snap.provider == INTERNAL {
            return Some(snap);
        }
        let slot = self.slots.entry(snap.provider.clone()).or_default();
        match slot.until {
            Some(until) if now < until => {
                slot.pending = Some(snap);
                None
            }
            _ => {
                slot.until = Some(now + self.window);
                Some(snap)
            }
        }
    }

    /// When the earliest held snapshot becomes due.
    pub(super) fn next_due(&self) -> Option<Instant> {
        self.slots
            .values()
            .filter(|s| s.pending.is_some())
            .filter_map(|s| s.until)
            .min()
    }

    /// Held snapshots whose window has ended; each opens a new window.
    pub(super) fn due(&mut self, now: Instant) -> Vec<Snapshot> {
        let mut out = Vec::new();
        for slot in self.slots.values_mut() {
            if slot.until.is_some_and(|u| u <= now)
                && let Some(snap) = slot.pending.take()
            {
                slot.until = Some(now + self.window);
                out.push(snap);
            }
        }
        out
    }

    /// Everything still held (when the input closes).
    pub(super) fn drain(&mut self) -> Vec<Snapshot> {
        self.slots
            .values_mut()
            .filter_map(|s| s.pending.take())
            .collect()
    }
}
