//! The writer thread: drains the bounded queue in batches, formats each record at the end
//! of one buffer and writes that buffer after each batch (or every [`CHUNK`] bytes) in one
//! call. A thread rather than a runtime task because file writes block; requests only ever
//! `try_send`, so a slow disk costs dropped lines (counted), never a waiting request.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::time::{Duration, Instant, SystemTime};

use tracing::{error, warn};

use crate::config::{Format, Settings};
use crate::format;
use crate::output::ReopenableFile;
use crate::record::Record;
use crate::spare::Spare;

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
/// The longest pause between batches under traffic: lines reach the file within it.
const TICK: Duration = Duration::from_millis(10);
/// The shortest (at the rate that fills a quarter of the queue in it, or more).
const MIN_PAUSE: Duration = Duration::from_micros(500);
/// The most a batch's buffer holds before it is written.
const CHUNK: usize = 64 * 1024;

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

pub(crate) fn run(
    settings: Settings,
    mut sink: Sink,
    rx: Receiver<Msg>,
    dropped: Arc<AtomicU64>,
    spare: Arc<Spare>,
) {
    let mut out = Pending {
        buf: Vec::with_capacity(CHUNK + 4096),
        lines: 0,
        failed: 0,
    };
    // The CLF formats write a `String`; JSON lines go straight into the buffer.
    let mut line = String::with_capacity(512);
    let mut memo = format::Memo::default();
    let mut reported = 0;
    let mut last_report = Instant::now()
        .checked_sub(REPORT_EVERY)
        .unwrap_or_else(Instant::now);
    let mut busy = false;
    // Under traffic, the pause before the next batch: sized to the rate of the last cycle,
    // so that a quarter of the queue fills meanwhile. A fixed 10 ms tick overflowed the
    // default queue of 1,024 lines above ~100k lines/s although the writer had the time to
    // format them (one pinned core at 112k req/s: 21 % of the lines dropped, now < 0.2 %).
    let mut pause_for = TICK;
    let mut last_batch = Instant::now();
    // The batch's records, emptied, to give back.
    let mut used = Vec::new();
    loop {
        // Under traffic the thread pauses and takes what queued meanwhile: requests
        // never wake it (a wake per line costs more than the line). Idle, it waits for the
        // next line instead of ticking.
        let first = if busy {
            std::thread::sleep(pause_for);
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
        // The lines' `time` (written in seconds): one clock read per batch, which takes
        // milliseconds at most.
        let (now, now_mono) = (SystemTime::now(), Instant::now());
        let cycle = now_mono.saturating_duration_since(last_batch);
        last_batch = now_mono;
        while let Some(msg) = next {
            batch += 1;
            match msg {
                Msg::Line(mut rec) => {
                    rec.settle_start(now, now_mono);
                    match settings.format {
                        Format::Json => {
                            format::json_bytes(&rec, &settings, now, &mut memo, &mut out.buf)
                        }
                        Format::Common => {
                            line.clear();
                            format::common(&rec, &settings, &mut line);
                            out.buf.extend_from_slice(line.as_bytes());
                        }
                        Format::GenericClf => {
                            line.clear();
                            format::generic_clf(&rec, &settings, &mut line);
                            out.buf.extend_from_slice(line.as_bytes());
                        }
                    }
                    out.lines += 1;
                    rec.empty();
                    used.push(rec);
                    if out.buf.len() >= CHUNK {
                        out.write(&mut sink);
                    }
                }
                Msg::Reopen(ack) => {
                    out.write(&mut sink);
                    let _ = sink.flush();
                    let result = match &sink {
                        Sink::File(f) => f.reopen(),
                        Sink::Stdout => Ok(()),
                    };
                    let _ = ack.send(result);
                }
                Msg::Flush(ack) => {
                    out.write(&mut sink);
                    let _ = sink.flush();
                    let _ = ack.send(());
                }
            }
            next = rx.try_recv().ok();
        }
        out.write(&mut sink);
        spare.give_back(&mut used);
        // Out of idle, the cycle says nothing of the rate: the first pause is the shortest.
        pause_for = if busy {
            pause(settings.queue, batch, cycle)
        } else {
            MIN_PAUSE
        };
        busy = batch > 0;
        // Idle, the thread wakes every `REPORT_EVERY` at least: the last drops are reported.
        if last_report.elapsed() < REPORT_EVERY {
            continue;
        }
        let now = dropped.load(Ordering::Relaxed);
        if now > reported || out.failed > 0 {
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
        if out.failed > 0 {
            error!(
                failed = out.failed,
                "access log: lines could not be written"
            );
            out.failed = 0;
        }
    }
    out.write(&mut sink);
    let _ = sink.flush();
}

/// The pause after a cycle of `took` (pause and batch) that found `lines` queued: at that
/// rate, a quarter of the queue fills in it (bounded by [`MIN_PAUSE`] and [`TICK`]).
fn pause(queue: usize, lines: usize, took: Duration) -> Duration {
    if lines == 0 {
        return TICK;
    }
    let quarter = (queue / 4) as f64;
    // `try_`: no panic on a huge `bufferingSize` (the product would overflow a Duration).
    Duration::try_from_secs_f64(took.as_secs_f64() * quarter / lines as f64)
        .map_or(TICK, |d| d.clamp(MIN_PAUSE, TICK))
}

/// Lines formatted and not written yet.
struct Pending {
    buf: Vec<u8>,
    lines: u64,
    /// Lines that could not be written since the last report.
    failed: u64,
}

// === impl Pending ===

impl Pending {
    /// Writes the lines in one call (a file's writes take its lock once).
    fn write(&mut self, sink: &mut Sink) {
        if !self.buf.is_empty() && sink.write_all(&self.buf).is_err() {
            self.failed += self.lines;
        }
        self.buf.clear();
        self.lines = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_lets_a_quarter_of_the_queue_fill_at_the_last_rate() {
        let ms = Duration::from_millis;
        // 1,024 lines in 10 ms (~100k/s, the queue full): 256 lines take 2.5 ms.
        assert_eq!(pause(1024, 1024, ms(10)), Duration::from_micros(2500));
        // 500 lines in 10 ms: 5.12 ms.
        assert_eq!(pause(1024, 500, ms(10)), Duration::from_micros(5120));
        // Light traffic pauses a tick at most, a flood half a millisecond at least.
        assert_eq!(pause(1024, 10, ms(10)), TICK);
        assert_eq!(pause(1024, 0, ms(3)), TICK);
        assert_eq!(pause(1024, 1024, ms(1)), MIN_PAUSE);
        // `bufferingSize: 1` polls as fast as it may.
        assert_eq!(pause(1, 1, ms(10)), MIN_PAUSE);
        assert_eq!(pause(usize::MAX, 1, Duration::from_secs(10)), TICK);
    }
}
