//! Clients that never read: each may pin only a bounded amount of the gateway's memory
//! (response backpressure instead of buffering), and the memory is given back after they
//! leave (the gateway trims its heap when connections drop).

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::recorder::{Mode, Recorder};
use crate::support::{Gw, client, get};

/// Resident memory of a process, in KiB (`VmRSS`).
pub(crate) fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

/// Waits until RSS stops moving (two samples 300 ms apart within 1 %), up to `patience`.
async fn settled_rss(pid: u32, patience: Duration) -> u64 {
    let deadline = tokio::time::Instant::now() + patience;
    let mut last = rss_kib(pid);
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = rss_kib(pid);
        if now.abs_diff(last) * 100 <= last || tokio::time::Instant::now() >= deadline {
            return now;
        }
        last = now;
    }
}

/// Waits (up to `patience`) for RSS to come back within 10 % of `baseline`: the gateway
/// trims its heap once the connections are gone (`waygate/src/trim.rs`, every 2 s).
async fn back_to(pid: u32, baseline: u64, patience: Duration) -> u64 {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let now = rss_kib(pid);
        if now <= baseline + baseline / 10 || tokio::time::Instant::now() >= deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Opens `n` connections that each ask for a 64 MiB response and never read it.
async fn wave(addr: std::net::SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(b"GET /big HTTP/1.1\r\nHost: t.test\r\n\r\n")
            .await
            .expect("request");
        conns.push(s);
    }
    conns
}

#[tokio::test(flavor = "multi_thread")]
async fn hundred_non_reading_clients_pin_bounded_memory_and_give_it_back() {
    let rec = Recorder::start(Mode::Big(64 << 20)).await;
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        rec.url()
    );
    let gw = Gw::start(crate::support::LOCAL_EP, &dynamic);
    let addr = gw.addrs["web"];
    let pid = gw.pid();
    // Warm up the allocator and the pools with a few normal exchanges.
    rec.set_mode(Mode::KeepAlive);
    let c = client();
    for _ in 0..20 {
        assert_eq!(
            get(&c, &format!("{}/warm", gw.url("web")), "t.test")
                .await
                .status,
            200
        );
    }
    drop(c);
    rec.set_mode(Mode::Big(64 << 20));
    let baseline = settled_rss(pid, Duration::from_secs(3)).await;

    let n = 100u64;
    let conns = wave(addr, n as usize).await;
    let during = settled_rss(pid, Duration::from_secs(8)).await;
    let per_conn = during.saturating_sub(baseline) / n;
    eprintln!(
        "baseline {baseline} KiB, with {n} non-reading clients {during} KiB: {per_conn} KiB each"
    );
    // The release binary on a quiet machine measures 61–63 KiB (the bound is 64 KiB;
    // see docs/compat.md). This test runs the debug binary under a parallel suite, so it
    // allows 128 KiB: buffering a response for a client that does not read costs 0.9–1.8 MiB
    // per connection, far beyond either.
    assert!(
        per_conn <= 128,
        "{per_conn} KiB per non-reading client (baseline {baseline} KiB, during {during} KiB)"
    );
    drop(conns);
    let after = back_to(pid, baseline, Duration::from_secs(10)).await;
    eprintln!("after they left: {after} KiB");
    assert!(
        after <= baseline + baseline / 10,
        "RSS not back within 10 % of the baseline: {baseline} KiB before, {after} KiB after"
    );

    // A second wave reuses what the first one left (no growth), and it is given back too.
    let conns = wave(addr, n as usize).await;
    let second = settled_rss(pid, Duration::from_secs(8)).await;
    drop(conns);
    let after_second = back_to(pid, baseline, Duration::from_secs(10)).await;
    eprintln!("second wave {second} KiB, after it {after_second} KiB");
    assert!(
        second <= during + during / 4,
        "the second wave grew RSS: {during} KiB then {second} KiB"
    );
    assert!(
        after_second <= baseline + baseline / 10,
        "RSS not back within 10 % of the baseline after a second wave: {baseline} KiB before, {after_second} KiB after"
    );
}
