//! Timestamps as Go prints them, in UTC: RFC 3339 with nanoseconds (`StartUTC`), RFC 3339
//! (`time`), and CLF (`02/Jan/2006:15:04:05 -0700`). Waygate does not read the host's time
//! zone: `StartLocal` is written in UTC too (docs/compat.md).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::format::{Ascii, push_padded};

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
        let (secs, nanos) = split(t);
        Self::from_parts(secs, nanos)
    }

    fn from_parts(secs: i64, nanos: u32) -> Self {
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
            nanos,
        }
    }

    /// `2006-01-02T15:04:05.999999999Z` (trailing zeros of the fraction dropped, as Go).
    pub(crate) fn rfc3339_nano(&self, out: &mut impl Ascii) {
        self.date_time(out);
        fraction(self.nanos, out);
    }

    /// `2006-01-02T15:04:05Z` (the writer goes through [`SecondCache::rfc3339`]).
    #[cfg(test)]
    pub(crate) fn rfc3339(&self, out: &mut impl Ascii) {
        self.date_time(out);
        out.ascii(b"Z");
    }

    fn date_time(&self, out: &mut impl Ascii) {
        out.ascii(&self.date_time_text());
    }

    /// `2006-01-02T15:04:05`.
    fn date_time_text(&self) -> [u8; 19] {
        let mut b = *b"0000-00-00T00:00:00";
        // The last four digits, as `push_padded` cuts them.
        let year = (self.year.max(0) % 10_000) as u32;
        b[0] = digit(year / 1000);
        b[1] = digit(year / 100);
        b[2] = digit(year / 10);
        b[3] = digit(year);
        two(&mut b[5..7], self.month);
        two(&mut b[8..10], self.day);
        two(&mut b[11..13], self.hour);
        two(&mut b[14..16], self.min);
        two(&mut b[17..19], self.sec);
        b
    }

    /// `15:04:05`.
    fn clock(&self, out: &mut impl Ascii) {
        let mut b = *b"00:00:00";
        two(&mut b[0..2], self.hour);
        two(&mut b[3..5], self.min);
        two(&mut b[6..8], self.sec);
        out.ascii(&b);
    }

    /// `02/Jan/2006:15:04:05 +0000`.
    pub(crate) fn clf(&self, out: &mut impl Ascii) {
        let month = MONTHS[(self.month as usize).saturating_sub(1) % 12];
        push_padded(out, u64::from(self.day), 2);
        out.ascii(b"/");
        out.ascii(month.as_bytes());
        out.ascii(b"/");
        push_padded(out, self.year.max(0) as u64, 4);
        out.ascii(b":");
        self.clock(out);
        out.ascii(b" +0000");
    }
}

/// The date and clock of the last second a cache wrote (`2006-01-02T15:04:05`): the lines
/// of one second share it, and splitting an instant into calendar fields was most of a
/// timestamp's cost.
#[derive(Debug, Default)]
pub(crate) struct SecondCache {
    secs: Option<i64>,
    text: [u8; 19],
}

/// The writer's caches: one for the requests' start, one for the lines' `time`.
#[derive(Debug, Default)]
pub(crate) struct Stamps {
    pub(crate) start: SecondCache,
    pub(crate) now: SecondCache,
}

// === impl SecondCache ===

impl SecondCache {
    /// [`Civil::rfc3339_nano`] of `t`.
    pub(crate) fn rfc3339_nano(&mut self, t: SystemTime, out: &mut impl Ascii) {
        let (secs, nanos) = split(t);
        out.ascii(self.date_time(secs));
        fraction(nanos, out);
    }

    /// [`Civil::rfc3339`] of `t`.
    pub(crate) fn rfc3339(&mut self, t: SystemTime, out: &mut impl Ascii) {
        let (secs, _) = split(t);
        out.ascii(self.date_time(secs));
        out.ascii(b"Z");
    }

    fn date_time(&mut self, secs: i64) -> &[u8; 19] {
        if self.secs != Some(secs) {
            self.text = Civil::from_parts(secs, 0).date_time_text();
            self.secs = Some(secs);
        }
        &self.text
    }
}

/// Seconds since the epoch (0 before it, as Go's zero) and the nanoseconds within.
fn split(t: SystemTime) -> (i64, u32) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    (i64::try_from(d.as_secs()).unwrap_or(0), d.subsec_nanos())
}

/// `.999999999Z` (trailing zeros of the fraction dropped, as Go; none for a whole second):
/// nine digits into a fixed buffer, cut after the last non-zero one (no loop of divisions
/// to count the zeros first, no copy of a variable length).
fn fraction(nanos: u32, out: &mut impl Ascii) {
    if nanos == 0 {
        out.ascii(b"Z");
        return;
    }
    let mut b = *b".000000000Z";
    // Two digits at a time: four pairs and the last digit.
    let n = nanos % 1_000_000_000;
    let (mut high, low) = (n / 10, n % 10);
    for at in [7, 5, 3, 1] {
        two(&mut b[at..at + 2], high % 100);
        high /= 100;
    }
    b[9] = digit(low);
    // `nanos` is not zero: a digit other than `0` stops the walk before the dot.
    let mut end = 10;
    while end > 1 && b[end - 1] == b'0' {
        end -= 1;
    }
    b[end] = b'Z';
    out.ascii_head(&b, end + 1);
}

/// The last decimal digit of `n`.
fn digit(n: u32) -> u8 {
    b'0' + (n % 10) as u8
}

/// The last two decimal digits of `n`.
fn two(b: &mut [u8], n: u32) {
    b[0] = digit(n / 10);
    b[1] = digit(n);
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
        for (nanos, text) in [(123_456_789, ".123456789Z"), (100_200_300, ".1002003Z")] {
            s.clear();
            Civil::from(UNIX_EPOCH + Duration::new(5, nanos)).rfc3339_nano(&mut s);
            assert_eq!(s, format!("1970-01-01T00:00:05{text}"));
        }
        s.clear();
        Civil::from(t).rfc3339(&mut s);
        assert_eq!(s, "2024-02-29T23:59:58Z");
    }

    #[test]
    fn the_second_cache_writes_what_civil_writes() {
        let mut cache = SecondCache::default();
        let base = UNIX_EPOCH + Duration::new(1_709_251_198, 0);
        let instants = [
            UNIX_EPOCH,
            base,
            base + Duration::from_nanos(120_000_000),
            base + Duration::from_nanos(999_999_999),
            base + Duration::from_secs(1),
            base + Duration::new(1, 1),
            base,
            base + Duration::from_secs(86_400 * 366),
            UNIX_EPOCH - Duration::from_secs(5),
        ];
        for t in instants {
            let (mut want, mut got) = (String::new(), Vec::new());
            Civil::from(t).rfc3339_nano(&mut want);
            cache.rfc3339_nano(t, &mut got);
            assert_eq!(String::from_utf8_lossy(&got), want, "{t:?}");
            want.clear();
            got.clear();
            Civil::from(t).rfc3339(&mut want);
            cache.rfc3339(t, &mut got);
            assert_eq!(String::from_utf8_lossy(&got), want, "{t:?}");
        }
    }
}
