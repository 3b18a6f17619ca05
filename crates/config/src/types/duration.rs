//! Go-style durations: `300ms`, `1m30s`, `2h`; a bare integer means seconds (Traefik's rule for
//! every duration option, in files, labels, flags and env alike).

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A signed duration with nanosecond precision (negative values are meaningful for some
/// options, e.g. `flushInterval`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: i64,
}

/// Why a duration did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration `{0}` (expected e.g. `10s`, `300ms`, `1m30s`, or a number of seconds)")]
pub struct DurationError(String);

const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),
    ("\u{3bc}s", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

// === impl Duration ===

impl Duration {
    pub const ZERO: Duration = Duration { nanos: 0 };

    pub const fn from_nanos(nanos: i64) -> Self {
        Self { nanos }
    }

    pub const fn from_millis(ms: i64) -> Self {
        Self::from_nanos(ms.saturating_mul(1_000_000))
    }

    pub const fn from_secs(s: i64) -> Self {
        Self::from_nanos(s.saturating_mul(1_000_000_000))
    }

    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    pub const fn is_zero(self) -> bool {
        self.nanos == 0
    }

    pub const fn is_negative(self) -> bool {
        self.nanos < 0
    }

    /// As a std duration; `None` when negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.nanos)
            .ok()
            .map(std::time::Duration::from_nanos)
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, DurationError> {
        let text = s.trim();
        let bad = || DurationError(s.to_string());
        if let Ok(secs) = text.parse::<i64>() {
            return secs
                .checked_mul(1_000_000_000)
                .map(Self::from_nanos)
                .ok_or_else(bad);
        }
        let (neg, mut rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        if rest.is_empty() {
            return Err(bad());
        }
        let mut total: u128 = 0;
        while !rest.is_empty() {
            let int_end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let (int, after) = rest.split_at(int_end);
            let (frac, after) = match after.strip_prefix('.') {
                Some(a) => {
                    let end = a.find(|c: char| !c.is_ascii_digit()).unwrap_or(a.len());
                    a.split_at(end)
                }
                None => ("", after),
            };
            if int.is_empty() && frac.is_empty() {
                return Err(bad());
            }
            let unit_end = after
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(after.len());
            let (unit, after) = after.split_at(unit_end);
            let scale = UNITS
                .iter()
                .find(|(u, _)| *u == unit)
                .map(|(_, n)| *n)
                .ok_or_else(bad)?;
            let int: u128 = if int.is_empty() {
                0
            } else {
                int.parse().map_err(|_| bad())?
            };
            let mut value = int.checked_mul(scale).ok_or_else(bad)?;
            if !frac.is_empty() {
                let digits = &frac[..frac.len().min(18)];
                let f: u128 = digits.parse().map_err(|_| bad())?;
                value += f * scale / 10u128.pow(u32::try_from(digits.len()).map_err(|_| bad())?);
            }
            total = total.checked_add(value).ok_or_else(bad)?;
            rest = after;
        }
        let nanos = i64::try_from(total).map_err(|_| bad())?;
        Ok(Self::from_nanos(if neg { -nanos } else { nanos }))
    }
}

/// Go's `time.Duration.String()`: `0s`, `1.5s`, `300ms`, `1h0m0s`.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0s");
        }
        if self.nanos < 0 {
            f.write_str("-")?;
        }
        let u = self.nanos.unsigned_abs();
        if u < 1_000_000_000 {
            let (prec, unit) = match u {
                0..1_000 => (0, "ns"),
                1_000..1_000_000 => (3, "\u{b5}s"),
                _ => (6, "ms"),
            };
            return write!(f, "{}{unit}", fraction(u, prec));
        }
        let minutes = u / 60_000_000_000;
        let hours = minutes / 60;
        if hours > 0 {
            write!(f, "{hours}h")?;
        }
        if minutes > 0 {
            write!(f, "{}m", minutes % 60)?;
        }
        write!(f, "{}s", fraction(u % 60_000_000_000, 9))
    }
}

/// `v / 10^prec` with its fraction, trailing zeros trimmed.
fn fraction(v: u64, prec: u32) -> String {
    let scale = 10u64.pow(prec);
    let (int, frac) = (v / scale, v % scale);
    if frac == 0 {
        return int.to_string();
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    format!("{int}.{}", digits.trim_end_matches('0'))
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as `10s` or a number of seconds")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                v.checked_mul(1_000_000_000)
                    .map(Duration::from_nanos)
                    .ok_or_else(|| E::custom("duration out of range"))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                i64::try_from(v)
                    .map_err(|_| E::custom("duration out of range"))
                    .and_then(|v| self.visit_i64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
                let nanos = v * 1e9;
                if !nanos.is_finite() || nanos.abs() > 9.2e18 {
                    return Err(E::custom("duration out of range"));
                }
                #[allow(clippy::cast_possible_truncation)]
                Ok(Duration::from_nanos(nanos as i64))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Duration, E> {
                Ok(Duration::ZERO)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::Duration;
    use proptest::prelude::*;

    fn d(s: &str) -> Duration {
        s.parse().expect("duration")
    }

    #[test]
    fn parses_go_syntax_and_seconds() {
        assert_eq!(d("10"), Duration::from_secs(10));
        assert_eq!(d("300ms"), Duration::from_millis(300));
        assert_eq!(d("1m30s"), Duration::from_secs(90));
        assert_eq!(d("1.5h"), Duration::from_secs(5400));
        assert_eq!(d("-100ms"), Duration::from_millis(-100));
        assert_eq!(d("2us"), Duration::from_nanos(2000));
        assert_eq!(d("2µs"), Duration::from_nanos(2000));
        assert_eq!(d("0"), Duration::ZERO);
        for bad in [
            "",
            "s",
            "10x",
            "1..5s",
            "ms10",
            "-",
            "99999999999999999999s",
        ] {
            assert!(bad.parse::<Duration>().is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(Duration::ZERO.to_string(), "0s");
        assert_eq!(Duration::from_secs(3600).to_string(), "1h0m0s");
        assert_eq!(Duration::from_secs(90).to_string(), "1m30s");
        assert_eq!(Duration::from_millis(1500).to_string(), "1.5s");
        assert_eq!(Duration::from_millis(100).to_string(), "100ms");
        assert_eq!(Duration::from_nanos(1500).to_string(), "1.5µs");
        assert_eq!(Duration::from_millis(-100).to_string(), "-100ms");
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(n in any::<i64>().prop_filter("not MIN", |n| *n != i64::MIN)) {
            let dur = Duration::from_nanos(n);
            prop_assert_eq!(dur.to_string().parse::<Duration>(), Ok(dur));
        }
    }
}
