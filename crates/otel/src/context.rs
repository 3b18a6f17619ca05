//! W3C Trace Context (`traceparent`, `tracestate`): what a client sends, what a backend gets.
//! `baggage` needs nothing of ours: the gateway forwards the client's header as it came, which
//! is what Traefik's baggage propagator re-injects.

use std::cell::RefCell;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};

use crate::id::{SpanId, TraceId, hex_into, parse_hex};

pub const TRACEPARENT: &str = "traceparent";
pub const TRACESTATE: &str = "tracestate";

/// The same names as `HeaderName`s: a `&str` key is parsed again on every lookup (it cost
/// more than the rest of the propagation).
static TRACEPARENT_NAME: HeaderName = HeaderName::from_static(TRACEPARENT);
static TRACESTATE_NAME: HeaderName = HeaderName::from_static(TRACESTATE);

/// The length of a version `00` `traceparent` value.
const TRACEPARENT_LEN: usize = 55;

/// `traceparent` values per block of [`ROOM`].
const VALUES_PER_BLOCK: usize = 64;

thread_local! {
    /// Room for this thread's next `traceparent` values. Each value is a slice of a shared
    /// block (a reference count, not an allocation): a value of its own, copied from the
    /// stack, cost an allocation and a free per proxied request. A block is freed once its
    /// last value is dropped: a few KiB at most stay alive per thread.
    static ROOM: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// Where a span sits in its trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanContext {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub sampled: bool,
    /// The client's `tracestate`, passed along unchanged.
    pub trace_state: Option<Arc<str>>,
}

// === impl SpanContext ===

impl SpanContext {
    /// The remote parent in a request's `traceparent` (and its `tracestate`), if valid.
    pub fn extract(headers: &HeaderMap) -> Option<Self> {
        let parent = headers.get(&TRACEPARENT_NAME)?.to_str().ok()?;
        let (trace_id, span_id, sampled) = parse_traceparent(parent.trim())?;
        let mut state = String::new();
        for v in headers.get_all(&TRACESTATE_NAME) {
            let v = v.to_str().ok()?.trim();
            if v.is_empty() {
                continue;
            }
            if !state.is_empty() {
                state.push(',');
            }
            state.push_str(v);
        }
        let valid_state = state
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .all(|m| {
                m.split_once('=')
                    .is_some_and(|(k, v)| !k.is_empty() && !v.is_empty())
            });
        Some(Self {
            trace_id,
            span_id,
            sampled,
            trace_state: (valid_state && !state.is_empty()).then(|| Arc::from(state)),
        })
    }

    /// A child of `self` (same trace, sampling and state), with a new span id.
    pub fn child(&self) -> Self {
        Self {
            span_id: SpanId::random(),
            ..self.clone()
        }
    }

    /// `traceparent: 00-<trace>-<span>-<flags>` for this span.
    pub fn traceparent(&self) -> HeaderValue {
        // Written in place (once per proxied request): no formatter.
        let mut b = *b"00-________________________________-________________-0_";
        hex_into(&mut b[3..35], &self.trace_id.0);
        hex_into(&mut b[36..52], &self.span_id.0);
        b[54] = if self.sampled { b'1' } else { b'0' };
        let value = in_room(&b);
        // SAFETY: `b` is the template's ASCII dashes and digits with lowercase hex digits
        // written over its `_`s (`hex_into` writes only `0-9a-f`) and `0`/`1` for the flags:
        // visible ASCII, so valid UTF-8 and a valid header value. Unchecked because the
        // check walked the 55 bytes one by one on every proxied request (a tenth of what
        // propagation cost), for a value built here from a fixed alphabet.
        #[allow(unsafe_code)]
        unsafe {
            HeaderValue::from_maybe_shared_unchecked(value)
        }
    }

    /// Writes this span's context into an outgoing request: `traceparent` replaced, and
    /// `tracestate` replaced when the context carries one. Without one, a `tracestate` the
    /// client sent is left as it came, as Go's `TraceContext` propagator (Traefik's) does:
    /// it sets headers and removes none (and a removal cost a lookup per request).
    pub fn inject(&self, headers: &mut HeaderMap) {
        headers.insert(&TRACEPARENT_NAME, self.traceparent());
        if let Some(v) = self
            .trace_state
            .as_deref()
            .and_then(|s| HeaderValue::from_str(s).ok())
        {
            headers.insert(&TRACESTATE_NAME, v);
        }
    }
}

/// `value` copied into this thread's [`ROOM`] (a new block when the last one is full).
fn in_room(value: &[u8; TRACEPARENT_LEN]) -> Bytes {
    ROOM.with_borrow_mut(|room| {
        if room.capacity() < TRACEPARENT_LEN {
            *room = BytesMut::with_capacity(TRACEPARENT_LEN * VALUES_PER_BLOCK);
        }
        room.extend_from_slice(value);
        room.split().freeze()
    })
}

/// Parses `version-traceid-spanid-flags`. Version `ff` is invalid; version `00` has exactly
/// four fields; a later version may append fields after a `-`.
fn parse_traceparent(s: &str) -> Option<(TraceId, SpanId, bool)> {
    if s.len() < 55 {
        return None;
    }
    let version = parse_hex::<1>(s.get(0..2)?)?[0];
    if version == 0xff || (version == 0 && s.len() != 55) {
        return None;
    }
    if s.len() > 55 && s.as_bytes()[55] != b'-' {
        return None;
    }
    let b = s.as_bytes();
    if b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
        return None;
    }
    let trace_id = TraceId(parse_hex::<16>(s.get(3..35)?)?);
    let span_id = SpanId(parse_hex::<8>(s.get(36..52)?)?);
    let flags = parse_hex::<1>(s.get(53..55)?)?[0];
    (trace_id.is_valid() && span_id.is_valid()).then_some((trace_id, span_id, flags & 1 == 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TP: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn extracts_a_valid_parent_and_its_state() {
        let h = headers(&[(TRACEPARENT, TP), (TRACESTATE, "a=1"), (TRACESTATE, "b=2")]);
        let ctx = SpanContext::extract(&h).expect("valid");
        assert_eq!(ctx.trace_id.to_string(), "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(ctx.span_id.to_string(), "b7ad6b7169203331");
        assert!(ctx.sampled);
        assert_eq!(ctx.trace_state.as_deref(), Some("a=1,b=2"));
        // Written back as it was read; unsampled as `-00`.
        assert_eq!(ctx.traceparent(), TP);
        let unsampled = SpanContext {
            sampled: false,
            ..ctx
        };
        assert_eq!(unsampled.traceparent(), TP.replace("-01", "-00").as_str());
    }

    #[test]
    fn refuses_malformed_parents() {
        for bad in [
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "00-00000000000000000000000000000000-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01",
        ] {
            let h = headers(&[(TRACEPARENT, bad)]);
            assert_eq!(SpanContext::extract(&h), None, "{bad}");
        }
        // A later version may carry more fields.
        let later = "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-what";
        let ctx = SpanContext::extract(&headers(&[(TRACEPARENT, later)])).expect("later version");
        assert!(!ctx.sampled);
    }

    #[test]
    fn values_sliced_from_shared_blocks_stay_whole() {
        // Past several blocks, values of old blocks kept alive while new ones are made.
        let parent = SpanContext::extract(&headers(&[(TRACEPARENT, TP)])).expect("valid");
        let made: Vec<(SpanContext, HeaderValue)> = (0..3 * VALUES_PER_BLOCK + 5)
            .map(|i| {
                let ctx = SpanContext {
                    sampled: i % 2 == 0,
                    ..parent.child()
                };
                let value = ctx.traceparent();
                (ctx, value)
            })
            .collect();
        for (ctx, value) in &made {
            let want = format!(
                "00-{}-{}-0{}",
                ctx.trace_id,
                ctx.span_id,
                u8::from(ctx.sampled)
            );
            assert_eq!(value.to_str().expect("ascii"), want);
        }
    }

    #[test]
    fn without_a_state_the_clients_tracestate_is_left_as_it_came() {
        // An invalid traceparent: a new trace, with no state of its own.
        let h = headers(&[(TRACEPARENT, "00-bad"), (TRACESTATE, "a=1")]);
        assert!(SpanContext::extract(&h).is_none());
        let ctx = SpanContext {
            trace_id: TraceId::random(),
            span_id: SpanId::random(),
            sampled: true,
            trace_state: None,
        };
        let mut out = h.clone();
        ctx.inject(&mut out);
        assert_eq!(out[TRACESTATE], "a=1");
        assert_eq!(out[TRACEPARENT], ctx.traceparent());
    }

    #[test]
    fn injects_the_child_and_keeps_the_state() {
        let h = headers(&[(TRACEPARENT, TP), (TRACESTATE, "a=1")]);
        let child = SpanContext::extract(&h).expect("valid").child();
        let mut out = headers(&[(TRACEPARENT, TP)]);
        child.inject(&mut out);
        let tp = out[TRACEPARENT].to_str().expect("ascii");
        assert!(tp.starts_with("00-0af7651916cd43dd8448eb211c80319c-"));
        assert!(tp.ends_with("-01"));
        assert_ne!(tp, TP);
        assert_eq!(out[TRACESTATE], "a=1");
    }
}
