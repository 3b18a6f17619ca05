//! A finished span as the exporter sees it: ids, name, kind, times, attributes, status.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::id::{SpanId, TraceId};

/// OTLP `SpanKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Internal = 1,
    Server = 2,
    Client = 3,
}

/// OTLP `Status.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusCode {
    #[default]
    Unset = 0,
    Error = 2,
}

/// An attribute value (the OTLP `AnyValue` variants spans use).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(Cow<'static, str>),
    /// A string several attributes or spans hold (the entry point's name, an address): one
    /// allocation, or none, instead of one per attribute.
    Shared(Arc<str>),
    /// A header value made once and shared (the connection's client IP). Sent as its
    /// text; a value that is not visible ASCII is sent empty, as `HeaderValue::to_str`
    /// refuses it. Not for a request's own header values: those point into the
    /// connection's read buffer, which a queued span would keep alive.
    Header(http::HeaderValue),
    Int(i64),
    Bool(bool),
    Strings(Vec<String>),
}

/// One attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValue {
    pub key: Cow<'static, str>,
    pub value: Value,
}

/// A finished span.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanData {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent: Option<SpanId>,
    /// The parent came from the client's `traceparent`.
    pub parent_remote: bool,
    pub trace_state: Option<Arc<str>>,
    pub name: Cow<'static, str>,
    pub kind: Kind,
    /// Unix time in nanoseconds.
    pub start: u64,
    pub end: u64,
    pub attributes: Vec<KeyValue>,
    pub status: StatusCode,
    pub status_message: String,
}

/// Nanoseconds since the Unix epoch of `t`.
pub fn unix_nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Unix nanoseconds `elapsed` ago.
pub fn nanos_ago(elapsed: Duration) -> u64 {
    let now = unix_nanos(SystemTime::now());
    now.saturating_sub(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX))
}

// === impl KeyValue ===

impl KeyValue {
    pub fn str(key: &'static str, value: impl Into<Cow<'static, str>>) -> Self {
        Self {
            key: Cow::Borrowed(key),
            value: Value::Str(value.into()),
        }
    }

    pub fn shared(key: &'static str, value: Arc<str>) -> Self {
        Self {
            key: Cow::Borrowed(key),
            value: Value::Shared(value),
        }
    }

    pub fn header(key: &'static str, value: http::HeaderValue) -> Self {
        Self {
            key: Cow::Borrowed(key),
            value: Value::Header(value),
        }
    }

    pub fn int(key: &'static str, value: i64) -> Self {
        Self {
            key: Cow::Borrowed(key),
            value: Value::Int(value),
        }
    }
}
