//! The `Date` field of fast-path responses: rendered once a second per thread, as hyper
//! caches it (`common/date.rs`), so a response costs a clock read and a copy.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
const LEN: usize = 29;

struct Cached {
    second: u64,
    text: [u8; LEN],
}

thread_local! {
    static CACHED: RefCell<Cached> = const { RefCell::new(Cached { second: u64::MAX, text: [0; LEN] }) };
}

/// Appends the current date in IMF-fixdate form.
pub(super) fn extend(out: &mut Vec<u8>) {
    let now = SystemTime::now();
    let second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    CACHED.with_borrow_mut(|c| {
        if c.second != second {
            let text = httpdate::fmt_http_date(now);
            if let Ok(t) = <[u8; LEN]>::try_from(text.as_bytes()) {
                c.text = t;
                c.second = second;
            }
        }
        out.extend_from_slice(&c.text);
    });
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
    }
}
