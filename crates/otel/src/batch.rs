//! The bounded queue between requests and the collector, drained by one task: spans are
//! sent in batches of at most `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` (512) or every
//! `OTEL_BSP_SCHEDULE_DELAY` ms (5000), the OpenTelemetry batch span processor's settings and
//! environment variables. A full queue (`OTEL_BSP_MAX_QUEUE_SIZE`, 2048: the collector is
//! slower than traffic, or down) drops the span and counts it: a request never waits, and a
//! dead collector costs at most the queue and one batch in flight.
//!
//! A span does not wake the task: it wakes on its timer, when a batch is full, and for a
//! flush (a wake per span cost about as much as the span's own bookkeeping).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::{Notify, mpsc, oneshot};
use tracing::{debug, warn};

use bytes::Bytes;

use crate::export::{ExportError, Transport};
use crate::proto::{Resource, encode_trace_request};
use crate::span::SpanData;

/// Batching settings.
#[derive(Debug, Clone, Copy)]
pub struct BatchConfig {
    pub max_queue: usize,
    pub max_batch: usize,
    pub delay: Duration,
}

/// What the exporter did, for logs and metrics.
#[derive(Debug, Default)]
pub struct Stats {
    pub exported: AtomicU64,
    /// Dropped because the queue was full.
    pub dropped: AtomicU64,
    /// Lost in exports that failed.
    pub failed: AtomicU64,
    /// The last export failed (a warning is logged once per failing streak).
    failing: AtomicBool,
}

/// The request side of the queue.
#[derive(Debug)]
pub(crate) struct Queue {
    tx: mpsc::Sender<SpanData>,
    flush: mpsc::Sender<oneshot::Sender<()>>,
    /// Wakes the task when a batch is full.
    full: Arc<Notify>,
    max_batch: usize,
    pub(crate) stats: Arc<Stats>,
}

// === impl BatchConfig ===

impl BatchConfig {
    /// Defaults, overridden by the `OTEL_BSP_*` environment variables.
    pub fn from_env() -> Self {
        let var = |k: &str, d: u64| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|v| *v > 0)
                .unwrap_or(d)
        };
        let max_queue = usize::try_from(var("OTEL_BSP_MAX_QUEUE_SIZE", 2048)).unwrap_or(2048);
        let max_batch = usize::try_from(var("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512))
            .unwrap_or(512)
            .min(max_queue);
        Self {
            max_queue,
            max_batch,
            delay: Duration::from_millis(var("OTEL_BSP_SCHEDULE_DELAY", 5000)),
        }
    }
}

// === impl Queue ===

impl Queue {
    /// Spawns the draining task on the current Tokio runtime.
    pub(crate) fn spawn(transport: Transport, resource: Resource, cfg: BatchConfig) -> Self {
        let resource = Arc::new(resource);
        let (tx, rx) = mpsc::channel(cfg.max_queue);
        let (flush, flush_rx) = mpsc::channel(1);
        let stats = Arc::new(Stats::default());
        let full = Arc::new(Notify::new());
        let task = Task {
            rx,
            transport,
            resource,
            cfg,
            stats: stats.clone(),
            batch: Vec::with_capacity(cfg.max_batch),
            message: Vec::new(),
        };
        tokio::spawn(task.run(flush_rx, full.clone()));
        Self {
            tx,
            flush,
            full,
            max_batch: cfg.max_batch,
            stats,
        }
    }

    /// Queues a finished span, or drops it when the queue is full.
    pub(crate) fn submit(&self, span: SpanData) {
        if self.tx.try_send(span).is_ok() {
            if self.tx.max_capacity() - self.tx.capacity() >= self.max_batch {
                self.full.notify_one();
            }
        } else {
            let n = self.stats.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            // Logged at 1, 2, 4, 8, … drops: visible, never a flood.
            if n.is_power_of_two() {
                warn!(dropped = n, "trace export queue full: spans dropped");
            }
        }
    }

    /// Exports what is queued now; returns when that is done (or failed).
    pub(crate) async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.flush.send(done).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// The draining task.
struct Task {
    rx: mpsc::Receiver<SpanData>,
    transport: Transport,
    resource: Arc<Resource>,
    cfg: BatchConfig,
    stats: Arc<Stats>,
    /// Spans taken off the queue, not exported yet.
    batch: Vec<SpanData>,
    /// The encoded request, kept across exports: a full batch encodes to about 100 KiB,
    /// which a new buffer took from the allocator's slow paths (or mmap) each time.
    message: Vec<u8>,
}

// === impl Task ===

impl Task {
    async fn run(mut self, mut flush_rx: mpsc::Receiver<oneshot::Sender<()>>, full: Arc<Notify>) {
        debug!(collector = %self.transport.describe(), "exporting traces");
        let mut tick = tokio::time::interval(self.cfg.delay);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                // A batch is full: export the full batches, keep the rest for the timer.
                () = full.notified() => {
                    if self.drain().await {
                        return self.export().await;
                    }
                }
                _ = tick.tick() => {
                    let closed = self.drain().await;
                    self.export().await;
                    if closed {
                        return;
                    }
                }
                done = flush_rx.recv() => {
                    let closed = self.drain().await;
                    self.export().await;
                    match done {
                        Some(done) => {
                            let _ = done.send(());
                        }
                        // The tracer is gone.
                        None => return,
                    }
                    if closed {
                        return;
                    }
                }
            }
        }
    }

    /// Takes what is queued, exporting each batch that fills; true when the queue closed.
    async fn drain(&mut self) -> bool {
        loop {
            match self.rx.try_recv() {
                Ok(span) => {
                    self.batch.push(span);
                    if self.batch.len() >= self.cfg.max_batch {
                        self.export().await;
                    }
                }
                Err(TryRecvError::Empty) => return false,
                Err(TryRecvError::Disconnected) => return true,
            }
        }
    }

    async fn export(&mut self) {
        export(
            &self.transport,
            &self.resource,
            &mut self.batch,
            &mut self.message,
            &self.stats,
        )
        .await;
    }
}

async fn export(
    transport: &Transport,
    resource: &Arc<Resource>,
    batch: &mut Vec<SpanData>,
    message: &mut Vec<u8>,
    stats: &Stats,
) {
    if batch.is_empty() {
        return;
    }
    let n = batch.len() as u64;
    let sent = match encode(transport, resource, batch, message).await {
        Ok(body) => transport.send_body(body).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(()) => {
            stats.exported.fetch_add(n, Ordering::Relaxed);
            if stats.failing.swap(false, Ordering::Relaxed) {
                warn!(collector = %transport.describe(), "trace export recovered");
            }
        }
        Err(e) => {
            stats.failed.fetch_add(n, Ordering::Relaxed);
            if !stats.failing.swap(true, Ordering::Relaxed) {
                warn!(collector = %transport.describe(), error = %e, spans = n, "trace export failed: spans lost until the collector answers");
            } else {
                debug!(collector = %transport.describe(), error = %e, spans = n, "trace export failed");
            }
        }
    }
}

/// Encodes and compresses `batch` (emptied) into a request body, on a blocking thread: a
/// full batch costs a millisecond or more of CPU, which on a runtime thread would hold every
/// connection that thread serves. The batch's and the message's buffers come back for the
/// next export.
async fn encode(
    transport: &Transport,
    resource: &Arc<Resource>,
    batch: &mut Vec<SpanData>,
    message: &mut Vec<u8>,
) -> Result<Bytes, ExportError> {
    let (mut spans, mut buf) = (std::mem::take(batch), std::mem::take(message));
    let (framer, resource) = (transport.framer(), resource.clone());
    let job = tokio::task::spawn_blocking(move || {
        buf.clear();
        encode_trace_request(&mut buf, &resource, &spans);
        spans.clear();
        // Where this thread shares a core with a worker, the worker runs between the two
        // halves of the work rather than after both.
        std::thread::yield_now();
        let body = framer.body(&buf);
        (spans, buf, body)
    });
    match job.await {
        Ok((spans, buf, body)) => {
            *batch = spans;
            *message = buf;
            body
        }
        Err(e) => Err(ExportError::Send(format!("encoding the batch: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use waygate_config::static_config::{OtlpHttp, TracingOtlp};

    use super::*;
    use crate::id::{SpanId, TraceId};
    use crate::span::{Kind, StatusCode};

    fn span() -> SpanData {
        SpanData {
            trace_id: TraceId::random(),
            span_id: SpanId::random(),
            parent: None,
            parent_remote: false,
            trace_state: None,
            name: Cow::Borrowed("GET"),
            kind: Kind::Server,
            start: 1,
            end: 2,
            attributes: Vec::new(),
            status: StatusCode::Unset,
            status_message: String::new(),
        }
    }

    #[test]
    fn a_dead_collector_costs_the_queue_and_no_more() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let otlp = TracingOtlp {
                grpc: None,
                http: Some(OtlpHttp {
                    endpoint: "http://127.0.0.1:1/v1/traces".into(),
                    ..OtlpHttp::default()
                }),
            };
            let transport = Transport::new(Some(&otlp)).expect("transport");
            let resource = Resource {
                attributes: Vec::new(),
                scope_name: "test",
                scope_version: "0",
            };
            let cfg = BatchConfig {
                max_queue: 4,
                max_batch: 2,
                delay: Duration::from_secs(3600),
            };
            let queue = Queue::spawn(transport, resource, cfg);
            // The draining task cannot run before this loop yields: four spans fit.
            for _ in 0..1000 {
                queue.submit(span());
            }
            assert_eq!(queue.stats.dropped.load(Ordering::Relaxed), 996);
            queue.flush().await;
            assert_eq!(queue.stats.failed.load(Ordering::Relaxed), 4);
            assert_eq!(queue.stats.exported.load(Ordering::Relaxed), 0);
        });
    }
}
