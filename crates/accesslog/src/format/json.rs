//! `format: json`: logrus' JSON formatter over Traefik's table: one object per line, keys
//! sorted (Go marshals maps sorted), plus `level`, `msg` and `time`; strings escaped as Go's
//! `encoding/json` does (HTML characters included).
//!
//! The line is bytes written field after field in Go's key order, each key a literal with
//! its quotes, colon and comma (`,"ClientHost":`): no table walk, no intermediate value, no
//! allocation but the header entries when `fields.headers` shows any (those are sorted per
//! line and merged in before the first fixed key that sorts after them). Runs of entries
//! whose values come back line after line (a connection's client, a router's names, an entry
//! point's tail) are copied from what the writer remembers (`segments`, `memo`).

mod memo;
mod segments;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

use http::{Method, Version};

pub(crate) use self::memo::Memo;

use super::digits::{hex_into, push_u64};
use super::{headers, request_path, split_host_port, split_host_port_bytes};
use crate::config::Settings;
use crate::field::Field;
use crate::record::Record;

/// A fixed key as written after the previous entry: `,"<name>":`.
macro_rules! key {
    ($name:literal) => {
        concat!(",\"", $name, "\":").as_bytes()
    };
}
use key;

/// [`json_bytes`] into a `String`, for tests.
#[cfg(test)]
pub(crate) fn json(rec: &Record, settings: &Settings, now: SystemTime, out: &mut String) {
    let mut line = Vec::with_capacity(1024);
    json_bytes(rec, settings, now, &mut Memo::default(), &mut line);
    // Always UTF-8: strings came as `str` (or through `from_utf8_lossy`), the rest is ASCII.
    out.push_str(&String::from_utf8_lossy(&line));
}

/// Appends the line (with its newline) to `out`, the writer's batch.
pub(crate) fn json_bytes(
    rec: &Record,
    settings: &Settings,
    now: SystemTime,
    memo: &mut Memo,
    out: &mut Vec<u8>,
) {
    let mut extra = Vec::new();
    if settings.wants_headers() {
        headers(
            rec.request_headers.as_ref(),
            "request_",
            settings,
            &mut extra,
        );
        let origin_headers = rec.origin.as_ref().and_then(|o| o.headers.as_ref());
        headers(origin_headers, "origin_", settings, &mut extra);
        headers(
            rec.downstream_headers.as_ref(),
            "downstream_",
            settings,
            &mut extra,
        );
        extra.sort_by(|a, b| a.0.cmp(&b.0));
    }
    // Every entry starts with a comma: the first one becomes the opening brace.
    let open = out.len();
    // Every field kept and no header entry to merge (the defaults): the per-key checks
    // compiled out (they cost as much as the keys they guarded).
    if extra.is_empty() && settings.keep & ALL_FIELDS == ALL_FIELDS {
        Line::<true>::new(out, settings, &extra).fields(rec, settings, now, memo);
    } else {
        let mut w = Line::<false>::new(out, settings, &extra);
        w.fields(rec, settings, now, memo);
        w.headers_after();
    }
    // `level` is always written: the line has a first entry.
    out[open] = b'{';
    out.extend_from_slice(b"}\n");
}

/// The keep mask with every field's bit.
const ALL_FIELDS: u64 = {
    let mut mask = 0;
    let mut i = 0;
    while i < Field::ALL.len() {
        mask |= Field::ALL[i].bit();
        i += 1;
    }
    mask
};

/// `host:port` as `split_host_port` splits the text `from_utf8_lossy` makes of it.
fn split_host(host: &[u8]) -> (Cow<'_, str>, Cow<'_, str>) {
    // `from_utf8` is the same text for UTF-8 (always, in practice) without the lossy walk.
    if let Ok(h) = std::str::from_utf8(host) {
        let (h, p) = split_host_port(h);
        return (Cow::Borrowed(h), Cow::Borrowed(p));
    }
    let h = String::from_utf8_lossy(host);
    let (h, p) = split_host_port(&h);
    (Cow::Owned(h.to_string()), Cow::Owned(p.to_string()))
}

/// A line being written. `PLAIN`: every field is kept and there is no header entry (the
/// caller checked), so neither is looked at per key.
struct Line<'a, const PLAIN: bool> {
    out: &'a mut Vec<u8>,
    keep: u64,
    /// Header entries, sorted; `next` is the first not written yet.
    extra: &'a [(String, String)],
    next: usize,
}

// === impl Line ===

impl<'a, const PLAIN: bool> Line<'a, PLAIN> {
    fn new(out: &'a mut Vec<u8>, settings: &Settings, extra: &'a [(String, String)]) -> Self {
        Self {
            out,
            keep: settings.keep,
            extra,
            next: 0,
        }
    }

    /// The entries, in Go's (byte) order of the keys (a test checks it), as Traefik's table
    /// has them: a field without a value has no entry.
    fn fields(&mut self, rec: &Record, settings: &Settings, now: SystemTime, memo: &mut Memo) {
        let origin = rec.origin.as_ref();
        let origin_size = origin.map_or(0, |o| o.size.unwrap_or(rec.size));
        let origin_ns = origin.map_or(0, |o| o.duration.as_nanos());
        let host = rec
            .host
            .as_ref()
            .map(|h| h.as_bytes())
            .filter(|h| !h.is_empty());
        // A `Host` of ASCII bytes that need no escaping (always, in practice) is copied as it
        // is, and split as bytes: no text made of it, no second look at its parts.
        let plain_host = host.filter(|h| !h.iter().any(|&c| NOT_PLAIN[usize::from(c)]));
        let wants_parts = self.keep & (Field::RequestHost.bit() | Field::RequestPort.bit()) != 0;
        // `RequestHost` and `RequestPort`: `host:port` split once.
        let plain_parts = plain_host
            .filter(|_| wants_parts)
            .map(split_host_port_bytes);
        let parts = host
            .filter(|_| wants_parts && plain_host.is_none())
            .map(split_host);

        self.client(rec, memo);
        if self.field(Field::DownstreamContentSize, key!("DownstreamContentSize")) {
            self.int(u128::from(rec.size));
        }
        if self.field(Field::DownstreamStatus, key!("DownstreamStatus")) {
            self.int(u128::from(rec.status));
        }
        if self.field(Field::Duration, key!("Duration")) {
            self.int(rec.duration.as_nanos());
        }
        if rec.size != origin_size
            && rec.size != 0
            && self.field(Field::GzipRatio, key!("GzipRatio"))
        {
            let ratio = origin_size as f64 / rec.size as f64;
            self.out.extend_from_slice(ratio.to_string().as_bytes());
        }
        if self.field(Field::OriginContentSize, key!("OriginContentSize")) {
            self.int(u128::from(origin_size));
        }
        if self.field(Field::OriginDuration, key!("OriginDuration")) {
            self.int(origin_ns);
        }
        if self.field(Field::OriginStatus, key!("OriginStatus")) {
            self.int(u128::from(origin.map_or(0, |o| o.status)));
        }
        if self.field(Field::Overhead, key!("Overhead")) {
            self.int(rec.duration.as_nanos().saturating_sub(origin_ns));
        }
        if let Some(host) = host
            && self.field(Field::RequestAddr, key!("RequestAddr"))
        {
            match plain_host {
                Some(h) => self.quoted(|o| o.extend_from_slice(h)),
                None => self.bytes(host),
            }
        }
        if self.field(Field::RequestContentSize, key!("RequestContentSize")) {
            self.int(u128::from(rec.request_size));
        }
        if self.field(Field::RequestCount, key!("RequestCount")) {
            self.int(u128::from(rec.count));
        }
        if let Some((h, _)) = plain_parts
            && self.field(Field::RequestHost, key!("RequestHost"))
        {
            self.quoted(|o| o.extend_from_slice(h));
        } else if let Some((h, _)) = &parts
            && self.field(Field::RequestHost, key!("RequestHost"))
        {
            self.str(h);
        }
        if self.field(Field::RequestMethod, key!("RequestMethod")) {
            match method_text(&rec.method) {
                Some(quoted) => self.out.extend_from_slice(quoted),
                None => self.str(rec.method.as_str()),
            }
        }
        if self.field(Field::RequestPath, key!("RequestPath")) {
            self.str(&request_path(rec, settings));
        }
        if let Some((_, p)) = plain_parts
            && self.field(Field::RequestPort, key!("RequestPort"))
        {
            self.quoted(|o| o.extend_from_slice(p));
        } else if let Some((_, p)) = &parts
            && self.field(Field::RequestPort, key!("RequestPort"))
        {
            self.str(p);
        }
        if self.field(Field::RequestProtocol, key!("RequestProtocol")) {
            self.out.extend_from_slice(match rec.version {
                Version::HTTP_09 => b"\"HTTP/0.9\"",
                Version::HTTP_10 => b"\"HTTP/1.0\"",
                Version::HTTP_2 => b"\"HTTP/2.0\"",
                Version::HTTP_3 => b"\"HTTP/3.0\"",
                _ => b"\"HTTP/1.1\"",
            });
        }
        if self.field(Field::RequestScheme, key!("RequestScheme")) {
            match rec.tls {
                Some(_) => self.out.extend_from_slice(b"\"https\""),
                None => self.out.extend_from_slice(b"\"http\""),
            }
        }
        if self.field(Field::RetryAttempts, key!("RetryAttempts")) {
            self.int(u128::from(rec.retries));
        }
        self.names(rec, memo);
        // The ids as quoted hex, made once: each is written twice (`SpanId` and `span_id`,
        // `TraceId` and `trace_id`).
        let trace = rec.trace.as_ref().map(|t| {
            let mut span = *b"\"________________\"";
            hex_into(&mut span[1..17], &t.span_id);
            let mut trace = *b"\"________________________________\"";
            hex_into(&mut trace[1..33], &t.trace_id);
            (span, trace)
        });
        if let Some((span, _)) = &trace
            && self.field(Field::SpanId, key!("SpanId"))
        {
            self.out.extend_from_slice(span);
        }
        // `StartLocal` and `StartUTC` are the same text (both in UTC): formatted once.
        let mut start = None;
        let stamps = &mut memo.stamps;
        if self.field(Field::StartLocal, key!("StartLocal")) {
            let from = self.out.len();
            self.quoted(|o| stamps.start.rfc3339_nano(rec.start, o));
            start = Some(from..self.out.len());
        }
        if self.field(Field::StartUtc, key!("StartUTC")) {
            match start {
                Some(text) => self.out.extend_from_within(text),
                None => self.quoted(|o| stamps.start.rfc3339_nano(rec.start, o)),
            }
        }
        let tls = rec.tls.as_ref();
        if let Some(t) = tls
            && self.field(Field::TlsCipher, key!("TLSCipher"))
        {
            self.str(&t.cipher);
        }
        if let Some(subject) = tls.and_then(|t| t.client_subject.as_deref())
            && self.field(Field::TlsClientSubject, key!("TLSClientSubject"))
        {
            self.str(subject);
        }
        if let Some(t) = tls
            && self.field(Field::TlsVersion, key!("TLSVersion"))
        {
            self.str(t.version);
        }
        if let Some((_, trace)) = &trace
            && self.field(Field::TraceId, key!("TraceId"))
        {
            self.out.extend_from_slice(trace);
        }
        self.tail(rec, memo);
        if let Some((span, _)) = &trace
            && self.field(Field::OtelSpanId, key!("span_id"))
        {
            self.out.extend_from_slice(span);
        }
        // logrus writes `time` with RFC 3339 (seconds); the table's times carry nanoseconds.
        self.key("time", key!("time"));
        let time = memo.time(now);
        self.out.extend_from_slice(&time);
        if let Some((_, trace)) = &trace
            && self.field(Field::OtelTraceId, key!("trace_id"))
        {
            self.out.extend_from_slice(trace);
        }
    }

    /// Starts field `f`'s entry (the key `key`) when `fields` keeps it.
    #[inline(always)]
    fn field(&mut self, f: Field, key: &'static [u8]) -> bool {
        if !PLAIN && self.keep & f.bit() == 0 {
            return false;
        }
        self.key(f.name(), key);
        true
    }

    /// Writes `key` (for `name`), after the header entries that sort before it.
    #[inline(always)]
    fn key(&mut self, name: &str, key: &'static [u8]) {
        if !PLAIN && self.next < self.extra.len() {
            self.headers_before(name);
        }
        self.out.extend_from_slice(key);
    }

    fn headers_before(&mut self, name: &str) {
        while let Some((k, v)) = self.extra.get(self.next).filter(|(k, _)| k.as_str() < name) {
            self.header(k, v);
        }
    }

    /// The header entries left (their keys sort after every fixed key).
    fn headers_after(&mut self) {
        while let Some((k, v)) = self.extra.get(self.next) {
            self.header(k, v);
        }
    }

    fn header(&mut self, k: &str, v: &str) {
        self.next += 1;
        self.out.push(b',');
        // Header names are the client's: escaped.
        escape(k, self.out);
        self.out.push(b':');
        escape(v, self.out);
    }

    fn str(&mut self, s: &str) {
        escape(s, self.out);
    }

    /// A shared name: copied as it is when it is the one `seen` holds (known to need no
    /// escaping), else escaped, and held when it needed none.
    fn shared(&mut self, seen: &mut Option<Arc<str>>, text: &Arc<str>) {
        let known = seen.as_ref().is_some_and(|s| Arc::ptr_eq(s, text));
        if known || !special(text.as_bytes()) {
            if !known {
                *seen = Some(text.clone());
            }
            self.out.push(b'"');
            self.out.extend_from_slice(text.as_bytes());
            self.out.push(b'"');
        } else {
            escape_slow(text, self.out);
        }
    }

    /// A header's value: escaped as the text `from_utf8_lossy` makes of it.
    fn bytes(&mut self, b: &[u8]) {
        if b.is_ascii() {
            escape_utf8(b, self.out);
        } else {
            escape(&String::from_utf8_lossy(b), self.out);
        }
    }

    /// An integer of Traefik's table (an `int64`: larger values are written as its maximum).
    fn int(&mut self, n: u128) {
        push_u64(self.out, n.min(i64::MAX as u128) as u64);
    }

    /// Text that needs no escaping (addresses, ids, times), quoted.
    fn quoted(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        self.out.push(b'"');
        write(self.out);
        self.out.push(b'"');
    }
}

/// The bytes that may need escaping: controls, `"`, `\\`, HTML's `<>&`, and 0xe2 (the
/// first byte of U+2028 and U+2029).
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'&' as usize] = true;
    t[0xe2] = true;
    t
};

/// [`SPECIAL`] and the bytes past ASCII: a string without any is copied as it is.
static NOT_PLAIN: [bool; 256] = {
    let mut t = SPECIAL;
    let mut b = 0x80;
    while b < 256 {
        t[b] = true;
        b += 1;
    }
    t
};

/// The standard methods, quoted (nothing in them to escape; another method, a token that
/// may hold `&`, is escaped).
fn method_text(m: &Method) -> Option<&'static [u8]> {
    Some(match *m {
        Method::GET => b"\"GET\"",
        Method::POST => b"\"POST\"",
        Method::PUT => b"\"PUT\"",
        Method::DELETE => b"\"DELETE\"",
        Method::HEAD => b"\"HEAD\"",
        Method::OPTIONS => b"\"OPTIONS\"",
        Method::PATCH => b"\"PATCH\"",
        Method::CONNECT => b"\"CONNECT\"",
        Method::TRACE => b"\"TRACE\"",
        _ => return None,
    })
}

/// Whether `b` has a byte that may need escaping.
fn special(b: &[u8]) -> bool {
    b.iter().any(|&c| SPECIAL[usize::from(c)])
}

/// A JSON string as Go's `encoding/json` writes it with HTML escaping on.
pub(crate) fn escape(s: &str, out: &mut Vec<u8>) {
    escape_utf8(s.as_bytes(), out);
}

/// [`escape`] of bytes that are UTF-8.
fn escape_utf8(b: &[u8], out: &mut Vec<u8>) {
    if special(b) {
        escape_slow(&String::from_utf8_lossy(b), out);
    } else {
        out.push(b'"');
        out.extend_from_slice(b);
        out.push(b'"');
    }
}

/// [`escape`] of a string with at least one byte to look at.
#[cold]
fn escape_slow(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => unicode(c, out),
            c if (c as u32) < 0x20 => unicode(c, out),
            c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out.push(b'"');
}

/// `\u` and the code point (at most U+FFFF here) in four lowercase hex digits.
fn unicode(c: char, out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let n = c as u32;
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(DIGITS[((n >> shift) & 0xf) as usize]);
    }
}

#[cfg(test)]
mod tests;
