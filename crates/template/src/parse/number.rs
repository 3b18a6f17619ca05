//! Go number literals: integers in any base Go accepts (`0x1F`, `0o17`, `017`, `0b101`,
//! `1_000`), and decimal floats. Complex and hexadecimal floating-point numbers are refused.

use crate::tree::Arg;

/// The value of a number literal: an integer when it is one, else a float.
pub(super) fn literal(text: &str) -> Result<Arg, String> {
    if text.ends_with('i') {
        return Err(format!("complex number {text:?} is not supported"));
    }
    if let Some(i) = parse_int(text) {
        return Ok(Arg::Int(i));
    }
    let lower = text.to_ascii_lowercase();
    let digits = lower.trim_start_matches(['+', '-']);
    if digits.starts_with("0x") || digits.starts_with("0b") || digits.starts_with("0o") {
        return Err(format!("illegal number syntax: {text:?}"));
    }
    if digits.chars().all(|c| c.is_ascii_digit() || c == '_') && !digits.is_empty() {
        return Err(format!("{text} overflows int"));
    }
    if !underscores_ok(&lower) {
        return Err(format!("illegal number syntax: {text:?}"));
    }
    match lower.replace('_', "").parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(Arg::Float(f)),
        _ => Err(format!("illegal number syntax: {text:?}")),
    }
}

/// Go's `strconv.ParseInt(text, 0, 64)`: an optional sign, a base prefix (`0x`, `0o`, `0b`,
/// or a leading `0` for octal) and digits, with `_` allowed between digits.
pub(crate) fn parse_int(text: &str) -> Option<i64> {
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if !underscores_ok(body) {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let digits = digits.replace('_', "");
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = u64::from_str_radix(&digits, radix).ok()?;
    if neg {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Underscores only between digits (or after a base prefix), as Go requires.
fn underscores_ok(s: &str) -> bool {
    if !s.contains('_') {
        return true;
    }
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, &c)| {
        c != b'_'
            || (i > 0
                && i + 1 < b.len()
                && b[i - 1].is_ascii_alphanumeric()
                && b[i + 1].is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::{literal, parse_int};
    use crate::tree::Arg;

    #[test]
    fn integers_in_go_bases() {
        let rows: &[(&str, Option<i64>)] = &[
            ("42", Some(42)),
            ("-7", Some(-7)),
            ("+3", Some(3)),
            ("0x1F", Some(31)),
            ("0o17", Some(15)),
            ("017", Some(15)),
            ("0b101", Some(5)),
            ("1_000", Some(1000)),
            ("0", Some(0)),
            ("1.5", None),
            ("08", None),
            ("_1", None),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("", None),
            ("-", None),
        ];
        for (text, want) in rows {
            assert_eq!(parse_int(text), *want, "{text}");
        }
    }

    #[test]
    fn floats_and_refusals() {
        assert!(matches!(literal("1.5"), Ok(Arg::Float(f)) if f == 1.5));
        assert!(matches!(literal("1e3"), Ok(Arg::Float(f)) if f == 1000.0));
        assert!(matches!(literal(".5"), Ok(Arg::Float(f)) if f == 0.5));
        assert!(literal("1i").is_err());
        assert!(literal("0x1p3").is_err());
        assert!(literal("99999999999999999999").is_err_and(|e| e.contains("overflows")));
    }
}
