//! Timestamps as Go prints them, in UTC: RFC 3339 with nanoseconds (`StartUTC`), RFC 3339
//! (`time`), and CLF (`02/Jan/2006:15:04:05 -0700`). Waygate does not read the host's time
//! zone: `StartLocal` is written in UTC too (docs/compat.md).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::format::push_padded;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A UTC instant split into calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) min: u32,
    pub(crate) sec: u32,
    pub(crate) nanos: u32,
}

// === impl Civil ===

impl Civil {
    pub(crate) fn from(t: SystemTime) -> Self {
        let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = i64::try_from(d.as_secs()).unwrap_or(0);
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            min: (rem / 60 % 60) as u32,
            sec: (rem % 60) as u32,
            nanos: d.subsec_nanos(),
        }
    }

    /// `2006-01-02T15:04:05.999999999Z` (trailing zeros of the fraction dropped, as Go).
    pub(crate) fn rfc3339_nano(&self, out: &mut String) {
        self.date_time(out);
        if self.nanos != 0 {
            let (mut nanos, mut width) = (self.nanos, 9);
            while nanos % 10 == 0 {
                nanos /= 10;
                width -= 1;
            }
            out.push('.');
            push_padded(out, u64::from(nanos), width);
        }
        out.push('Z');
    }

    /// `2006-01-02T15:04:05Z`.
    pub(crate) fn rfc3339(&self, out: &mut String) {
        self.date_time(out);
        out.push('Z');
    }

    fn date_time(&self, out: &mut String) {
        push_padded(out, self.year.max(0) as u64, 4);
        out.push('-');
        push_padded(out, u64::from(self.month), 2);
        out.push('-');
        push_padded(out, u64::from(self.day), 2);
        out.push('T');
        self.clock(out);
    }

    /// `15:04:05`.
    fn clock(&self, out: &mut String) {
        push_padded(out, u64::from(self.hour), 2);
        out.push(':');
        push_padded(out, u64::from(self.min), 2);
        out.push(':');
        push_padded(out, u64::from(self.sec), 2);
    }

    /// `02/Jan/2006:15:04:05 +0000`.
    pub(crate) fn clf(&self, out: &mut String) {
        let month = MONTHS[(self.month as usize).saturating_sub(1) % 12];
        push_padded(out, u64::from(self.day), 2);
        out.push('/');
        out.push_str(month);
        out.push('/');
        push_padded(out, self.year.max(0) as u64, 4);
        out.push(':');
        self.clock(out);
        out.push_str(" +0000");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_like_go() {
        // 2024-02-29T23:59:58.120Z
        let t = UNIX_EPOCH + Duration::new(1_709_251_198, 120_000_000);
        let c = Civil::from(t);
        let mut s = String::new();
        c.rfc3339_nano(&mut s);
        assert_eq!(s, "2024-02-29T23:59:58.12Z");
        s.clear();
        c.clf(&mut s);
        assert_eq!(s, "29/Feb/2024:23:59:58 +0000");
        s.clear();
        Civil::from(UNIX_EPOCH).rfc3339_nano(&mut s);
        assert_eq!(s, "1970-01-01T00:00:00Z");
        s.clear();
        Civil::from(UNIX_EPOCH + Duration::new(5, 1)).rfc3339_nano(&mut s);
        assert_eq!(s, "1970-01-01T00:00:05.000000001Z");
        s.clear();
        Civil::from(t).rfc3339(&mut s);
        assert_eq!(s, "2024-02-29T23:59:58Z");
    }
}
