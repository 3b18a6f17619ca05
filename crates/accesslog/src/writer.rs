//! The writer thread: drains the bounded queue in batches, formats each record and writes
//! it through a buffer flushed after each batch. A thread rather than a runtime task because
//! file writes block; requests only ever `try_send`, so a slow disk costs dropped lines
//! (counted), never a waiting request.

use std::io::{self, BufWriter, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::time::{Duration, Instant, SystemTime};

use tracing::{error, warn};

use crate::config::{Format, Settings};
use crate::format;
use crate::output::ReopenableFile;
use crate::record::Record;

/// What the queue carries.
pub(crate) enum Msg {
    Line(Box<Record>),
    /// Reopen the file (SIGUSR1); the result is sent back.
    Reopen(SyncSender<io::Result<()>>),
    /// Answer once every line queued before has been written and flushed.
    Flush(SyncSender<()>),
}

/// How often dropped lines and write errors are reported at most (the first time at once).
const REPORT_EVERY: Duration = Duration::from_secs(10);
/// The pause between batches under traffic: lines reach the file within it.
const TICK: Duration = Duration::from_millis(10);

pub(crate) enum Sink {
    Stdout,
    File(ReopenableFile),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout => io::stdout().lock().write(buf),
            Sink::File(f) => (&*f).write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout => io::stdout().lock().flush(),
            Sink::File(f) => (&*f).flush(),
        }
    }
}

pub(crate) fn run(settings: Settings, sink: Sink, rx: Receiver<Msg>, dropped: Arc<AtomicU64>) {
    let mut out = BufWriter::with_capacity(64 * 1024, sink);
    let mut line = String::with_capacity(512);
    let (mut reported, mut failed) = (0, 0u64);
    let mut last_report = Instant::now()
        .checked_sub(REPORT_EVERY)
        .unwrap_or_else(Instant::now);
    let mut busy = false;
    loop {
        // Under traffic the thread sleeps a tick and takes what queued meanwhile: requests
        // never wake it (a wake per line costs more than the line). Idle, it waits for the
        // next line instead of ticking.
        let first = if busy {
            std::thread::sleep(TICK);
            match rx.try_recv() {
                Ok(m) => Some(m),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => break,
            }
        } else {
            match rx.recv_timeout(REPORT_EVERY) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        };
        let mut batch = 0;
        let mut next = first;
        while let Some(msg) = next {
            batch += 1;
            match msg {
                Msg::Line(rec) => {
                    line.clear();
                    match settings.format {
                        Format::Common => format::common(&rec, &settings, &mut line),
                        Format::GenericClf => format::generic_clf(&rec, &settings, &mut line),
                        Format::Json => format::json(&rec, &settings, SystemTime::now(), &mut line),
                    }
                    if out.write_all(line.as_bytes()).is_err() {
                        failed += 1;
                    }
                }
                Msg::Reopen(ack) => {
                    let _ = out.flush();
                    let result = match out.get_ref() {
                        Sink::File(f) => f.reopen(),
                        Sink::Stdout => Ok(()),
                    };
                    let _ = ack.send(result);
                }
                Msg::Flush(ack) => {
                    let _ = out.flush();
                    let _ = ack.send(());
                }
            }
            next = rx.try_recv().ok();
        }
        busy = batch > 0;
        if out.flush().is_err() {
            failed += 1;
        }
        // Idle, the thread wakes every `REPORT_EVERY` at least: the last drops are reported.
        if last_report.elapsed() < REPORT_EVERY {
            continue;
        }
        let now = dropped.load(Ordering::Relaxed);
        if now > reported || failed > 0 {
            last_report = Instant::now();
        }
        if now > reported {
            warn!(
                dropped = now - reported,
                total = now,
                "access log: lines dropped, the queue was full (bufferingSize)"
            );
            reported = now;
        }
        if failed > 0 {
            error!(failed, "access log: lines could not be written");
            failed = 0;
        }
    }
    let _ = out.flush();
}
