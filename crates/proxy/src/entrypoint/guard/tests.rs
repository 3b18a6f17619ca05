//! The connection timers on in-memory pipes (real time, short durations).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{ConnGuard, GuardedIo, Timeouts};

fn guard(t: Timeouts) -> Arc<ConnGuard> {
    Arc::new(ConnGuard::new(t))
}

#[tokio::test]
async fn a_write_without_progress_fails_after_the_stall_timeout() {
    let g = guard(Timeouts {
        stall: Some(Duration::from_millis(150)),
        ..Timeouts::default()
    });
    let (ours, _peer) = tokio::io::duplex(1024);
    let mut io = GuardedIo::new(ours, g.clone());
    let started = std::time::Instant::now();
    let chunk = vec![0u8; 4096];
    let err = loop {
        match io.write(&chunk).await {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(140), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(g.written.load(std::sync::atomic::Ordering::Relaxed), 1024);
}

#[tokio::test]
async fn a_reading_peer_keeps_the_stall_timer_away() {
    let g = guard(Timeouts {
        stall: Some(Duration::from_millis(100)),
        ..Timeouts::default()
    });
    let (ours, mut peer) = tokio::io::duplex(1024);
    let reader = tokio::spawn(async move {
        let mut buf = [0u8; 512];
        let mut total = 0;
        // Slow but steady: each read well within the stall timeout.
        while total < 16 * 1024 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            total += peer.read(&mut buf).await.expect("read");
        }
        total
    });
    let mut io = GuardedIo::new(ours, g);
    io.write_all(&vec![1u8; 16 * 1024])
        .await
        .expect("slow reader is fine");
    assert!(reader.await.expect("reader") >= 16 * 1024);
}

#[tokio::test]
async fn an_incomplete_head_times_out_but_a_started_request_does_not() {
    let g = guard(Timeouts {
        read: Some(Duration::from_millis(150)),
        ..Timeouts::default()
    });
    let (ours, mut peer) = tokio::io::duplex(1024);
    let mut io = GuardedIo::new(ours, g.clone());
    peer.write_all(b"GET / HT").await.expect("write");
    let mut buf = [0u8; 64];
    assert_eq!(io.read(&mut buf).await.expect("first bytes"), 8);
    let err = io.read(&mut buf).await.expect_err("stalled head");
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);

    // Once the head is complete (the request started), a quiet client is not a head timeout.
    let (ours, mut peer) = tokio::io::duplex(1024);
    let mut io = GuardedIo::new(ours, g.clone());
    peer.write_all(b"GET / HTTP/1.1\r\n\r\n")
        .await
        .expect("write");
    let head = b"GET / HTTP/1.1\r\n\r\n".len();
    assert_eq!(io.read(&mut buf).await.expect("head"), head);
    let _token = g.request_started(false);
    let quiet = tokio::time::timeout(Duration::from_millis(300), io.read(&mut buf)).await;
    assert!(quiet.is_err(), "still waiting, no error: {quiet:?}");
}

#[tokio::test]
async fn idle_expires_only_after_the_last_request_ends() {
    let g = guard(Timeouts {
        idle: Some(Duration::from_millis(120)),
        ..Timeouts::default()
    });
    let token = g.request_started(false);
    let early = tokio::time::timeout(Duration::from_millis(250), g.idle_expired()).await;
    assert!(early.is_err(), "not idle while a request is in flight");
    drop(token);
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(2), g.idle_expired())
        .await
        .expect("idle after the request");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(100), "{took:?}");
}

#[test]
fn a_response_may_gather_16_kib_before_its_first_write_then_4_kib_wait() {
    // Nothing written yet: a 16 KiB body and its head can leave in one write.
    assert_eq!(super::allowance(0), 16 * 1024);
    // Once bytes are out, only 4 KiB may wait for a slow client.
    assert_eq!(super::allowance(1), 1 + 4 * 1024);
    assert_eq!(super::allowance(1 << 20), (1 << 20) + 4 * 1024);
}
