//! `safeQueryParams`: every query value not listed is replaced by `REDACTED` before it is
//! put in a span, re-encoded as Go's `url.Values.Encode` does (keys sorted, `+` for spaces).

use std::collections::BTreeMap;

/// The query with the values of parameters not in `safe` redacted.
pub fn redact_query(query: &str, safe: &[String]) -> String {
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in query.split('&') {
        if pair.is_empty() || pair.contains(';') {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (unescape(k), unescape(v)) else {
            continue;
        };
        params.entry(k).or_default().push(v);
    }
    let mut out = String::with_capacity(query.len());
    for (k, values) in &mut params {
        if !safe.contains(k) {
            *values = vec!["REDACTED".to_string()];
        }
        for v in values.iter() {
            if !out.is_empty() {
                out.push('&');
            }
            escape(&mut out, k);
            out.push('=');
            escape(&mut out, v);
        }
    }
    out
}

/// Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte; a bad escape fails.
fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Go's `url.QueryEscape`.
fn escape(out: &mut String, s: &str) {
    for &c in s.as_bytes() {
        match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(c as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push_str(&format!("{c:02X}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_all_but_safe_params_and_sorts_like_go() {
        let safe = vec!["page".to_string()];
        assert_eq!(
            redact_query("token=abc&page=2&a=1&a=2", &safe),
            "a=REDACTED&page=2&token=REDACTED"
        );
        assert_eq!(redact_query("page=a+b%2F", &safe), "page=a+b%2F");
        assert_eq!(redact_query("", &safe), "");
        assert_eq!(redact_query("bad=%zz&page=1", &safe), "page=1");
    }
}
