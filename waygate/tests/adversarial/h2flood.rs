//! HTTP/2 floods over h2c (prior knowledge) with hand-made frames: rapid reset
//! (CVE-2023-44487), CONTINUATION flood (CVE-2024-27316 family), SETTINGS and PING floods
//! from a client that never reads. After each, the gateway's resident memory grew by less
//! than [`RSS_BOUND_KIB`] and a normal request on a fresh connection is served. The log side
//! of a many-connection rapid reset is in [`log_flood`].

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::time::Instant;

use crate::raw::exchange;
use crate::recorder::{Mode, Recorder};
use crate::support::{Gw, LOCAL_EP};

mod frames;
mod log_flood;

use frames::{
    CONTINUATION, END_STREAM, ENHANCE_YOUR_CALM, HEADERS, PING, SETTINGS, frame, get_block,
    get_then_reset, preface, read_frames,
};

/// How much resident memory (VmRSS, sampled every 50 ms) a flood may add. Measured on the
/// debug binary: +0.1–0.3 MiB for every flood here (the gateway idles at ~26 MiB): h2 cuts
/// resets and CONTINUATION off within a few hundred KiB, and stops reading SETTINGS/PING
/// once its ACKs/PONGs cannot be written (15–35 MiB are then stuck in kernel buffers, not
/// in the process). A gateway that queued its answers or header fragments instead would keep
/// taking the flood at loopback speed for [`FLOOD_FOR`] and grow by far more than 8 MiB,
/// while allocator noise (a new arena, a grown buffer) stays well inside it.
const RSS_BOUND_KIB: u64 = 8 * 1024;

/// How long a flood may go on.
const FLOOD_FOR: Duration = Duration::from_secs(3);

/// The flood's requests (`:path /`) go to a backend in `flood` mode; `/after` (the normal
/// requests that must still be served) to one that answers.
pub(crate) struct Scene {
    pub(crate) gw: Gw,
    pub(crate) flooded: Recorder,
    _live: Recorder,
}

pub(crate) async fn scene(flood: Mode) -> Scene {
    let flooded = Recorder::start(flood).await;
    let live = Recorder::start(Mode::KeepAlive).await;
    let dynamic = format!(
        "http:\n  routers:\n    flood:\n      rule: PathPrefix(`/`)\n      service: flood\n    after:\n      rule: PathPrefix(`/after`)\n      service: live\n  services:\n    flood:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n    live:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        flooded.url(),
        live.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    // Warm up (upstream pool, h2 server state) so the baseline is a serving gateway.
    assert_served(gw.addrs["web"]).await;
    Scene {
        gw,
        flooded,
        _live: live,
    }
}

/// A field of `/proc/<pid>/status`, in KiB.
fn proc_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("status field")
}

/// Samples VmRSS every 50 ms while `flood` runs; returns the flood's output and the peak.
async fn peak_rss_during<T>(pid: u32, flood: impl std::future::Future<Output = T>) -> (T, u64) {
    let mut flood = std::pin::pin!(flood);
    let mut peak = proc_kib(pid, "VmRSS:");
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            out = &mut flood => {
                return (out, peak.max(proc_kib(pid, "VmRSS:")));
            }
            _ = tick.tick() => peak = peak.max(proc_kib(pid, "VmRSS:")),
        }
    }
}

/// A GET over HTTP/1.1 and one over h2c, each on a fresh connection, are served.
pub(crate) async fn assert_served(addr: SocketAddr) {
    let r = exchange(
        addr,
        b"GET /after HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(r.status, 200, "HTTP/1.1 after the flood: {r:?}");
    assert!(r.body_text().starts_with("GET /after "), "{r:?}");
    let (status, _, _) = crate::raw::h2c_get(addr, "http://t.test/after-h2").await;
    assert_eq!(status, 200, "h2c after the flood");
}

/// Writes `next()`'s batches until the peer closes, a write makes no progress for 1 s (the
/// gateway stopped reading: it is not buffering for us), or [`FLOOD_FOR`] passes. Returns
/// the bytes written and why it stopped.
async fn pump(mut wr: OwnedWriteHalf, mut next: impl FnMut() -> Vec<u8>) -> (usize, &'static str) {
    let deadline = Instant::now() + FLOOD_FOR;
    let mut sent = 0;
    while Instant::now() < deadline {
        let batch = next();
        match tokio::time::timeout(Duration::from_secs(1), wr.write_all(&batch)).await {
            Ok(Ok(())) => sent += batch.len(),
            Ok(Err(_)) => return (sent, "closed by the gateway"),
            Err(_) => return (sent, "gateway stopped reading"),
        }
    }
    (sent, "time up")
}

/// Report line and the bound.
fn check_rss(what: &str, before: u64, peak: u64, after: u64, sent: usize, why: &str) {
    println!(
        "{what}: VmRSS before {before} KiB, peak {peak} KiB (+{} KiB), after {after} KiB; sent {} KiB, stopped: {why}",
        peak.saturating_sub(before),
        sent / 1024
    );
    assert!(
        peak.saturating_sub(before) < RSS_BOUND_KIB,
        "{what}: RSS grew by {} KiB",
        peak - before
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rapid_reset_gets_enhance_your_calm_and_bounded_memory() {
    // A backend that never answers: every stream the gateway accepts stays in flight until
    // its reset, the costly case for a proxy.
    let Scene { gw, flooded, .. } = scene(Mode::Silent).await;
    let addr = gw.addrs["web"];
    let pid = gw.pid();
    let before = proc_kib(pid, "VmRSS:");
    let flood = async {
        let mut conns = Vec::new();
        for _ in 0..4 {
            conns.push(tokio::spawn(async move {
                let s = TcpStream::connect(addr).await.expect("connect");
                let (mut rd, mut wr) = s.into_split();
                wr.write_all(&preface()).await.expect("preface");
                let mut stream = 1u32;
                let writer = tokio::spawn(pump(wr, move || {
                    let mut batch = Vec::new();
                    for _ in 0..100 {
                        batch.extend(get_then_reset(stream, "t.test"));
                        stream += 2;
                    }
                    batch
                }));
                let (frames, closed) =
                    read_frames(&mut rd, FLOOD_FOR + Duration::from_secs(1)).await;
                drop(rd);
                let (sent, why) = writer.await.expect("writer");
                let code = frames.iter().find_map(|f| f.goaway_code());
                (code, closed, sent, why)
            }));
        }
        let mut out = Vec::new();
        for c in conns {
            out.push(c.await.expect("conn"));
        }
        out
    };
    let (results, peak) = peak_rss_during(pid, flood).await;
    let sent: usize = results.iter().map(|r| r.2).sum();
    for (code, closed, _, why) in &results {
        println!("rapid reset connection: GOAWAY {code:?}, closed {closed}, writer: {why}");
        assert_eq!(*code, Some(ENHANCE_YOUR_CALM), "{results:?}");
    }
    let after = proc_kib(pid, "VmRSS:");
    println!(
        "rapid reset: {} requests reached the backend",
        flooded.conns().len()
    );
    check_rss("rapid reset x4", before, peak, after, sent, "GOAWAY");
    assert_served(addr).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn continuation_flood_is_cut_off() {
    let Scene { gw, .. } = scene(Mode::KeepAlive).await;
    let addr = gw.addrs["web"];
    let pid = gw.pid();
    let before = proc_kib(pid, "VmRSS:");
    let flood = async {
        let s = TcpStream::connect(addr).await.expect("connect");
        let (mut rd, mut wr) = s.into_split();
        let mut start = preface();
        // HEADERS without END_HEADERS: the block never ends.
        start.extend(frame(HEADERS, END_STREAM, 1, &get_block("t.test")));
        wr.write_all(&start).await.expect("headers");
        // Literal fields without indexing, new names: what a real flood would carry.
        let field = [0x00, 0x03, b'x', b'-', b'a', 0x03, b'a', b'a', b'a'];
        let payload: Vec<u8> = field.iter().copied().cycle().take(16 * 1024 - 7).collect();
        let cont = frame(CONTINUATION, 0, 1, &payload);
        let writer = tokio::spawn(pump(wr, move || cont.repeat(8)));
        let started = Instant::now();
        let (frames, closed) = read_frames(&mut rd, FLOOD_FOR + Duration::from_secs(1)).await;
        let took = started.elapsed();
        drop(rd);
        let (sent, why) = writer.await.expect("writer");
        (
            frames.iter().find_map(|f| f.goaway_code()),
            closed,
            took,
            sent,
            why,
        )
    };
    let ((code, closed, took, sent, why), peak) = peak_rss_during(pid, flood).await;
    println!("CONTINUATION flood: GOAWAY {code:?}, closed {closed} after {took:?}");
    assert!(
        code.is_some() || closed,
        "the connection outlived the flood ({} KiB sent)",
        sent / 1024
    );
    let after = proc_kib(pid, "VmRSS:");
    check_rss("CONTINUATION flood", before, peak, after, sent, why);
    assert_served(addr).await;
}

/// 4 connections that send `unit` frames as fast as the gateway takes them and never read.
async fn flood_without_reading(gw: &Gw, what: &str, unit: Vec<u8>) {
    let addr = gw.addrs["web"];
    let pid = gw.pid();
    let before = proc_kib(pid, "VmRSS:");
    let flood = async {
        let mut conns = Vec::new();
        for _ in 0..4 {
            let batch = unit.repeat(1000);
            conns.push(tokio::spawn(async move {
                let s = TcpStream::connect(addr).await.expect("connect");
                let (rd, mut wr) = s.into_split();
                wr.write_all(&preface()).await.expect("preface");
                let out = pump(wr, move || batch.clone()).await;
                // Keep the unread half (and so the connection) open until measured.
                (out, rd)
            }));
        }
        let mut out = Vec::new();
        for c in conns {
            out.push(c.await.expect("conn"));
        }
        out
    };
    let (results, peak) = peak_rss_during(pid, flood).await;
    let after = proc_kib(pid, "VmRSS:");
    let sent: usize = results.iter().map(|((n, _), _)| n).sum();
    let why = results.first().map_or("", |((_, w), _)| w);
    check_rss(what, before, peak, after, sent, why);
    drop(results);
    assert_served(addr).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_flood_without_reading_is_bounded() {
    let Scene { gw, .. } = scene(Mode::KeepAlive).await;
    // SETTINGS_INITIAL_WINDOW_SIZE = 65535: each one must be acknowledged.
    let unit = frame(SETTINGS, 0, 0, &[0x00, 0x04, 0x00, 0x00, 0xff, 0xff]);
    flood_without_reading(&gw, "SETTINGS flood x4", unit).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ping_flood_without_reading_is_bounded() {
    let Scene { gw, .. } = scene(Mode::KeepAlive).await;
    let unit = frame(PING, 0, 0, b"floodme!");
    flood_without_reading(&gw, "PING flood x4", unit).await;
}
