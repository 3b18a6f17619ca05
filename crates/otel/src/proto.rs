//! OTLP protobuf, written by hand: `ExportTraceServiceRequest` of
//! `opentelemetry/proto/collector/trace/v1/trace_service.proto` (field numbers from the
//! official `.proto` files; the tests' receiver decodes with the official generated code).
//! Eight field kinds are all a span needs, so no code generator or runtime is linked.

use crate::attributes::delimited_len;
use crate::span::{KeyValue, SpanData, Value};

/// The resource and scope every span of this process is reported under.
#[derive(Debug, Clone)]
pub struct Resource {
    pub attributes: Vec<KeyValue>,
    pub scope_name: &'static str,
    pub scope_version: &'static str,
}

/// The head of an `ExportTraceServiceRequest` whose spans (`ScopeSpans.spans` entries, as
/// [`spans_entry`] frames them) are `spans_len` bytes: everything before them. The resource
/// part comes from [`encode_resource`].
pub(crate) fn trace_request_head(
    out: &mut Vec<u8>,
    resource: &[u8],
    scope: &Resource,
    spans_len: usize,
) {
    // ScopeSpans.scope = 1 { name = 1, version = 2 }
    let scope_len =
        delimited_len(scope.scope_name.len()) + delimited_len(scope.scope_version.len());
    let scope_spans_len = delimited_len(scope_len) + spans_len;
    let resource_spans_len = resource.len() + delimited_len(scope_spans_len);
    // ExportTraceServiceRequest.resource_spans = 1
    key(out, 1, 2);
    varint(out, resource_spans_len as u64);
    out.extend_from_slice(resource);
    // ResourceSpans.scope_spans = 2
    key(out, 2, 2);
    varint(out, scope_spans_len as u64);
    key(out, 1, 2);
    varint(out, scope_len as u64);
    string(out, 1, scope.scope_name);
    string(out, 2, scope.scope_version);
}

/// `ResourceSpans.resource = 1 { attributes = 1 }`, encoded once per process.
pub(crate) fn encode_resource(resource: &Resource) -> Vec<u8> {
    let mut out = Vec::new();
    message(&mut out, 1, |r| {
        for kv in &resource.attributes {
            message(r, 1, |m| key_value(m, kv));
        }
    });
    out
}

/// Appends `span`'s `Span` message (without its field key and length: [`spans_entry`]
/// frames it once its length is known).
pub(crate) fn encode_span(out: &mut Vec<u8>, span: &SpanData<'_>) {
    let status = span.status as u64;
    bytes(out, 1, &span.trace_id.0);
    bytes(out, 2, &span.span_id.0);
    if let Some(state) = span.trace_state {
        string(out, 3, state);
    }
    if let Some(parent) = &span.parent {
        bytes(out, 4, &parent.0);
    }
    string(out, 5, span.name);
    varint_field(out, 6, span.kind as u64);
    fixed64(out, 7, span.start);
    fixed64(out, 8, span.end);
    out.extend_from_slice(span.attributes.as_bytes());
    if status != 0 {
        // Status { code = 3 } (no message)
        key(out, 15, 2);
        varint(out, 2);
        varint_field(out, 3, status);
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

/// Appends an encoded span as a `ScopeSpans.spans = 2` entry.
pub(crate) fn spans_entry(out: &mut Vec<u8>, span: &[u8]) {
    key(out, 2, 2);
    len_prefixed(out, span);
}

/// KeyValue { key = 1, value = 2 (AnyValue) }
pub(crate) fn key_value(out: &mut Vec<u8>, kv: &KeyValue) {
    string(out, 1, &kv.key);
    message(out, 2, |v| any_value(v, &kv.value));
}

/// AnyValue { string_value = 1, int_value = 3 }
fn any_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Str(s) => {
            key(out, 1, 2);
            len_prefixed(out, s.as_bytes());
        }
        Value::Int(i) => {
            key(out, 3, 0);
            // int64: two's complement as a 64-bit varint.
            varint(out, *i as u64);
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
    fn spans_are_as_long_as_their_prefix_says() {
        use crate::attributes::Attributes;
        use crate::id::{SpanId, TraceId};
        use crate::span::{Kind, StatusCode};
        let mut attributes = Attributes::default();
        attributes.str("url.path", &"p".repeat(200));
        attributes.int("client.port", 4242);
        let empty = Attributes::default();
        for (state, parent, attrs, status) in [
            (None, None, &empty, StatusCode::Unset),
            (
                Some("a=b"),
                Some(SpanId([7; 8])),
                &attributes,
                StatusCode::Error,
            ),
            (Some(""), None, &attributes, StatusCode::Unset),
        ] {
            let span = SpanData {
                trace_id: TraceId([1; 16]),
                span_id: SpanId([2; 8]),
                parent,
                parent_remote: parent.is_some(),
                trace_state: state,
                name: "GET",
                kind: Kind::Server,
                start: 1,
                end: 2,
                attributes: attrs,
                status,
            };
            let mut encoded = Vec::new();
            encode_span(&mut encoded, &span);
            let mut b = vec![0xee];
            spans_entry(&mut b, &encoded);
            assert_eq!(b[1], 0x12, "ScopeSpans.spans");
            let (mut len, mut shift, mut at) = (0usize, 0, 2);
            while b[at] & 0x80 != 0 {
                len |= usize::from(b[at] & 0x7f) << shift;
                shift += 7;
                at += 1;
            }
            len |= usize::from(b[at]) << shift;
            assert_eq!(len, b.len() - at - 1, "{state:?} {parent:?}");
        }
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
