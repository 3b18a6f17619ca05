//! The `Date` field of the servers' responses (the HTTP/1.1 fast path writes it, the
//! HTTP/2 server adds it when missing): rendered once a second per thread, as hyper caches
//! it (`common/date.rs`), so a response costs a clock read and a copy (or a clone).

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderValue;

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
const LEN: usize = 29;

struct Cached {
    second: u64,
    text: [u8; LEN],
    /// `text` as a field value, for header maps.
    value: Option<HeaderValue>,
}

thread_local! {
    static CACHED: RefCell<Cached> = const {
        RefCell::new(Cached { second: u64::MAX, text: [0; LEN], value: None })
    };
}

/// Runs `f` on the current second's cache.
fn with_now<R>(f: impl FnOnce(&mut Cached) -> R) -> R {
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    CACHED.with_borrow_mut(|c| {
        if c.second != second {
            let text = httpdate::fmt_http_date(now);
            if let Ok(t) = <[u8; LEN]>::try_from(text.as_bytes()) {
                c.text = t;
                c.second = second;
                c.value = None;
            }
        }
        f(c)
    })
}

/// Appends the current date in IMF-fixdate form.
pub(super) fn extend(out: &mut Vec<u8>) {
    with_now(|c| out.extend_from_slice(&c.text));
}

/// The current date as a field value (a clone of the second's one).
pub(super) fn value() -> HeaderValue {
    with_now(|c| {
        c.value
            .get_or_insert_with(|| {
                HeaderValue::from_maybe_shared(bytes::Bytes::copy_from_slice(&c.text))
                    .unwrap_or_else(|_| HeaderValue::from_static(""))
            })
            .clone()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_imf_fixdate_that_parses_back_to_now() {
        let mut out = Vec::new();
        super::extend(&mut out);
        let text = std::str::from_utf8(&out).expect("test value");
        assert!(text.ends_with(" GMT"), "{text}");
        let then = httpdate::parse_http_date(text).expect("test value");
        let now = std::time::SystemTime::now();
        let age = now.duration_since(then).expect("test value");
        assert!(age.as_secs() <= 1, "{text}");
        // The field value is the same text (within the same second, or the next).
        let value = super::value();
        let then = httpdate::parse_http_date(value.to_str().expect("ascii")).expect("a date");
        let age = std::time::SystemTime::now()
            .duration_since(then)
            .expect("test value");
        assert!(age.as_secs() <= 2, "{value:?}");
    }
}
