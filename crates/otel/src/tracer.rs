//! The tracer: `tracing`'s settings, the resource, sampling, and the queue to the exporter.

use std::borrow::Cow;
use std::collections::BTreeMap;

use http::HeaderMap;
use http::header::HeaderName;
use waygate_config::static_config::Tracing;

use crate::batch::{BatchConfig, Queue, Stats};
use crate::context::SpanContext;
use crate::export::{ExportError, Transport};
use crate::id::{SpanId, TraceId};
use crate::proto::Resource;
use crate::span::{KeyValue, SpanData, Value};

/// Where a request's first span sits: its own context, and its parent's.
#[derive(Debug, Clone)]
pub struct Root {
    pub ctx: SpanContext,
    /// The client's span, when its `traceparent` was valid.
    pub parent: Option<SpanId>,
}

/// One per process (kept across reloads): created from the static `tracing` section.
#[derive(Debug)]
pub struct Tracer {
    queue: Queue,
    /// `sampleRate` as Go's `TraceIDRatioBased` threshold on the trace id's low 63 bits.
    threshold: u64,
    always: bool,
    pub captured_request_headers: Vec<HeaderName>,
    pub captured_response_headers: Vec<HeaderName>,
    pub safe_query_params: Vec<String>,
    pub add_internals: bool,
}

// === impl Tracer ===

impl Tracer {
    /// Builds the exporter and spawns its task (on the current Tokio runtime).
    pub fn start(cfg: &Tracing) -> Result<Self, ExportError> {
        let transport = Transport::new(cfg.otlp.as_ref())?;
        let attrs = cfg.global_attributes.iter().chain(&cfg.resource_attributes);
        let resource = resource(&cfg.service_name, attrs);
        let queue = Queue::spawn(transport, resource, BatchConfig::from_env());
        let rate = if cfg.sample_rate.is_nan() {
            0.0
        } else {
            cfg.sample_rate
        };
        let names = |list: &[String]| {
            list.iter()
                .filter_map(|h| HeaderName::try_from(h.as_str()).ok())
                .collect()
        };
        Ok(Self {
            queue,
            threshold: (rate.clamp(0.0, 1.0) * (1u64 << 63) as f64) as u64,
            always: rate >= 1.0,
            captured_request_headers: names(&cfg.captured_request_headers),
            captured_response_headers: names(&cfg.captured_response_headers),
            safe_query_params: cfg.safe_query_params.clone(),
            add_internals: cfg.add_internals,
        })
    }

    /// The first span of a request: a child of the client's span (sampled as the client
    /// says: parent-based sampling), else the root of a new trace sampled at `sampleRate`.
    pub fn root(&self, headers: &HeaderMap) -> Root {
        match SpanContext::extract(headers) {
            Some(remote) => Root {
                ctx: remote.child(),
                parent: Some(remote.span_id),
            },
            None => {
                let trace_id = TraceId::random();
                Root {
                    ctx: SpanContext {
                        trace_id,
                        span_id: SpanId::random(),
                        sampled: self.ratio_sampled(&trace_id),
                        trace_state: None,
                    },
                    parent: None,
                }
            }
        }
    }

    fn ratio_sampled(&self, trace_id: &TraceId) -> bool {
        if self.always {
            return true;
        }
        let mut low = [0u8; 8];
        low.copy_from_slice(&trace_id.0[8..]);
        (u64::from_be_bytes(low) >> 1) < self.threshold
    }

    /// Queues a finished span (dropped, and counted, when the queue is full).
    pub fn submit(&self, span: &SpanData<'_>) {
        self.queue.submit(span);
    }

    /// Exports what is queued (at shutdown).
    pub async fn flush(&self) {
        self.queue.flush().await;
    }

    pub fn stats(&self) -> &Stats {
        &self.queue.stats
    }
}

/// `service.name`, `service.version` and the SDK's attributes, then `resourceAttributes`
/// (`globalAttributes` first, its deprecated spelling), then `OTEL_RESOURCE_ATTRIBUTES` and
/// `OTEL_SERVICE_NAME`, as Traefik's resource detectors order them.
pub(crate) fn resource<'a>(
    service_name: &str,
    configured: impl Iterator<Item = (&'a String, &'a String)>,
) -> Resource {
    let mut attrs: BTreeMap<String, String> = BTreeMap::new();
    attrs.insert("service.name".into(), service_name.to_string());
    attrs.insert("service.version".into(), env!("CARGO_PKG_VERSION").into());
    attrs.insert("telemetry.sdk.name".into(), "waygate".into());
    attrs.insert("telemetry.sdk.language".into(), "rust".into());
    attrs.insert(
        "telemetry.sdk.version".into(),
        env!("CARGO_PKG_VERSION").into(),
    );
    attrs.insert("process.pid".into(), std::process::id().to_string());
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        attrs.insert("host.name".into(), host.trim().to_string());
    }
    for (k, v) in configured {
        attrs.insert(k.clone(), v.clone());
    }
    if let Ok(env) = std::env::var("OTEL_RESOURCE_ATTRIBUTES") {
        for pair in env.split(',') {
            if let Some((k, v)) = pair.split_once('=') {
                attrs.insert(k.trim().to_string(), percent_decode(v.trim()));
            }
        }
    }
    if let Ok(name) = std::env::var("OTEL_SERVICE_NAME")
        && !name.is_empty()
    {
        attrs.insert("service.name".into(), name);
    }
    Resource {
        attributes: attrs
            .into_iter()
            .map(|(k, v)| {
                let value = match k.as_str() {
                    "process.pid" => v.parse().map_or(Value::Str(v.into()), Value::Int),
                    _ => Value::Str(v.into()),
                };
                KeyValue {
                    key: Cow::Owned(k),
                    value,
                }
            })
            .collect(),
        // Traefik's instrumentation scope: queries that select its spans keep working.
        scope_name: "github.com/traefik/traefik",
        scope_version: env!("CARGO_PKG_VERSION"),
    }
}

/// `%XX` escapes (W3C baggage encoding of `OTEL_RESOURCE_ATTRIBUTES` values).
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracer(rate: f64) -> Tracer {
        let cfg = Tracing {
            sample_rate: rate,
            ..Tracing::default()
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let _guard = rt.enter();
        Tracer::start(&cfg).expect("tracer")
    }

    #[test]
    fn sampling_follows_the_rate_and_the_parent() {
        let (all, none, half) = (tracer(1.0), tracer(0.0), tracer(0.5));
        let empty = HeaderMap::new();
        assert!(all.root(&empty).ctx.sampled);
        assert!(!none.root(&empty).ctx.sampled);
        let kept = (0..2000).filter(|_| half.root(&empty).ctx.sampled).count();
        assert!((800..1200).contains(&kept), "{kept} of 2000 at 0.5");
        // A sampled client parent is followed even at rate 0, an unsampled one even at 1.
        let mut h = HeaderMap::new();
        h.insert(
            "traceparent",
            http::HeaderValue::from_static(
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ),
        );
        let root = none.root(&h);
        assert!(root.ctx.sampled);
        assert_eq!(
            root.ctx.trace_id.to_string(),
            "0af7651916cd43dd8448eb211c80319c"
        );
        assert_eq!(
            root.parent.map(|p| p.to_string()).as_deref(),
            Some("b7ad6b7169203331")
        );
        h.insert(
            "traceparent",
            http::HeaderValue::from_static(
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
            ),
        );
        assert!(!all.root(&h).ctx.sampled);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%2Cc"), "a b,c");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
