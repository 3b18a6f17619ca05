//! Hot reload without losing a request, health checks, graceful shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Gw, LOCAL_EP, backend, client, eventually, get};

fn lb(url_a: &str, url_b: &str, extra: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: \"{url_a}\"\n          - url: \"{url_b}\"\n{extra}"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_under_load_loses_nothing() {
    let a = backend("a").await;
    let b = backend("b").await;
    let good_1 = lb(&a.url(), &b.url(), "");
    let good_2 = format!(
        "{}    other:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        lb(&b.url(), &a.url(), ""),
        a.url()
    );
    let gw = Gw::start(LOCAL_EP, &good_1);
    let url = format!("{}/?wait=2ms", gw.url("web"));
    let ok = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let stop = Instant::now() + Duration::from_secs(4);
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (ok, failed, url) = (ok.clone(), failed.clone(), url.clone());
        clients.push(tokio::spawn(async move {
            let c = client();
            while Instant::now() < stop {
                let r = get(&c, &url, "load.test").await;
                if r.status == 200 {
                    ok.fetch_add(1, Ordering::Relaxed)
                } else {
                    failed.fetch_add(1, Ordering::Relaxed)
                };
            }
        }));
    }
    let applied_before = gw.applied();
    for i in 0..36 {
        let text = match i % 3 {
            0 => good_2.clone(),
            1 => "http:\n  routers: [this is: not valid\n".to_string(),
            _ => good_1.clone(),
        };
        gw.write_dynamic(&text);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for c in clients {
        c.await.expect("client task");
    }
    let (ok, failed) = (ok.load(Ordering::Relaxed), failed.load(Ordering::Relaxed));
    assert_eq!(failed, 0, "{failed} failed requests out of {}", ok + failed);
    assert!(ok > 100, "only {ok} requests");
    assert!(
        gw.applied() >= applied_before + 10,
        "reloads applied: {}",
        gw.applied() - applied_before
    );
    assert!(
        gw.logs().contains("invalid YAML"),
        "broken writes are logged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn health_check_removes_and_restores_a_server() {
    let a = backend("a").await;
    let b = backend("b").await;
    let hc = "        healthCheck:\n          path: /health\n          interval: 200ms\n          timeout: 100ms\n";
    let gw = Gw::start(LOCAL_EP, &lb(&a.url(), &b.url(), hc));
    let c = client();
    let url = format!("{}/", gw.url("web"));
    let names = |n: usize| {
        let (c, url) = (c.clone(), url.clone());
        async move {
            let mut out = Vec::new();
            for _ in 0..n {
                out.push(
                    get(&c, &url, "x").await.headers["x-whoami-name"]
                        .to_str()
                        .expect("name")
                        .to_string(),
                );
            }
            out
        }
    };
    assert!(names(4).await.contains(&"b".to_string()));
    b.set_health(503);
    let started = Instant::now();
    eventually(Duration::from_secs(2), "b leaves the rotation", || async {
        names(6).await.iter().all(|n| n == "a")
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "removal took {:?}",
        started.elapsed()
    );
    assert!(gw.logs().contains("server is now DOWN"));
    b.set_health(200);
    eventually(Duration::from_secs(2), "b returns", || async {
        names(6).await.contains(&"b".to_string())
    })
    .await;
    a.set_health(500);
    b.set_health(500);
    eventually(Duration::from_secs(2), "all down is 503", || async {
        get(&c, &url, "x").await.status == 503
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn graceful_shutdown_completes_in_flight_requests() {
    let a = backend("a").await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    transport:\n      lifeCycle:\n        graceTimeOut: 5s\n";
    let mut gw = Gw::start(st, &lb(&a.url(), &a.url(), ""));
    let url = format!("{}/?wait=1500ms", gw.url("web"));
    let slow = tokio::spawn(async move { get(&client(), &url, "x").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    gw.signal("TERM");
    let r = slow.await.expect("slow request");
    assert_eq!(r.status, 200, "in-flight request finished: {r:?}");
    assert_eq!(
        gw.wait_exit(Duration::from_secs(5)),
        Some(0),
        "{}",
        gw.logs()
    );
    assert!(
        tokio::net::TcpStream::connect(gw.addrs["web"])
            .await
            .is_err(),
        "no longer accepting"
    );
}
