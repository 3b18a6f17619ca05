//! W3C Trace Context (`traceparent`, `tracestate`): what a client sends, what a backend gets.
//! `baggage` needs nothing of ours: the gateway forwards the client's header as it came, which
//! is what Traefik's baggage propagator re-injects.

use std::sync::Arc;

use http::HeaderMap;
use http::header::{HeaderName, HeaderValue};

use crate::id::{SpanId, TraceId, hex_into, parse_hex};

pub const TRACEPARENT: &str = "traceparent";
pub const TRACESTATE: &str = "tracestate";

/// The same names as `HeaderName`s: a `&str` key is parsed again on every lookup (it cost
/// more than the rest of the propagation).
static TRACEPARENT_NAME: HeaderName = HeaderName::from_static(TRACEPARENT);
static TRACESTATE_NAME: HeaderName = HeaderName::from_static(TRACESTATE);

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
        // Hex digits and dashes only: always a valid value.
        HeaderValue::from_bytes(&b).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// Writes this span's context into an outgoing request (replacing the client's).
    pub fn inject(&self, headers: &mut HeaderMap) {
        headers.insert(&TRACEPARENT_NAME, self.traceparent());
        match self
            .trace_state
            .as_deref()
            .and_then(|s| HeaderValue::from_str(s).ok())
        {
            Some(v) => {
                headers.insert(&TRACESTATE_NAME, v);
            }
            None => {
                headers.remove(&TRACESTATE_NAME);
            }
        }
    }
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
