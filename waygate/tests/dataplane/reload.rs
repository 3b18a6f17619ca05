//! Hot reload without losing a request, health checks, graceful shutdown.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
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

/// One router for `Host(`load.test`)` to the single server `url`.
fn host_only(url: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: Host(`load.test`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: \"{url}\"\n"
    )
}

/// A position in the middle of one of `text`'s lines (which one depends on `i`).
fn mid_line(text: &str, i: usize) -> usize {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let n = i % lines.len();
    let start: usize = lines[..n].iter().map(|l| l.len()).sum();
    start + lines[n].trim_end_matches('\n').len().div_ceil(2)
}

fn write(f: &mut std::fs::File, text: &str) {
    f.write_all(text.as_bytes()).expect("write dynamic");
}

/// Rewrites the dynamic file in place (never by rename) 100 times, the way people and tools
/// do: in one write, in two chunks a few ms apart, truncated first and written a little later
/// (sometimes long enough for the gateway to read the empty file), or in two sessions cut in
/// the middle of a line. Every version routes `load.test` to `a` or `b`: no request may fail.
#[tokio::test(flavor = "multi_thread")]
async fn in_place_rewrites_under_load_lose_nothing() {
    let a = backend("a").await;
    let b = backend("b").await;
    let versions = [
        lb(&a.url(), &b.url(), ""),
        format!(
            "{}    other:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
            lb(&b.url(), &a.url(), ""),
            a.url()
        ),
        host_only(&a.url()),
        host_only(&b.url()),
    ];
    let gw = Gw::start(LOCAL_EP, &versions[0]);
    let url = format!("{}/?wait=2ms", gw.url("web"));
    let ok = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (ok, failures, stop, url) = (ok.clone(), failures.clone(), stop.clone(), url.clone());
        clients.push(tokio::spawn(async move {
            let c = client();
            while !stop.load(Ordering::Relaxed) {
                let r = get(&c, &url, "load.test").await;
                let name = r.headers.get("x-whoami-name").and_then(|v| v.to_str().ok());
                if r.status == 200 && matches!(name, Some("a" | "b")) {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    let failure = format!("{} from {name:?}: {}", r.status, r.body.trim());
                    failures.lock().expect("failures").push(failure);
                }
            }
        }));
    }
    let applied_before = gw.applied();
    let ms = Duration::from_millis;
    for i in 0..100 {
        let text = versions[i % versions.len()].as_str();
        let (head, tail) = text.split_at(mid_line(text, i / 5));
        match i % 5 {
            0 => write(&mut gw.open_dynamic_in_place(), text),
            1 => {
                let mut f = gw.open_dynamic_in_place();
                write(&mut f, head);
                tokio::time::sleep(ms(1 + (i as u64 % 8))).await;
                write(&mut f, tail);
            }
            2 | 3 => {
                drop(gw.open_dynamic_in_place());
                // Long enough, in one case, for the gateway to read the file empty.
                tokio::time::sleep(ms(if i % 5 == 2 { 3 } else { 200 })).await;
                write(&mut gw.open_dynamic_in_place(), text);
            }
            _ => {
                write(&mut gw.open_dynamic_in_place(), head);
                tokio::time::sleep(ms(120)).await;
                write(&mut gw.open_dynamic_append(), tail);
            }
        }
        tokio::time::sleep(ms(80)).await;
    }
    // The last version (only `b`) is the one in effect.
    let c = client();
    eventually(Duration::from_secs(3), "last version", || async {
        let r = get(&c, &url, "load.test").await;
        r.headers.get("x-whoami-name").is_some_and(|n| n == "b")
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.expect("client task");
    }
    let ok = ok.load(Ordering::Relaxed);
    let failures = failures.lock().expect("failures");
    assert!(
        failures.is_empty(),
        "{} failed requests out of {}; first ones: {:?}",
        failures.len(),
        ok + failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(ok > 500, "only {ok} requests");
    let applied = gw.applied() - applied_before;
    assert!(applied >= 40, "reloads applied: {applied}");
    let logs = gw.logs();
    assert!(
        logs.contains("is empty; keeping the last good configuration of"),
        "the file was read empty and held"
    );
    assert!(
        !logs.contains("applying it as it is"),
        "no hold outlived its edit"
    );
}

/// An emptied file keeps routing for the settle period, then (still empty) routing stops.
#[tokio::test(flavor = "multi_thread")]
async fn an_emptied_file_keeps_routing_for_the_settle_period() {
    let a = backend("a").await;
    let gw = Gw::start(LOCAL_EP, &host_only(&a.url()));
    let c = client();
    let url = format!("{}/", gw.url("web"));
    assert_eq!(get(&c, &url, "load.test").await.status, 200);

    drop(gw.open_dynamic_in_place());
    let emptied = Instant::now();
    let mut last_ok = Duration::ZERO;
    let stopped = loop {
        let r = get(&c, &url, "load.test").await;
        let at = emptied.elapsed();
        match r.status {
            200 => last_ok = at,
            404 => break at,
            s => panic!("{s} after {at:?}: {}", r.body),
        }
        assert!(at < Duration::from_secs(6), "still routing after {at:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert!(
        last_ok >= Duration::from_millis(1900),
        "routing stopped after {stopped:?} (last 200 after {last_ok:?})"
    );
    let logs = gw.logs();
    assert!(logs.contains("is empty; keeping the last good configuration of"));
    assert!(logs.contains("applying it as it is"));

    // Written again, it routes again at once.
    write(&mut gw.open_dynamic_in_place(), &host_only(&a.url()));
    eventually(Duration::from_secs(2), "routing again", || async {
        get(&c, &url, "load.test").await.status == 200
    })
    .await;
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
