//! Traefik's access log (reference §1.10 `accessLog`, §8.2): the `common`, `genericCLF` and
//! `json` formats with Traefik's field names, `filters`, `fields` (names and headers: keep,
//! drop, redact), and the output file reopened on SIGUSR1.
//!
//! The data plane captures a [`Record`] per request (only what [`Settings`] says a line can
//! show) and hands it to [`AccessLog::submit`], which never blocks: the record goes into a
//! bounded queue drained by the writer thread (`writer`), or is dropped and counted
//! ([`AccessLog::dropped`]) when the disk is slower than the traffic.

mod config;
mod field;
mod format;
mod output;
mod record;
mod spare;
mod time;
mod writer;

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::time::Duration;

pub use self::config::{DEFAULT_QUEUE, Format, Settings, canonical_header};
pub use self::field::Field;
pub use self::output::ReopenableFile;
pub use self::record::{Origin, Record, TlsFacts, TraceIds};

use self::spare::Spare;
use self::writer::{Msg, Sink};

/// A running access log. Built once from the static configuration; shared by every table.
#[derive(Debug)]
pub struct AccessLog {
    settings: Settings,
    tx: SyncSender<Msg>,
    /// `RequestCount`.
    count: AtomicU64,
    dropped: Arc<AtomicU64>,
    /// Boxes the writer gave back.
    spare: Arc<Spare>,
}

// === impl AccessLog ===

impl AccessLog {
    /// Opens the output (as Traefik, a file that cannot be opened is a startup error) and
    /// starts the writer thread.
    pub fn start(cfg: &waygate_config::static_config::AccessLog) -> io::Result<Arc<Self>> {
        let settings = Settings::new(cfg);
        let sink = if settings.file_path.is_empty() {
            Sink::Stdout
        } else {
            Sink::File(ReopenableFile::open(&settings.file_path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("error opening access log file {}: {e}", settings.file_path),
                )
            })?)
        };
        let (tx, rx) = sync_channel(settings.queue);
        let dropped = Arc::new(AtomicU64::new(0));
        let thread_settings = settings.clone();
        let thread_dropped = dropped.clone();
        let spare = Arc::new(Spare::default());
        let thread_spare = spare.clone();
        std::thread::Builder::new()
            .name("access-log".to_string())
            .spawn(move || writer::run(thread_settings, sink, rx, thread_dropped, thread_spare))?;
        Ok(Arc::new(Self {
            settings,
            tx,
            count: AtomicU64::new(0),
            dropped,
            spare,
        }))
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The next `RequestCount` (every request the access log sees counts, filtered or not).
    pub fn next_count(&self) -> u64 {
        self.count.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// `rec` boxed for [`AccessLog::submit`], in a box the writer gave back when one waits.
    pub fn boxed(&self, rec: Record) -> Box<Record> {
        self.spare.boxed(rec)
    }

    /// Queues a finished request's line unless `filters` drop it. Never blocks.
    pub fn submit(&self, rec: Box<Record>) {
        if !self.settings.passes(rec.status, rec.retries, rec.duration) {
            return;
        }
        match self.tx.try_send(Msg::Line(rec)) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Lines dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The counter behind [`AccessLog::dropped`], for a metrics registry to export.
    pub fn dropped_counter(&self) -> Arc<AtomicU64> {
        self.dropped.clone()
    }

    /// Reopens the file (SIGUSR1), after the lines queued before are written to the old one.
    pub fn rotate(&self) -> io::Result<()> {
        let (ack, done) = sync_channel(1);
        self.tx
            .send(Msg::Reopen(ack))
            .map_err(|_| io::Error::other("the access log writer stopped"))?;
        done.recv_timeout(Duration::from_secs(10))
            .map_err(|_| io::Error::other("the access log writer did not answer"))?
    }

    /// Waits (at most `patience`) until the lines queued so far are written: at shutdown.
    pub fn flush(&self, patience: Duration) {
        let (ack, done) = sync_channel(1);
        if self.tx.send(Msg::Flush(ack)).is_ok() {
            let _ = done.recv_timeout(patience);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    pub(crate) fn record(status: u16) -> Record {
        Record {
            start: SystemTime::now(),
            started: None,
            duration: Duration::from_millis(1),
            entry_point: Arc::from("web"),
            router: None,
            service: None,
            client: "127.0.0.1:1".parse().expect("addr"),
            forwarded_for: None,
            username: None,
            host: None,
            method: http::Method::GET,
            uri: http::Uri::from_static("/"),
            version: http::Version::HTTP_11,
            tls: None,
            request_size: 0,
            count: 1,
            origin: None,
            status,
            size: 0,
            retries: 0,
            request_headers: None,
            downstream_headers: None,
            trace: None,
        }
    }

    #[test]
    fn a_full_queue_drops_and_counts_never_blocks() {
        let dir = std::env::temp_dir().join(format!("waygate-alog-{}", std::process::id()));
        let path = dir.join("a.log");
        let cfg: waygate_config::static_config::AccessLog = serde_json::from_value(
            serde_json::json!({"filePath": path, "bufferingSize": 1, "filters": {"statusCodes": ["200"]}}),
        )
        .expect("config");
        let log = AccessLog::start(&cfg).expect("start");
        const N: u64 = 20_000;
        for _ in 0..N {
            log.submit(Box::new(record(200)));
        }
        // Filtered out: neither written nor dropped.
        log.submit(Box::new(record(404)));
        log.flush(Duration::from_secs(10));
        let written = std::fs::read_to_string(&path)
            .expect("read")
            .lines()
            .count() as u64;
        assert_eq!(written + log.dropped(), N, "dropped {}", log.dropped());
        let _ = std::fs::remove_dir_all(dir);
    }
}
