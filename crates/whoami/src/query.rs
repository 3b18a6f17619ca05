//! Query-string helpers: find one parameter and parse Go-style durations for `?wait=`.
//!
//! Values used here are numbers and durations, so no percent-decoding is needed.

use std::time::Duration;

/// Longest accepted `?wait=`; keeps a typo from parking a request for days.
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// The first value of `name` in `query`, if any (`a&name=v&b` → `v`; `name` alone → `""`).
pub(crate) fn param<'q>(query: Option<&'q str>, name: &str) -> Option<&'q str> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

/// Parses a Go-like duration (`500ms`, `2s`, `1m30s`, `1.5s`); a bare number means milliseconds.
/// Returns `None` on malformed input or beyond one hour.
pub(crate) fn parse_duration(input: &str) -> Option<Duration> {
    let input = input.trim();
    if input.is_empty() {
        return None;
    }
    if let Ok(ms) = input.parse::<u64>() {
        return Some(Duration::from_millis(ms)).filter(|d| *d <= MAX_WAIT);
    }
    let mut rest = input;
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    let duration = Duration::try_from_secs_f64(total).ok()?;
    (duration <= MAX_WAIT).then_some(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_params() {
        assert_eq!(param(Some("a=1&wait=2s&b"), "wait"), Some("2s"));
        assert_eq!(param(Some("a=1&b"), "b"), Some(""));
        assert_eq!(param(Some("a=1"), "wait"), None);
        assert_eq!(param(None, "wait"), None);
    }

    #[test]
    fn parses_durations() {
        let ms = Duration::from_millis;
        assert_eq!(parse_duration("500ms"), Some(ms(500)));
        assert_eq!(parse_duration("250"), Some(ms(250)));
        assert_eq!(parse_duration("2s"), Some(ms(2000)));
        assert_eq!(parse_duration("1.5s"), Some(ms(1500)));
        assert_eq!(parse_duration("1m30s"), Some(ms(90_000)));
        assert_eq!(parse_duration("100us"), Some(Duration::from_micros(100)));
        for bad in ["", "s", "5x", "1..2s", "2h", "-1s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
