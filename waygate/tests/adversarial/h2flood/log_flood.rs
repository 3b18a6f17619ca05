//! Rapid reset from many connections must not flood the gateway's log: h2 warns once per
//! connection it cuts off ("... reached limit"), so a client that opens hundreds of
//! connections can write a line each. At most a few such lines may appear; the rest are
//! counted and reported by a periodic summary line that says how many were "suppressed".

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::frames::{get_then_reset, preface, read_frames};
use super::{FLOOD_FOR, Scene, assert_served, pump, scene};
use crate::recorder::Mode;
use crate::support::eventually;

/// Connections in the flood.
const CONNECTIONS: usize = 200;
/// h2 warnings allowed through before the rate limit applies.
const MAX_WARN_LINES: usize = 20;

/// Lines of the gateway's log that are warnings from h2.
fn h2_warnings(logs: &str) -> Vec<&str> {
    logs.lines()
        .filter(|l| l.contains("WARN") && (l.contains("h2::") || l.contains("reached limit")))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn rapid_reset_from_many_connections_does_not_flood_the_log() {
    let Scene { gw, .. } = scene(Mode::KeepAlive).await;
    let addr = gw.addrs["web"];
    let mut conns = Vec::new();
    for _ in 0..CONNECTIONS {
        conns.push(tokio::spawn(async move {
            let Ok(s) = TcpStream::connect(addr).await else {
                return false;
            };
            let (mut rd, mut wr) = s.into_split();
            if wr.write_all(&preface()).await.is_err() {
                return false;
            }
            let mut stream = 1u32;
            let writer = tokio::spawn(pump(wr, move || {
                let mut batch = Vec::new();
                for _ in 0..50 {
                    batch.extend(get_then_reset(stream, "t.test"));
                    stream += 2;
                }
                batch
            }));
            // Until the gateway closes the connection (GOAWAY, then EOF).
            let (frames, closed) = read_frames(&mut rd, FLOOD_FOR + Duration::from_secs(2)).await;
            let goaway = frames.iter().any(|f| f.goaway_code().is_some());
            let (_, eof) = read_frames(&mut rd, Duration::from_secs(1)).await;
            drop(rd);
            let _ = writer.await;
            goaway && (closed || eof)
        }));
    }
    let mut cut_off = 0;
    for c in conns {
        cut_off += usize::from(c.await.unwrap_or(false));
    }
    println!("rapid reset x{CONNECTIONS}: {cut_off} connections got GOAWAY then EOF");
    assert_served(addr).await;

    let logs = gw.logs();
    let warned = h2_warnings(&logs);
    println!(
        "h2 WARN lines: {} (first: {:?})",
        warned.len(),
        warned.first()
    );
    assert!(
        warned.len() <= MAX_WARN_LINES,
        "{} h2 warnings for {CONNECTIONS} connections",
        warned.len()
    );
    eventually(
        Duration::from_secs(12),
        "a 'suppressed' summary line",
        || {
            let found = gw.logs().lines().any(|l| l.contains("suppressed"));
            async move { found }
        },
    )
    .await;
    let summary = gw.logs();
    let line = summary.lines().find(|l| l.contains("suppressed"));
    println!("summary: {line:?}");
}
