//! A finished span as the tracer takes it: ids, name, kind, times, attributes, status; and
//! the attribute values of the resource and of metrics.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::attributes::Attributes;
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

/// An attribute value of the resource and of metric points (spans encode theirs as they
/// come: [`Attributes`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(Cow<'static, str>),
    Int(i64),
}

/// One resource or metric attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValue {
    pub key: Cow<'static, str>,
    pub value: Value,
}

/// A finished span, as the tracer takes it: encoded into the export queue at once, so
/// everything is borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub struct SpanData<'a> {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent: Option<SpanId>,
    /// The parent came from the client's `traceparent`.
    pub parent_remote: bool,
    pub trace_state: Option<&'a str>,
    pub name: &'a str,
    pub kind: Kind,
    /// Unix time in nanoseconds.
    pub start: u64,
    pub end: u64,
    pub attributes: &'a Attributes,
    pub status: StatusCode,
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
