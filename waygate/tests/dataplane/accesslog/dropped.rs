//! Lines the access log drops when its queue is full (`bufferingSize: 1`, a burst of
//! concurrent requests; the writer drains every 10 ms): counted in Prometheus as
//! `waygate_accesslog_dropped_lines_total`, written + dropped = requests, and warned about.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{PATIENCE, lines};
use crate::support::{Gw, backend, client, eventually, get};

/// The value of an unlabelled series in a text exposition.
fn series(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_drops_lines_counted_in_prometheus_and_warned() {
    let b = backend("a").await;
    let dir = Gw::dir();
    let log = dir.join("access.log");
    let st = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\n  traefik:\n    address: 127.0.0.1:0\n\
         metrics:\n  prometheus: {{}}\n\
         accessLog:\n  filePath: {}\n  format: json\n  bufferingSize: 1\n",
        log.display()
    );
    let dynamic = format!(
        "http:\n  routers:\n    app:\n      rule: PathPrefix(`/`)\n      entryPoints: [web]\n      service: app\n\
         \x20 services:\n    app:\n      loadBalancer:\n        servers:\n          - url: {}\n",
        b.url()
    );
    let gw = Gw::start_in_dir(dir, &st, &dynamic);
    let metrics = format!("{}/metrics", gw.url("traefik"));
    let c = client();
    let before = get(&c, &metrics, "h").await;
    assert_eq!(before.status, 200);
    assert_eq!(
        series(&before.body, "waygate_accesslog_dropped_lines_total"),
        Some(0),
        "{}",
        before.body
    );
    assert!(
        before
            .body
            .contains("# TYPE waygate_accesslog_dropped_lines_total counter"),
        "{}",
        before.body
    );

    const TASKS: u64 = 40;
    const EACH: u64 = 10;
    let url = format!("{}/burst", gw.url("web"));
    let burst = (0..TASKS).map(|_| {
        let (c, url) = (c.clone(), url.clone());
        tokio::spawn(async move {
            for _ in 0..EACH {
                assert_eq!(get(&c, &url, "h").await.status, 200);
            }
        })
    });
    for task in burst.collect::<Vec<_>>() {
        task.await.expect("task");
    }
    let sent = TASKS * EACH;

    // Every request is either written or dropped; the writer may still be writing.
    let dropped = Arc::new(AtomicU64::new(0));
    eventually(PATIENCE, "written + dropped = sent", || {
        let (c, metrics, log) = (c.clone(), metrics.clone(), log.clone());
        let dropped = dropped.clone();
        async move {
            let text = get(&c, &metrics, "h").await.body;
            let n = series(&text, "waygate_accesslog_dropped_lines_total").unwrap_or(0);
            dropped.store(n, Ordering::Relaxed);
            lines(&log).len() as u64 + n == sent
        }
    })
    .await;
    let dropped = dropped.load(Ordering::Relaxed);
    assert!(dropped > 0, "a queue of one line dropped none of {sent}");
    eventually(PATIENCE, "a warning about the dropped lines", || async {
        gw.logs().contains("access log: lines dropped")
    })
    .await;
}
