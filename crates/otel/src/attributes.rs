//! A span's attributes, encoded to OTLP as they are added: each one is written straight into
//! the span's one buffer as a `Span.attributes` entry (`KeyValue { key, AnyValue }`), so a
//! request's strings (its path, its user agent, a header) are copied once, into the wire
//! format, with no allocation and no value to drop per attribute. The exporter copies the
//! buffer into the batch as it is.

use crate::proto::{key, varint};

/// `Span.attributes`.
const SPAN_ATTRIBUTES: u32 = 9;

/// Encoded `Span.attributes` entries.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Attributes(Vec<u8>);

/// Bytes of `v` as a varint.
pub(crate) fn varint_len(v: u64) -> usize {
    // One byte per started group of seven bits (and one for zero).
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Bytes of a length-delimited field of `len` bytes, its key included (fields below 16).
pub(crate) fn delimited_len(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

// === impl Attributes ===

impl Attributes {
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Room for `bytes` of attributes (a server span's come to ~400 bytes).
    pub fn with_capacity(bytes: usize) -> Self {
        Self(Vec::with_capacity(bytes))
    }

    /// The encoded entries.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Starts an entry for `key` whose `AnyValue` is `value_len` bytes, with room for it.
    fn entry(&mut self, name: &str, value_len: usize) {
        let out = &mut self.0;
        // Most entries are short: every length one byte.
        let short = 2 + name.len() + 2 + value_len;
        if short < 0x80 {
            out.reserve(2 + short);
            // Span.attributes = 9, KeyValue.key = 1, then KeyValue.value = 2.
            out.extend_from_slice(&[0x4a, short as u8, 0x0a, name.len() as u8]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&[0x12, value_len as u8]);
            return;
        }
        let kv_len = delimited_len(name.len()) + delimited_len(value_len);
        out.reserve(delimited_len(kv_len));
        key(out, SPAN_ATTRIBUTES, 2);
        varint(out, kv_len as u64);
        key(out, 1, 2);
        varint(out, name.len() as u64);
        out.extend_from_slice(name.as_bytes());
        key(out, 2, 2);
        varint(out, value_len as u64);
    }

    /// A string attribute.
    pub fn str(&mut self, name: &str, value: &str) {
        // AnyValue.string_value = 1
        self.entry(name, delimited_len(value.len()));
        key(&mut self.0, 1, 2);
        varint(&mut self.0, value.len() as u64);
        self.0.extend_from_slice(value.as_bytes());
    }

    /// A string attribute written from `parts` in order (a URL from its pieces, with no
    /// string made for it).
    pub fn str_parts(&mut self, name: &str, parts: &[&str]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.entry(name, delimited_len(len));
        key(&mut self.0, 1, 2);
        varint(&mut self.0, len as u64);
        for p in parts {
            self.0.extend_from_slice(p.as_bytes());
        }
    }

    /// A header value's text as a string attribute: empty when it is not visible ASCII, as
    /// `HeaderValue::to_str` refuses it.
    pub fn header(&mut self, name: &str, value: Option<&http::HeaderValue>) {
        self.str(name, value.and_then(|v| v.to_str().ok()).unwrap_or(""));
    }

    /// An integer attribute.
    pub fn int(&mut self, name: &str, value: i64) {
        // AnyValue.int_value = 3: two's complement as a 64-bit varint (ten bytes if negative).
        let v = value as u64;
        self.entry(name, 1 + varint_len(v));
        key(&mut self.0, 3, 0);
        varint(&mut self.0, v);
    }

    /// A string array attribute (a captured header's values, each as UTF-8, lossily):
    /// `values` gives them, twice (their lengths go first).
    pub fn strings<'v, I>(&mut self, name: &str, values: impl Fn() -> I)
    where
        I: Iterator<Item = &'v [u8]>,
    {
        let text = |v: &'v [u8]| String::from_utf8_lossy(v);
        // ArrayValue { values = 1 (AnyValue { string_value = 1 }) }
        let array_len: usize = values()
            .map(|v| delimited_len(delimited_len(text(v).len())))
            .sum();
        self.entry(name, delimited_len(array_len));
        // AnyValue.array_value = 5
        key(&mut self.0, 5, 2);
        varint(&mut self.0, array_len as u64);
        for v in values() {
            let s = text(v);
            key(&mut self.0, 1, 2);
            varint(&mut self.0, delimited_len(s.len()) as u64);
            key(&mut self.0, 1, 2);
            varint(&mut self.0, s.len() as u64);
            self.0.extend_from_slice(s.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{message, string};

    /// The same entry written the slow way: nested messages.
    fn nested(name: &str, any: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut out = Vec::new();
        message(&mut out, SPAN_ATTRIBUTES, |m| {
            string(m, 1, name);
            message(m, 2, any);
        });
        out
    }

    #[test]
    fn varint_lengths_at_every_boundary() {
        for v in [0u64, 1, 127, 128, 16_383, 16_384, u64::MAX >> 1, u64::MAX] {
            let mut b = Vec::new();
            varint(&mut b, v);
            assert_eq!(varint_len(v), b.len(), "{v}");
        }
    }

    #[test]
    fn entries_match_nested_encoding() {
        // Around the one-byte lengths' edge (an entry of 127 bytes), and well past it.
        let texts: Vec<String> = (0..140).chain([300]).map(|n| "x".repeat(n)).collect();
        for value in texts.iter().map(String::as_str) {
            let mut a = Attributes::default();
            a.str("url.path", value);
            let want = nested("url.path", |v| {
                key(v, 1, 2);
                varint(v, value.len() as u64);
                v.extend_from_slice(value.as_bytes());
            });
            assert_eq!(a.as_bytes(), want, "{} bytes", value.len());
        }
        for n in [0i64, 1, 200, 65_535, -1] {
            let mut a = Attributes::default();
            a.int("client.port", n);
            let want = nested("client.port", |v| {
                key(v, 3, 0);
                varint(v, n as u64);
            });
            assert_eq!(a.as_bytes(), want, "{n}");
        }
        let (mut a, mut b) = (Attributes::default(), Attributes::default());
        a.str_parts("url.full", &["http", "://", "h:1", "", "/p"]);
        b.str("url.full", "http://h:1/p");
        assert_eq!(a, b);
        let mut a = Attributes::default();
        let values: [&[u8]; 3] = [b"a", b"caf\xc3\xa9", b"\xff"];
        a.strings("http.request.header.x", || values.iter().copied());
        let want = nested("http.request.header.x", |v| {
            message(v, 5, |arr| {
                for s in ["a", "café", "\u{fffd}"] {
                    message(arr, 1, |any| {
                        key(any, 1, 2);
                        varint(any, s.len() as u64);
                        any.extend_from_slice(s.as_bytes());
                    });
                }
            });
        });
        assert_eq!(a.as_bytes(), want);
    }

    #[test]
    fn header_values_are_sent_as_their_text() {
        let mut a = Attributes::default();
        a.header("ua", Some(&http::HeaderValue::from_static("curl/8.5")));
        let mut b = Attributes::default();
        b.str("ua", "curl/8.5");
        assert_eq!(a, b);
        // Not visible ASCII, or absent: empty, as `to_str` refuses it.
        let opaque = http::HeaderValue::from_bytes(b"caf\xc3\xa9").expect("value");
        let (mut c, mut d, mut e) = (
            Attributes::default(),
            Attributes::default(),
            Attributes::default(),
        );
        c.header("ua", Some(&opaque));
        d.header("ua", None);
        e.str("ua", "");
        assert_eq!(c, e);
        assert_eq!(d, e);
    }
}
