//! OpenTelemetry traces for Waygate, without the OpenTelemetry SDK: the span model
//! ([`SpanData`], its [`Attributes`] encoded as they come), W3C trace context
//! ([`SpanContext`]), parent-based ratio sampling and the OTLP exporters ([`Tracer`]), as Traefik configures them (`tracing` in the static
//! configuration, reference §1.12). The proxy builds the spans (its `trace` module); this
//! crate queues them and ships them, never blocking a request.

mod attributes;
mod batch;
mod context;
mod export;
mod id;
mod metrics;
mod proto;
mod query;
mod span;
mod tracer;

pub use self::attributes::Attributes;
pub use self::batch::{BatchConfig, Stats};
pub use self::context::{SpanContext, TRACEPARENT, TRACESTATE};
pub use self::export::{ExportError, Transport};
pub use self::id::{SpanId, TraceId};
pub use self::metrics::{
    HistogramPoint, Metric, MetricsPusher, NumberPoint, Points, export_metrics_request,
};
pub use self::proto::Resource;
pub use self::query::redact_query;
pub use self::span::{KeyValue, Kind, SpanData, StatusCode, Value, nanos_ago, unix_nanos};
pub use self::tracer::{Root, Tracer};
