//! The bounded queue between requests and the collector, drained by one task: spans are
//! sent in batches of at most `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` (512) or every
//! `OTEL_BSP_SCHEDULE_DELAY` ms (5000), the OpenTelemetry batch span processor's settings and
//! environment variables. The queue holds at most `OTEL_BSP_MAX_QUEUE_SIZE` spans (2048),
//! counting those the task took and has not sent yet: when it is full (the collector is
//! slower than traffic, or down) a span is dropped and counted. A request never waits, and a
//! dead collector costs at most the queue.
//!
//! A span is encoded as it is submitted (on its own thread) and copied into the queue
//! (`ScopeSpans.spans` entries, one buffer under a lock held for the copy): no allocation,
//! no value to move or drop per span, and a batch is sent as it lies, behind the request's
//! head. A span does not wake the task: it wakes on its timer, when a batch is full, and for
//! a flush (a wake per span cost about as much as the span's own bookkeeping).

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot};
use tracing::{debug, warn};

use bytes::Bytes;

use crate::export::{ExportError, Transport};
use crate::proto::{Resource, encode_resource, encode_span, spans_entry, trace_request_head};
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

/// Encoded spans waiting for the task.
#[derive(Debug, Default)]
struct Pending {
    /// `ScopeSpans.spans` entries, in the order submitted.
    bytes: Vec<u8>,
    /// Spans in `bytes`.
    spans: usize,
    /// Where each full batch ends in `bytes`.
    cuts: Vec<usize>,
    /// Spans the task took and has not sent yet (they count against the queue's size).
    held: usize,
}

/// The request side of the queue.
#[derive(Debug)]
pub(crate) struct Queue {
    pending: Arc<Mutex<Pending>>,
    /// Closed when the tracer goes: the task sends what is left and ends.
    flush: mpsc::Sender<oneshot::Sender<()>>,
    /// Wakes the task when a batch is full.
    full: Arc<Notify>,
    cfg: BatchConfig,
    pub(crate) stats: Arc<Stats>,
}

thread_local! {
    /// A span being encoded, on the thread that submits it.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

fn lock(m: &Mutex<Pending>) -> MutexGuard<'_, Pending> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
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
        let pending = Arc::new(Mutex::new(Pending::default()));
        let (flush, flush_rx) = mpsc::channel(1);
        let stats = Arc::new(Stats::default());
        let full = Arc::new(Notify::new());
        let task = Task {
            pending: pending.clone(),
            taken: Pending::default(),
            transport,
            resource: encode_resource(&resource),
            scope: resource,
            cfg,
            stats: stats.clone(),
            message: Vec::new(),
        };
        tokio::spawn(task.run(flush_rx, full.clone()));
        Self {
            pending,
            flush,
            full,
            cfg,
            stats,
        }
    }

    /// Queues a finished span, or drops it when the queue is full.
    pub(crate) fn submit(&self, span: &SpanData<'_>) {
        SCRATCH.with_borrow_mut(|encoded| {
            encoded.clear();
            encode_span(encoded, span);
            self.push(encoded);
        });
    }

    /// Appends one encoded span (the lock is held for the copy only: workers submitting at
    /// once wait for a memcpy, not for each other's encoding).
    fn push(&self, encoded: &[u8]) {
        let batch_full = {
            let mut p = lock(&self.pending);
            if p.spans + p.held < self.cfg.max_queue {
                spans_entry(&mut p.bytes, encoded);
                p.spans += 1;
                let full = p.spans.is_multiple_of(self.cfg.max_batch);
                if full {
                    let end = p.bytes.len();
                    p.cuts.push(end);
                }
                Some(full)
            } else {
                None
            }
        };
        match batch_full {
            Some(true) => self.full.notify_one(),
            Some(false) => {}
            None => {
                let n = self.stats.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                // Logged at 1, 2, 4, 8, … drops: visible, never a flood.
                if n.is_power_of_two() {
                    warn!(dropped = n, "trace export queue full: spans dropped");
                }
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
    pending: Arc<Mutex<Pending>>,
    /// What the task took from the queue (its buffers swap with the queue's, so both keep
    /// their capacity: a full batch is about 300 KiB).
    taken: Pending,
    transport: Transport,
    /// `ResourceSpans.resource`, encoded.
    resource: Vec<u8>,
    scope: Resource,
    cfg: BatchConfig,
    stats: Arc<Stats>,
    /// The head of the request being sent (its spans stay in `taken`), kept across exports.
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
                () = full.notified() => self.export(false).await,
                _ = tick.tick() => self.export(true).await,
                done = flush_rx.recv() => {
                    self.export(true).await;
                    match done {
                        Some(done) => {
                            let _ = done.send(());
                        }
                        // The tracer is gone.
                        None => return,
                    }
                }
            }
        }
    }

    /// Takes the queued spans (only the full batches unless `all`) into `taken`; false
    /// when there is nothing to send.
    fn take(&mut self, all: bool) -> bool {
        let mut p = lock(&self.pending);
        let full = p.cuts.len() * self.cfg.max_batch;
        if p.spans == 0 || (!all && full == 0) {
            return false;
        }
        let held = if all { p.spans } else { full };
        let taken = &mut self.taken;
        std::mem::swap(&mut p.bytes, &mut taken.bytes);
        std::mem::swap(&mut p.cuts, &mut taken.cuts);
        taken.spans = held;
        p.spans -= held;
        p.held = held;
        if !all {
            // The spans after the last full batch go back (fewer than a batch).
            let end = taken.cuts.last().copied().unwrap_or(0);
            p.bytes.extend_from_slice(&taken.bytes[end..]);
            taken.bytes.truncate(end);
        }
        true
    }

    /// Sends what `take` gives, a batch at a time.
    async fn export(&mut self, all: bool) {
        if !self.take(all) {
            return;
        }
        let mut cuts = std::mem::take(&mut self.taken.cuts);
        if cuts.last() != Some(&self.taken.bytes.len()) {
            cuts.push(self.taken.bytes.len());
        }
        let (mut from, mut left) = (0, self.taken.spans);
        for &end in &cuts {
            let n = left.min(self.cfg.max_batch);
            self.send(from, end, n).await;
            self.release(n);
            (from, left) = (end, left - n);
        }
        cuts.clear();
        self.taken.cuts = cuts;
        self.taken.bytes.clear();
        self.taken.spans = 0;
    }

    /// `n` spans taken are sent (or lost): they leave the queue's count.
    fn release(&self, n: usize) {
        let mut p = lock(&self.pending);
        p.held = p.held.saturating_sub(n);
    }

    /// Sends the `n` spans in `taken.bytes[from..end]`.
    async fn send(&mut self, from: usize, end: usize, n: usize) {
        let mut head = std::mem::take(&mut self.message);
        head.clear();
        trace_request_head(&mut head, &self.resource, &self.scope, end - from);
        let spans = std::mem::take(&mut self.taken.bytes);
        let (body, head, spans) = compress(&self.transport, head, spans, from..end).await;
        (self.taken.bytes, self.message) = (spans, head);
        let sent = match body {
            Ok(body) => self.transport.send_body(body).await,
            Err(e) => Err(e),
        };
        let (transport, n) = (&self.transport, n as u64);
        match sent {
            Ok(()) => {
                self.stats.exported.fetch_add(n, Ordering::Relaxed);
                if self.stats.failing.swap(false, Ordering::Relaxed) {
                    warn!(collector = %transport.describe(), "trace export recovered");
                }
            }
            Err(e) => {
                self.stats.failed.fetch_add(n, Ordering::Relaxed);
                if !self.stats.failing.swap(true, Ordering::Relaxed) {
                    warn!(collector = %transport.describe(), error = %e, spans = n, "trace export failed: spans lost until the collector answers");
                } else {
                    debug!(collector = %transport.describe(), error = %e, spans = n, "trace export failed");
                }
            }
        }
    }
}

/// Compresses and frames the request (`head`, then `spans[range]`) into its body, on a
/// blocking thread: a full batch costs a millisecond or more of CPU, which on a runtime
/// thread would hold every connection that thread serves. The buffers come back.
async fn compress(
    transport: &Transport,
    head: Vec<u8>,
    spans: Vec<u8>,
    range: std::ops::Range<usize>,
) -> (Result<Bytes, ExportError>, Vec<u8>, Vec<u8>) {
    let framer = transport.framer();
    let job = tokio::task::spawn_blocking(move || {
        // (The spans are only missing when an earlier job of the same export failed.)
        let body = match spans.get(range) {
            Some(batch) => framer.body(&[&head, batch]),
            None => Err(ExportError::Send("the batch was lost".into())),
        };
        (body, head, spans)
    });
    match job.await {
        Ok(done) => done,
        Err(e) => (
            Err(ExportError::Send(format!("compressing the batch: {e}"))),
            Vec::new(),
            Vec::new(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use waygate_config::static_config::{OtlpHttp, TracingOtlp};

    use super::*;
    use crate::attributes::Attributes;
    use crate::id::{SpanId, TraceId};
    use crate::span::{Kind, StatusCode};

    static NONE: Attributes = Attributes::new();

    fn span() -> SpanData<'static> {
        SpanData {
            trace_id: TraceId::random(),
            span_id: SpanId::random(),
            parent: None,
            parent_remote: false,
            trace_state: None,
            name: "GET",
            kind: Kind::Server,
            start: 1,
            end: 2,
            attributes: &NONE,
            status: StatusCode::Unset,
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
                queue.submit(&span());
            }
            assert_eq!(queue.stats.dropped.load(Ordering::Relaxed), 996);
            queue.flush().await;
            assert_eq!(queue.stats.failed.load(Ordering::Relaxed), 4);
            assert_eq!(queue.stats.exported.load(Ordering::Relaxed), 0);
            // The lost spans left the queue's count: four fit again.
            for _ in 0..4 {
                queue.submit(&span());
            }
            assert_eq!(queue.stats.dropped.load(Ordering::Relaxed), 996);
            queue.flush().await;
            assert_eq!(queue.stats.failed.load(Ordering::Relaxed), 8);
        });
    }

    #[test]
    fn full_batches_go_the_rest_waits_and_taken_spans_count_against_the_queue() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let _guard = rt.enter();
        let otlp = TracingOtlp {
            grpc: None,
            http: Some(OtlpHttp {
                endpoint: "http://127.0.0.1:1/v1/traces".into(),
                ..OtlpHttp::default()
            }),
        };
        let cfg = BatchConfig {
            max_queue: 8,
            max_batch: 2,
            delay: Duration::from_secs(3600),
        };
        let pending = Arc::new(Mutex::new(Pending::default()));
        let queue = Queue {
            pending: pending.clone(),
            flush: mpsc::channel(1).0,
            full: Arc::new(Notify::new()),
            cfg,
            stats: Arc::new(Stats::default()),
        };
        let resource = Resource {
            attributes: Vec::new(),
            scope_name: "test",
            scope_version: "0",
        };
        let mut task = Task {
            pending: pending.clone(),
            taken: Pending::default(),
            transport: Transport::new(Some(&otlp)).expect("transport"),
            resource: encode_resource(&resource),
            scope: resource,
            cfg,
            stats: queue.stats.clone(),
            message: Vec::new(),
        };
        assert!(!task.take(false), "nothing queued");
        queue.submit(&span());
        assert!(!task.take(false), "no full batch");
        for _ in 0..4 {
            queue.submit(&span());
        }
        let total = lock(&pending).bytes.len();
        assert!(task.take(false));
        assert_eq!(task.taken.spans, 4);
        assert_eq!(task.taken.cuts.len(), 2);
        assert_eq!(task.taken.cuts[1], task.taken.bytes.len());
        {
            let p = lock(&pending);
            assert_eq!((p.spans, p.held), (1, 4));
            assert!(p.cuts.is_empty());
            assert_eq!(p.bytes.len() + task.taken.bytes.len(), total);
        }
        // Five queued or taken of eight: three more fit, the fourth is dropped.
        for _ in 0..4 {
            queue.submit(&span());
        }
        assert_eq!(queue.stats.dropped.load(Ordering::Relaxed), 1);
        assert_eq!(lock(&pending).spans, 4);
    }
}
