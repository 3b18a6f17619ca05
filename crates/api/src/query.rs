//! Query strings and path segments, decoded as Go's `net/url` does (`url.ParseQuery`,
//! `url.PathUnescape`).

/// A parsed query string: pairs in order; [`Query::get`] returns the first value, like Go's
/// `url.Values.Get`.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

// === impl Query ===

impl Query {
    /// `url.ParseQuery`: `&`-separated `key=value` pairs, `+` is a space, `%XX` escapes. A
    /// pair containing `;` or a bad escape is dropped (Go drops it too).
    pub(crate) fn parse(raw: &str) -> Query {
        let mut pairs = Vec::new();
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            if part.contains(';') {
                continue;
            }
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            if let (Some(k), Some(v)) = (unescape(k, true), unescape(v, true)) {
                pairs.push((k, v));
            }
        }
        Query { pairs }
    }

    pub(crate) fn get(&self, key: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value of `key`, in order (Go's `url.Values[key]`).
    pub(crate) fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// `url.PathUnescape` (`plus` false) or `url.QueryUnescape` (`plus` true); `None` on a bad
/// escape or a result that is not UTF-8.
pub(crate) fn unescape(s: &str, plus: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_query_semantics() {
        let q = Query::parse("search=a+b%2Fc&status=enabled&status=disabled&x;y=1&z=1;2&bad=%zz");
        assert_eq!(q.get("search"), "a b/c");
        assert_eq!(q.get("status"), "enabled");
        assert_eq!(q.get("x;y"), "");
        assert_eq!(q.get("z"), "");
        assert_eq!(q.get("bad"), "");
        assert_eq!(q.get("missing"), "");
        assert!(Query::parse("").is_empty());
        assert_eq!(
            unescape("foo%20%2F%20bar@p", false).as_deref(),
            Some("foo / bar@p")
        );
        assert_eq!(unescape("a+b", false).as_deref(), Some("a+b"));
        assert_eq!(unescape("%4", false), None);
    }
}
