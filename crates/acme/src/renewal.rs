//! When certificates are renewed (reference §9): the renewal period before expiry and the
//! check interval both follow `certificatesDuration`, Traefik's table.

use std::time::{Duration, SystemTime};

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

/// Renewal timing for one resolver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renewal {
    /// Renew once fewer than this remains before `NotAfter`.
    pub period: Duration,
    /// How often stored certificates are checked.
    pub interval: Duration,
}

// === impl Renewal ===

impl Renewal {
    /// The row of Traefik's table for `certificatesDuration` (hours).
    pub fn for_duration_hours(hours: i64) -> Self {
        let (period, interval) = match hours {
            h if h >= 365 * 24 => (120 * DAY, 7 * DAY),
            h if h >= 3 * 30 * 24 => (30 * DAY, DAY),
            h if h >= 30 * 24 => (10 * DAY, 12 * HOUR),
            h if h >= 6 * 24 => (2 * DAY, 2 * HOUR),
            h if h >= 24 => (6 * HOUR, 10 * 60),
            _ => (20 * 60, 60),
        };
        Self {
            period: Duration::from_secs(period),
            interval: Duration::from_secs(interval),
        }
    }

    /// Whether a certificate valid until `not_after` is due at `now`.
    pub fn due(&self, not_after: SystemTime, now: SystemTime) -> bool {
        not_after < now + self.period
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traefik_table() {
        let row = |h| {
            let r = Renewal::for_duration_hours(h);
            (r.period.as_secs(), r.interval.as_secs())
        };
        assert_eq!(row(8760), (120 * DAY, 7 * DAY));
        assert_eq!(row(2160), (30 * DAY, DAY), "the default, 90 days");
        assert_eq!(row(2159), (10 * DAY, 12 * HOUR));
        assert_eq!(row(720), (10 * DAY, 12 * HOUR));
        assert_eq!(row(144), (2 * DAY, 2 * HOUR));
        assert_eq!(row(24), (6 * HOUR, 600));
        assert_eq!(row(23), (1200, 60));
    }

    #[test]
    fn due_inside_the_window_only() {
        let r = Renewal::for_duration_hours(2160);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert!(r.due(now + Duration::from_secs(29 * DAY), now));
        assert!(!r.due(now + Duration::from_secs(31 * DAY), now));
        assert!(r.due(now - Duration::from_secs(1), now), "expired");
    }
}
