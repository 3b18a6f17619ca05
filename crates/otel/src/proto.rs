//! OTLP protobuf, written by hand: `ExportTraceServiceRequest` of
//! `opentelemetry/proto/collector/trace/v1/trace_service.proto` (field numbers from the
//! official `.proto` files; the tests' receiver decodes with the official generated code).
//! Eight field kinds are all a span needs, so no code generator or runtime is linked.

use crate::span::{KeyValue, SpanData, Value};

/// The resource and scope every span of this process is reported under.
#[derive(Debug, Clone)]
pub struct Resource {
    pub attributes: Vec<KeyValue>,
    pub scope_name: &'static str,
    pub scope_version: &'static str,
}

/// Encodes one export request carrying `spans`.
pub fn export_trace_request(resource: &Resource, spans: &[SpanData]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_trace_request(&mut out, resource, spans);
    out
}

/// [`export_trace_request`] appended to `out` (the exporter keeps one buffer).
pub(crate) fn encode_trace_request(out: &mut Vec<u8>, resource: &Resource, spans: &[SpanData]) {
    out.reserve(256 * spans.len() + 256);
    // ExportTraceServiceRequest.resource_spans = 1
    message(out, 1, |rs| {
        // ResourceSpans.resource = 1 { attributes = 1 }
        message(rs, 1, |r| {
            for kv in &resource.attributes {
                message(r, 1, |m| key_value(m, kv));
            }
        });
        // ResourceSpans.scope_spans = 2
        message(rs, 2, |ss| {
            // ScopeSpans.scope = 1 { name = 1, version = 2 }
            message(ss, 1, |s| {
                string(s, 1, resource.scope_name);
                string(s, 2, resource.scope_version);
            });
            for span in spans {
                // ScopeSpans.spans = 2
                message(ss, 2, |s| encode_span(s, span));
            }
        });
    });
}

fn encode_span(out: &mut Vec<u8>, span: &SpanData) {
    bytes(out, 1, &span.trace_id.0);
    bytes(out, 2, &span.span_id.0);
    if let Some(state) = &span.trace_state {
        string(out, 3, state);
    }
    if let Some(parent) = &span.parent {
        bytes(out, 4, &parent.0);
    }
    string(out, 5, &span.name);
    varint_field(out, 6, span.kind as u64);
    fixed64(out, 7, span.start);
    fixed64(out, 8, span.end);
    for kv in &span.attributes {
        message(out, 9, |m| key_value(m, kv));
    }
    if span.status as u64 != 0 || !span.status_message.is_empty() {
        // Status { message = 2, code = 3 }
        message(out, 15, |s| {
            string(s, 2, &span.status_message);
            varint_field(s, 3, span.status as u64);
        });
    }
    // flags = 16 (fixed32): trace flags (sampled), and whether the parent is known to be
    // remote (bit 8: the "has is_remote" flag, bit 9: is_remote).
    let mut flags = 0x01u32;
    if span.parent.is_some() {
        flags |= 0x100;
        if span.parent_remote {
            flags |= 0x200;
        }
    }
    key(out, 16, 5);
    out.extend_from_slice(&flags.to_le_bytes());
}

/// KeyValue { key = 1, value = 2 (AnyValue) }
pub(crate) fn key_value(out: &mut Vec<u8>, kv: &KeyValue) {
    string(out, 1, &kv.key);
    message(out, 2, |v| any_value(v, &kv.value));
}

/// AnyValue { string_value = 1, bool_value = 2, int_value = 3, array_value = 5 }
fn any_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Str(s) => {
            key(out, 1, 2);
            len_prefixed(out, s.as_bytes());
        }
        Value::Shared(s) => {
            key(out, 1, 2);
            len_prefixed(out, s.as_bytes());
        }
        Value::Header(h) => {
            key(out, 1, 2);
            len_prefixed(out, h.to_str().unwrap_or("").as_bytes());
        }
        Value::Bool(b) => {
            key(out, 2, 0);
            varint(out, u64::from(*b));
        }
        Value::Int(i) => {
            key(out, 3, 0);
            // int64: two's complement as a 64-bit varint.
            varint(out, *i as u64);
        }
        Value::Strings(list) => {
            // ArrayValue { values = 1 (AnyValue) }
            message(out, 5, |a| {
                for s in list {
                    message(a, 1, |v| {
                        key(v, 1, 2);
                        len_prefixed(v, s.as_bytes());
                    });
                }
            });
        }
    }
}

// Wire format: a key is `field << 3 | wire type` (0 varint, 1 fixed64, 2 length-delimited,
// 5 fixed32). proto3 leaves zero values out.

pub(crate) fn key(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from(field << 3 | wire));
}

pub(crate) fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(crate) fn len_prefixed(out: &mut Vec<u8>, b: &[u8]) {
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

pub(crate) fn varint_field(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        key(out, field, 0);
        varint(out, v);
    }
}

pub(crate) fn fixed64(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        key(out, field, 1);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

pub(crate) fn bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    if !b.is_empty() {
        key(out, field, 2);
        len_prefixed(out, b);
    }
}

pub(crate) fn string(out: &mut Vec<u8>, field: u32, s: &str) {
    bytes(out, field, s.as_bytes());
}

/// A nested message, encoded in place: one byte is kept for its length, and the body moved
/// right once when the length needs more (128 bytes or more). Encoding each nested message
/// aside cost an allocation and a copy per attribute and per level: 22k instructions a span.
pub(crate) fn message(out: &mut Vec<u8>, field: u32, body: impl FnOnce(&mut Vec<u8>)) {
    key(out, field, 2);
    let at = out.len();
    out.push(0);
    body(out);
    let len = out.len() - at - 1;
    if len < 0x80 {
        out[at] = len as u8;
    } else {
        // The length's varint, on the stack (a `Vec` for it was an allocation per span).
        let (mut prefix, mut n, mut v) = ([0u8; 10], 0, len as u64);
        while v >= 0x80 {
            prefix[n] = (v as u8) | 0x80;
            v >>= 7;
            n += 1;
        }
        prefix[n] = v as u8;
        // The body moves right by the extra bytes, then the prefix goes in front of it.
        let extra = n;
        out.resize(out.len() + extra, 0);
        out.copy_within(at + 1..at + 1 + len, at + 1 + extra);
        out[at..=at + n].copy_from_slice(&prefix[..=n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_keys_follow_the_wire_format() {
        let mut b = Vec::new();
        varint(&mut b, 300);
        assert_eq!(b, [0xac, 0x02]);
        b.clear();
        key(&mut b, 16, 5);
        assert_eq!(b, [0x85, 0x01]);
        b.clear();
        any_value(&mut b, &Value::Int(-1));
        assert_eq!(b.len(), 11, "a negative int64 is ten varint bytes");
    }

    #[test]
    fn nested_lengths_are_right_below_and_above_one_byte() {
        for n in [0usize, 1, 127, 128, 300, 20_000] {
            let mut b = vec![0xff];
            message(&mut b, 3, |m| m.extend(std::iter::repeat_n(7u8, n)));
            let mut want = vec![0xff];
            key(&mut want, 3, 2);
            len_prefixed(&mut want, &vec![7u8; n]);
            assert_eq!(b, want, "{n} bytes");
        }
    }

    #[test]
    fn shared_header_values_are_sent_as_their_text() {
        let encoded = |v: Value| {
            let mut b = Vec::new();
            any_value(&mut b, &v);
            b
        };
        let mut want = Vec::new();
        any_value(&mut want, &Value::Str("curl/8.5".into()));
        let ua = http::HeaderValue::from_static("curl/8.5");
        assert_eq!(encoded(Value::Header(ua)), want);
        // Not visible ASCII: empty, as `to_str` refuses it (the strings it replaced did too).
        let opaque = http::HeaderValue::from_bytes(b"caf\xc3\xa9").expect("value");
        assert_eq!(encoded(Value::Header(opaque)), [0x0a, 0x00]);
    }

    #[test]
    fn zero_values_are_left_out() {
        let mut b = Vec::new();
        varint_field(&mut b, 6, 0);
        fixed64(&mut b, 7, 0);
        string(&mut b, 5, "");
        assert!(b.is_empty());
    }
}
