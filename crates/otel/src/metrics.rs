//! OTLP metrics (`metrics.otlp`): a snapshot of cumulative series ([`Metric`]) encoded as an
//! `ExportMetricsServiceRequest` (field numbers from the official `metrics.proto`) and
//! pushed every `pushInterval` by one task ([`MetricsPusher`]). The series come from the
//! caller (the proxy's Prometheus registry), so both exporters show the same numbers.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

use tracing::{debug, warn};
use waygate_config::static_config::MetricsOtlp;

use crate::export::{ExportError, Transport};
use crate::proto::{
    Resource, fixed64, key, key_value, len_prefixed, message, string, varint_field,
};
use crate::span::{KeyValue, Value, unix_nanos};

/// One metric and its data points.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub name: String,
    pub description: String,
    pub unit: &'static str,
    pub points: Points,
}

/// The data points of a metric, by its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Points {
    /// A monotonic cumulative sum (a Prometheus counter).
    Sum(Vec<NumberPoint>),
    Gauge(Vec<NumberPoint>),
    /// Cumulative explicit-bucket histograms.
    Histogram(Vec<HistogramPoint>),
}

/// A number and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberPoint {
    pub attributes: Vec<(String, String)>,
    pub value: f64,
}

/// A histogram: `bucket_counts` has one count per bucket (not cumulative), one more than
/// `bounds`.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramPoint {
    pub attributes: Vec<(String, String)>,
    pub count: u64,
    pub sum: f64,
    pub bounds: Vec<f64>,
    pub bucket_counts: Vec<u64>,
}

/// The task pushing metrics.
#[derive(Debug)]
pub struct MetricsPusher {
    task: tokio::task::JoinHandle<()>,
}

/// Aggregation temporality CUMULATIVE.
const CUMULATIVE: u64 = 2;

/// Encodes one export request. `start` is when the series began (process start).
pub fn export_metrics_request(
    resource: &Resource,
    start: u64,
    now: u64,
    metrics: &[Metric],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    // ExportMetricsServiceRequest.resource_metrics = 1
    message(&mut out, 1, |rm| {
        message(rm, 1, |r| {
            for kv in &resource.attributes {
                message(r, 1, |m| key_value(m, kv));
            }
        });
        // ResourceMetrics.scope_metrics = 2
        message(rm, 2, |sm| {
            message(sm, 1, |s| {
                string(s, 1, resource.scope_name);
                string(s, 2, resource.scope_version);
            });
            for m in metrics {
                // ScopeMetrics.metrics = 2
                message(sm, 2, |out| metric(out, m, start, now));
            }
        });
    });
    out
}

fn metric(out: &mut Vec<u8>, m: &Metric, start: u64, now: u64) {
    string(out, 1, &m.name);
    string(out, 2, &m.description);
    string(out, 3, m.unit);
    match &m.points {
        // Gauge = 5 { data_points = 1 }
        Points::Gauge(points) => message(out, 5, |g| {
            for p in points {
                message(g, 1, |d| number_point(d, p, 0, now));
            }
        }),
        // Sum = 7 { data_points = 1, aggregation_temporality = 2, is_monotonic = 3 }
        Points::Sum(points) => message(out, 7, |s| {
            for p in points {
                message(s, 1, |d| number_point(d, p, start, now));
            }
            varint_field(s, 2, CUMULATIVE);
            varint_field(s, 3, 1);
        }),
        // Histogram = 9 { data_points = 1, aggregation_temporality = 2 }
        Points::Histogram(points) => message(out, 9, |h| {
            for p in points {
                message(h, 1, |d| histogram_point(d, p, start, now));
            }
            varint_field(h, 2, CUMULATIVE);
        }),
    }
}

fn attributes(out: &mut Vec<u8>, field: u32, attrs: &[(String, String)]) {
    for (k, v) in attrs {
        let kv = KeyValue {
            key: Cow::Owned(k.clone()),
            value: Value::Str(Cow::Owned(v.clone())),
        };
        message(out, field, |m| key_value(m, &kv));
    }
}

fn double(out: &mut Vec<u8>, field: u32, v: f64) {
    key(out, field, 1);
    out.extend_from_slice(&v.to_le_bytes());
}

/// NumberDataPoint { start_time_unix_nano = 2, time_unix_nano = 3, as_double = 4,
/// attributes = 7 }
fn number_point(out: &mut Vec<u8>, p: &NumberPoint, start: u64, now: u64) {
    fixed64(out, 2, start);
    fixed64(out, 3, now);
    double(out, 4, p.value);
    attributes(out, 7, &p.attributes);
}

/// HistogramDataPoint { start_time_unix_nano = 2, time_unix_nano = 3, count = 4, sum = 5,
/// bucket_counts = 6 (packed fixed64), explicit_bounds = 7 (packed double), attributes = 9 }
fn histogram_point(out: &mut Vec<u8>, p: &HistogramPoint, start: u64, now: u64) {
    fixed64(out, 2, start);
    fixed64(out, 3, now);
    key(out, 4, 1);
    out.extend_from_slice(&p.count.to_le_bytes());
    double(out, 5, p.sum);
    let counts: Vec<u8> = p
        .bucket_counts
        .iter()
        .flat_map(|c| c.to_le_bytes())
        .collect();
    key(out, 6, 2);
    len_prefixed(out, &counts);
    let bounds: Vec<u8> = p.bounds.iter().flat_map(|b| b.to_le_bytes()).collect();
    if !bounds.is_empty() {
        key(out, 7, 2);
        len_prefixed(out, &bounds);
    }
    attributes(out, 9, &p.attributes);
}

// === impl MetricsPusher ===

impl MetricsPusher {
    /// Pushes `collect()` every `pushInterval` (on the current Tokio runtime).
    pub fn start(
        cfg: &MetricsOtlp,
        collect: impl Fn() -> Vec<Metric> + Send + Sync + 'static,
    ) -> Result<Self, ExportError> {
        let transport = Transport::for_metrics(cfg)?;
        let resource = Arc::new(crate::tracer::resource(
            &cfg.service_name,
            cfg.resource_attributes.iter(),
        ));
        let every = cfg
            .push_interval
            .to_std()
            .filter(|d| !d.is_zero())
            .unwrap_or(std::time::Duration::from_secs(10));
        let start = unix_nanos(SystemTime::now());
        let task = tokio::spawn(async move {
            debug!(collector = %transport.describe(), "exporting metrics");
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            let mut failing = false;
            loop {
                tick.tick().await;
                let metrics = collect();
                let now = unix_nanos(SystemTime::now());
                let message = export_metrics_request(&resource, start, now, &metrics);
                match transport.send(&message).await {
                    Ok(()) if failing => {
                        failing = false;
                        warn!(collector = %transport.describe(), "metrics export recovered");
                    }
                    Ok(()) => {}
                    Err(e) if !failing => {
                        failing = true;
                        warn!(collector = %transport.describe(), error = %e, "metrics export failed");
                    }
                    Err(_) => {}
                }
            }
        });
        Ok(Self { task })
    }
}

impl Drop for MetricsPusher {
    fn drop(&mut self) {
        self.task.abort();
    }
}
