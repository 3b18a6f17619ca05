//! Prometheus metrics through the real binary, scraped by a real Prometheus server: known
//! traffic, then the counts and labels Prometheus stored (`/api/v1/query`), the PromQL of
//! Traefik's published Grafana dashboard (`contrib/grafana/traefik.json`), and the series of
//! a removed router disappearing after a reload.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

#[allow(dead_code)]
#[path = "../dataplane/support.rs"]
mod support;

mod observability;
mod server;

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;

use crate::server::Prometheus;
use crate::support::{Gw, backend, client, eventually, get, send};

const STATIC: &str = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n  traefik:\n    address: 127.0.0.1:0\nmetrics:\n  prometheus:\n    addRoutersLabels: true\n";

fn dynamic(a: &str, b: &str, with_b: bool) -> String {
    let mut routers = String::from(
        "    a:\n      rule: Host(`a.test`)\n      service: sa\n    steady:\n      rule: Host(`steady.test`)\n      service: sa\n    quiet:\n      rule: Host(`quiet.test`)\n      service: sa\n      observability:\n        metrics: false\n    down:\n      rule: Host(`down.test`)\n      service: sdown\n",
    );
    let mut services = format!(
        "    sa:\n      loadBalancer:\n        servers: [{{url: \"{a}\"}}]\n    sdown:\n      loadBalancer:\n        servers: [{{url: \"http://127.0.0.1:1\"}}]\n"
    );
    if with_b {
        routers.push_str("    b:\n      rule: Host(`b.test`)\n      service: sb\n");
        services.push_str(&format!(
            "    sb:\n      loadBalancer:\n        servers: [{{url: \"{b}\"}}]\n        healthCheck:\n          path: /health\n          interval: 1s\n"
        ));
    }
    format!("http:\n  routers:\n{routers}  services:\n{services}")
}

async fn request(gw: &Gw, method: &str, host: &str, path: &str, body: &'static str) -> u16 {
    let req = http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", gw.url("web")))
        .header("host", host)
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap();
    send(&client(), req).await.status
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_scrapes_traefik_series() {
    let a = backend("a").await;
    let b = backend("b").await;
    let gw = Gw::start(STATIC, &dynamic(&a.url(), &b.url(), true));
    // Known traffic, before Prometheus starts (its scrapes are internal: never counted).
    for _ in 0..5 {
        assert_eq!(request(&gw, "GET", "a.test", "/16k", "").await, 200);
    }
    for _ in 0..2 {
        assert_eq!(request(&gw, "POST", "b.test", "/", "hello").await, 200);
    }
    for _ in 0..3 {
        assert_eq!(request(&gw, "GET", "nowhere.test", "/", "").await, 404);
    }
    for _ in 0..4 {
        assert_eq!(request(&gw, "GET", "quiet.test", "/", "").await, 200);
    }
    assert_eq!(request(&gw, "DELETE", "down.test", "/", "").await, 502);

    let target = gw.addrs["traefik"].to_string();
    let prom = Prometheus::start(&gw.dir, &target).await;
    prom.expect_value("up{job=\"waygate\"}", 1.0).await;

    let l = prom
        .expect_value(
            "traefik_router_requests_total{router=\"a@file\",code=\"200\"}",
            5.0,
        )
        .await;
    assert_eq!(
        (&l["method"], &l["protocol"], &l["service"]),
        (&"GET".into(), &"http".into(), &"sa@file".into())
    );
    prom.expect_value(
        "traefik_router_requests_total{router=\"b@file\",code=\"200\",method=\"POST\",service=\"sb@file\"}",
        2.0,
    )
    .await;
    prom.expect_value("traefik_service_requests_total{service=\"sb@file\"}", 2.0)
        .await;
    prom.expect_value(
        "traefik_service_requests_bytes_total{service=\"sb@file\"}",
        10.0,
    )
    .await;
    prom.expect_value(
        "traefik_router_responses_bytes_total{router=\"a@file\"}",
        5.0 * 16384.0,
    )
    .await;
    prom.expect_value(
        "traefik_service_requests_total{service=\"sdown@file\",code=\"502\",method=\"DELETE\"}",
        1.0,
    )
    .await;
    prom.expect_value(
        "traefik_entrypoint_requests_total{entrypoint=\"web\",code=\"404\",method=\"GET\",protocol=\"http\"}",
        3.0,
    )
    .await;
    // 5 + 2 + 3 + 1: the quiet router's requests (observability.metrics: false) are not
    // counted, not even on the entry point.
    prom.expect_value(
        "sum(traefik_entrypoint_requests_total{entrypoint=\"web\"})",
        11.0,
    )
    .await;
    assert!(
        prom.query("traefik_router_requests_total{router=\"quiet@file\"}")
            .await
            .is_empty()
    );
    prom.expect_value(
        "traefik_router_request_duration_seconds_bucket{router=\"a@file\",le=\"+Inf\"}",
        5.0,
    )
    .await;
    prom.expect_value(
        "traefik_router_request_duration_seconds_count{router=\"a@file\"}",
        5.0,
    )
    .await;
    let buckets = prom
        .query("traefik_service_request_duration_seconds_bucket{service=\"sa@file\"}")
        .await;
    let mut les: Vec<&str> = buckets
        .iter()
        .map(|s| s.labels["le"].as_str().unwrap())
        .collect();
    les.sort_unstable();
    assert_eq!(
        les,
        ["+Inf", "0.1", "0.3", "1.2", "5"],
        "Traefik's default buckets"
    );
    let up = prom
        .expect_value("traefik_service_server_up{service=\"sb@file\"}", 1.0)
        .await;
    assert_eq!(up["url"], b.url().as_str());
    prom.expect_data("traefik_open_connections{entrypoint=\"traefik\",protocol=\"TCP\"}")
        .await;
    let reloads = prom.expect_data("traefik_config_reloads_total").await;
    assert!(reloads[0].value >= 2.0, "{reloads:?}");
    let last = prom.expect_data("traefik_config_last_reload_success").await;
    assert!(last[0].value > 1.7e9, "{last:?}");

    // Traefik's Grafana dashboard ($service = "", $entrypoint = ".*", $interval = 1m) over
    // steady traffic: each panel's query returns data.
    let steady_gw = gw.url("web");
    let steady = tokio::spawn(async move {
        let c = client();
        loop {
            get(&c, &format!("{steady_gw}/"), "steady.test").await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    for q in [
        "sum(rate(traefik_entrypoint_requests_total{entrypoint=~\".*\"}[1m])) by (entrypoint)",
        "sum(rate(traefik_service_requests_total{service=~\".*\",protocol=\"http\"}[1m])) by (method, code)",
        "topk(15, label_replace(sum by (service,code) (rate(traefik_service_requests_total{service=~\".*\",protocol=\"http\"}[1m])) > 0, \"service\", \"$1\", \"service\", \"([^-]+-[^-]+).*\"))",
        "topk(15, label_replace(sum by (service,method,code) (rate(traefik_service_requests_total{service=~\".*\",code=~\"2..\",protocol=\"http\"}[1m])) > 0, \"service\", \"$1\", \"service\", \"([^-]+-[^-]+).*\"))",
        "topk(15, label_replace(traefik_service_request_duration_seconds_sum{service=~\".*\",protocol=\"http\"} / traefik_service_request_duration_seconds_count{service=~\".*\",protocol=\"http\"}, \"service\", \"$1\", \"service\", \"([^-]+-[^-]+).*\"))",
        "(sum(rate(traefik_entrypoint_request_duration_seconds_bucket{le=\"0.3\",code=\"200\",entrypoint=~\".*\"}[1m])) by (method) + sum(rate(traefik_entrypoint_request_duration_seconds_bucket{le=\"1.2\",code=\"200\",entrypoint=~\".*\"}[1m])) by (method)) / 2 / sum(rate(traefik_entrypoint_request_duration_seconds_count{code=\"200\",entrypoint=~\".*\"}[1m])) by (method)",
        "topk(15, label_replace(sum by (service,method) (rate(traefik_service_responses_bytes_total{service=~\".*\",protocol=\"http\"}[1m])) > 0, \"service\", \"$1\", \"service\", \"([^-]+-[^-]+).*\"))",
        "sum(traefik_open_connections{entrypoint=~\".*\"}) by (entrypoint)",
        "count(traefik_config_reloads_total)",
        // p95 latency and error ratio, as the dashboard's panels compute them.
        "histogram_quantile(0.95, sum(rate(traefik_service_request_duration_seconds_bucket[1m])) by (le, service))",
        "sum(rate(traefik_service_requests_total{code=~\"5..\"}[5m])) by (service) / sum(rate(traefik_service_requests_total[5m])) by (service)",
    ] {
        prom.expect_data(q).await;
    }
    steady.abort();

    // A reload removes router `b` and service `sb`: their series leave /metrics (after the
    // one scrape that follows, as in Traefik) and go stale in Prometheus.
    gw.write_dynamic(&dynamic(&a.url(), &b.url(), false));
    let metrics = format!("{}/metrics", gw.url("traefik"));
    eventually(Duration::from_secs(30), "b's series leave /metrics", || {
        let metrics = metrics.clone();
        async move {
            let body = get(&client(), &metrics, "x").await.body;
            !body.contains("b@file") && body.contains("router=\"a@file\"")
        }
    })
    .await;
    for _ in 0..150 {
        if prom
            .query("traefik_router_requests_total{router=\"b@file\"}")
            .await
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        prom.query("traefik_router_requests_total{router=\"b@file\"}")
            .await
            .is_empty(),
        "stale in Prometheus"
    );
    assert!(
        prom.query("traefik_service_server_up{service=\"sb@file\"}")
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn manual_routing_entry_point_and_text_format() {
    let a = backend("a").await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\nmetrics:\n  addInternals: true\n  prometheus:\n    entryPoint: web\n    manualRouting: true\n    buckets: [0.5]\n    addEntryPointsLabels: false\n    headerLabels:\n      tenant: X-Tenant\n";
    let dy = format!(
        "http:\n  routers:\n    m:\n      rule: Path(`/stats`)\n      service: prometheus@internal\n    a:\n      rule: Host(`a.test`)\n      service: sa\n  services:\n    sa:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        a.url()
    );
    let gw = Gw::start(st, &dy);
    assert!(!gw.addrs.contains_key("traefik"), "no implicit entry point");
    let c = client();
    assert_eq!(
        get(&c, &format!("{}/metrics", gw.url("web")), "x")
            .await
            .status,
        404
    );
    let req = http::Request::get(format!("{}/", gw.url("web")))
        .header("host", "a.test")
        .header("x-tenant", "acme")
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(send(&c, req).await.status, 200);
    let r = get(&c, &format!("{}/stats", gw.url("web")), "x").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let body = r.body;
    assert!(
        body.contains("traefik_service_requests_total{code=\"200\",method=\"GET\",protocol=\"http\",service=\"sa@file\",tenant=\"acme\"} 1"),
        "{body}"
    );
    assert!(body.contains("le=\"0.5\""), "{body}");
    assert!(!body.contains("traefik_entrypoint_"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_requests_and_certificate_expiry() {
    let a = backend("a").await;
    let dir = Gw::dir();
    let ck = rcgen::generate_simple_self_signed(vec!["m.test".to_string()]).unwrap();
    std::fs::write(dir.join("m.crt"), ck.cert.pem()).unwrap();
    std::fs::write(dir.join("m.key"), ck.signing_key.serialize_pem()).unwrap();
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n  traefik:\n    address: 127.0.0.1:0\nmetrics:\n  prometheus:\n    addRoutersLabels: true\n";
    let dy = format!(
        "tls:\n  certificates:\n    - {{certFile: \"{}\", keyFile: \"{}\"}}\nhttp:\n  routers:\n    s:\n      rule: Host(`m.test`)\n      service: sa\n      tls: {{}}\n  services:\n    sa:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        dir.join("m.crt").display(),
        dir.join("m.key").display(),
        a.url()
    );
    let gw = Gw::start_in_dir(dir, st, &dy);
    let port = gw.addrs["web"].port();
    for _ in 0..3 {
        let out = std::process::Command::new("curl")
            .args(["-sk", "--tlsv1.3", "-o", "/dev/null", "-w", "%{http_code}"])
            .arg("--resolve")
            .arg(format!("m.test:{port}:127.0.0.1"))
            .arg(format!("https://m.test:{port}/"))
            .output()
            .expect("curl (test.sh installs it)");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
    }
    let body = get(&client(), &format!("{}/metrics", gw.url("traefik")), "x")
        .await
        .body;
    let tls_line = body
        .lines()
        .find(|l| l.starts_with("traefik_router_requests_tls_total{"))
        .unwrap_or_else(|| panic!("no TLS series:\n{body}"));
    assert!(
        tls_line.contains("tls_version=\"1.3\"")
            && tls_line.contains("tls_cipher=\"TLS_")
            && tls_line.contains("router=\"s@file\",service=\"sa@file\"")
            && tls_line.ends_with(" 3"),
        "{tls_line}"
    );
    let cert_line = body
        .lines()
        .find(|l| l.starts_with("traefik_tls_certs_not_after{"))
        .unwrap_or_else(|| panic!("no certificate series:\n{body}"));
    assert!(cert_line.contains("sans=\"m.test\""), "{cert_line}");
    let not_after: f64 = cert_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(not_after > 1.7e9, "{cert_line}");
}
