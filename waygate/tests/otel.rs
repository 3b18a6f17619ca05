//! OpenTelemetry traces through the real binary, received by a real OTLP receiver built on
//! the official protobuf definitions (`tests/otel/receiver.py`: Python `opentelemetry-proto`
//! and `grpcio`), over OTLP/HTTP and OTLP/gRPC: the span tree (entry point server span,
//! `ReverseProxy` client span), Traefik's semantic-convention attributes, the resource, the
//! W3C `traceparent` the backend receives, and sampling (`sampleRate`, parent-based);
//! `metrics.otlp` in `otel/metrics.rs`; the access log's `TraceId`/`SpanId` in
//! `otel/accesslog.rs`.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

#[allow(dead_code)]
#[path = "dataplane/support.rs"]
mod support;

#[path = "otel/accesslog.rs"]
mod accesslog;
#[path = "otel/metrics.rs"]
mod metrics;
#[path = "otel/receiver.rs"]
mod receiver;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::receiver::Receiver;
use crate::support::{Gw, backend, eventually, request};

const CLIENT_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN: &str = "00f067aa0ba902b7";

fn dynamic(backend: &str) -> String {
    format!(
        "http:\n  routers:\n    app:\n      rule: Host(`app.test`)\n      service: app\n    quiet:\n      rule: Host(`quiet.test`)\n      service: app\n      observability:\n        tracing: false\n    detail:\n      rule: Host(`detail.test`)\n      service: app\n      middlewares: [both]\n      observability:\n        traceVerbosity: detailed\n  middlewares:\n    both:\n      chain:\n        middlewares: [strip, hdr]\n    strip:\n      stripPrefix:\n        prefixes: [/api]\n    hdr:\n      headers:\n        customRequestHeaders:\n          X-From: gw\n  services:\n    app:\n      loadBalancer:\n        servers: [{{url: \"{backend}\"}}]\n"
    )
}

/// The gateway with `tracing` (indented YAML under it), exporting every 50 ms.
fn gateway(dir: PathBuf, tracing: &str, backend: &str) -> Gw {
    gateway_every(dir, tracing, backend, "50")
}

/// The gateway with `tracing`, exporting every `delay_ms`.
fn gateway_every(dir: PathBuf, tracing: &str, backend: &str, delay_ms: &str) -> Gw {
    let st = format!("entryPoints:\n  web:\n    address: 127.0.0.1:0\ntracing:\n{tracing}");
    Gw::start_in_dir_env(
        dir,
        &st,
        &dynamic(backend),
        &[("OTEL_BSP_SCHEDULE_DELAY", delay_ms)],
    )
}

/// The `traceparent` line whoami echoed.
fn echoed_traceparent(body: &str) -> Option<String> {
    body.lines()
        .find_map(|l| l.strip_prefix("Traceparent: "))
        .map(|v| v.trim().to_string())
}

fn by_name<'a>(spans: &'a [Value], name: &str) -> &'a Value {
    spans
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no {name} span in {spans:#?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn http_export_continues_the_client_trace() {
    let app = backend("app").await;
    let dir = Gw::dir();
    let rx = Receiver::start(&dir);
    let gw = gateway(
        dir,
        &format!(
            "  serviceName: edge\n  resourceAttributes:\n    deployment.environment: test\n  capturedRequestHeaders: [X-Custom]\n  capturedResponseHeaders: [Content-Type]\n  safeQueryParams: [page]\n  otlp:\n    http:\n      endpoint: http://127.0.0.1:{}/v1/traces\n      headers:\n        X-Api-Key: sesame\n",
            rx.http
        ),
        &app.url(),
    );
    let parent = format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01");
    let resp = request(
        "GET",
        &format!("{}/hello?token=secret&page=2", gw.url("web")),
        "app.test",
        &[
            ("traceparent", &parent),
            ("tracestate", "vendor=opaque"),
            ("baggage", "user=alice"),
            ("x-custom", "one"),
            ("user-agent", "otel-test/1"),
        ],
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.body);

    let spans = rx.trace(CLIENT_TRACE, 2).await;
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let server = by_name(&spans, "GET");
    let client = by_name(&spans, "ReverseProxy");

    // The tree: client's span → entry point (server) → ReverseProxy (client).
    assert_eq!(server["kind"], 2, "SPAN_KIND_SERVER");
    assert_eq!(server["parent_span_id"], CLIENT_SPAN);
    assert_eq!(client["kind"], 3, "SPAN_KIND_CLIENT");
    assert_eq!(client["parent_span_id"], server["span_id"]);
    assert_eq!(server["trace_state"], "vendor=opaque");
    assert!(server["start"].as_u64() <= client["start"].as_u64());
    assert!(client["end"].as_u64() <= server["end"].as_u64());

    // The backend got the ReverseProxy span as its parent, in the client's trace, with the
    // client's tracestate and baggage.
    let tp = echoed_traceparent(&resp.body).expect("backend got a traceparent");
    assert_eq!(
        tp,
        format!(
            "00-{CLIENT_TRACE}-{}-01",
            client["span_id"].as_str().unwrap()
        )
    );
    assert!(
        resp.body.contains("Tracestate: vendor=opaque"),
        "{}",
        resp.body
    );
    assert!(resp.body.contains("Baggage: user=alice"), "{}", resp.body);

    // Traefik's attributes.
    let a = &server["attributes"];
    assert_eq!(a["entry_point"], "web");
    assert_eq!(a["http.request.method"], "GET");
    assert_eq!(a["network.protocol.version"], "1.1");
    assert_eq!(a["url.path"], "/hello");
    assert_eq!(a["url.query"], "page=2&token=REDACTED");
    assert_eq!(a["url.scheme"], "http");
    assert_eq!(a["server.address"], "app.test");
    assert_eq!(a["user_agent.original"], "otel-test/1");
    assert_eq!(a["client.address"], "127.0.0.1");
    assert_eq!(a["network.peer.address"], "127.0.0.1");
    assert!(a["client.port"].as_i64().unwrap() > 0);
    assert_eq!(
        a["http.request.header.x-custom"],
        serde_json::json!(["one"])
    );
    assert_eq!(a["http.response.status_code"], 200);
    assert_eq!(
        a["http.response.header.content-type"][0]
            .as_str()
            .map(|c| c.starts_with("text/plain")),
        Some(true),
        "{a:#}"
    );
    let c = &client["attributes"];
    let port = app.url().rsplit(':').next().unwrap().to_string();
    assert_eq!(c["http.request.method"], "GET");
    assert_eq!(
        c["url.full"],
        format!("http://127.0.0.1:{port}/hello?page=2&token=REDACTED")
    );
    assert_eq!(c["server.address"], "127.0.0.1");
    assert_eq!(c["server.port"].as_i64().map(|p| p.to_string()), Some(port));
    assert_eq!(c["http.response.status_code"], 200);
    assert_eq!(client["status"], 0, "200 is not an error");

    // The resource, the scope, and the exporter's headers.
    let r = &server["resource"];
    assert_eq!(r["service.name"], "edge");
    assert_eq!(r["deployment.environment"], "test");
    assert_eq!(server["scope"], "github.com/traefik/traefik");
    assert_eq!(server["transport"], "http");
    assert_eq!(server["headers"]["x-api-key"], "sesame");
    assert_eq!(server["headers"]["content-type"], "application/x-protobuf");
    assert_eq!(server["headers"]["content-encoding"], "gzip");

    // A router with `observability.tracing: false`: no span, the client's traceparent goes
    // to the backend untouched.
    let quiet_trace = "11111111111111111111111111111111";
    let quiet_parent = format!("00-{quiet_trace}-{CLIENT_SPAN}-01");
    let resp = request(
        "GET",
        &format!("{}/", gw.url("web")),
        "quiet.test",
        &[("traceparent", &quiet_parent)],
    )
    .await;
    assert_eq!(echoed_traceparent(&resp.body), Some(quiet_parent));
    // A request with no router is traced too (the entry point's 404), after the quiet one:
    // once it arrived, the quiet one would have too.
    let nf_trace = "22222222222222222222222222222222";
    let resp = request(
        "GET",
        &format!("{}/", gw.url("web")),
        "nowhere.test",
        &[("traceparent", &format!("00-{nf_trace}-{CLIENT_SPAN}-01"))],
    )
    .await;
    assert_eq!(resp.status, 404);
    let nf = rx.trace(nf_trace, 1).await;
    assert_eq!(nf[0]["attributes"]["http.response.status_code"], 404);
    assert_eq!(nf[0]["status"], 0, "a 404 is not a server error");
    assert!(rx.spans().iter().all(|s| s["trace_id"] != quiet_trace));
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_export_starts_new_traces() {
    let app = backend("app").await;
    let dir = Gw::dir();
    let rx = Receiver::start(&dir);
    let gw = gateway(
        dir,
        &format!(
            "  otlp:\n    grpc:\n      endpoint: 127.0.0.1:{}\n      insecure: true\n      headers:\n        X-Api-Key: sesame\n",
            rx.grpc
        ),
        &app.url(),
    );
    let resp = request(
        "POST",
        &format!("{}/submit", gw.url("web")),
        "app.test",
        &[],
    )
    .await;
    assert_eq!(resp.status, 200);
    let tp = echoed_traceparent(&resp.body).expect("backend got a traceparent");
    let mut parts = tp.split('-');
    let (version, trace_id, span_id, flags) = (
        parts.next().unwrap(),
        parts.next().unwrap().to_string(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    assert_eq!((version, flags), ("00", "01"));

    let spans = rx.trace(&trace_id, 2).await;
    let server = by_name(&spans, "POST");
    let client = by_name(&spans, "ReverseProxy");
    assert_eq!(
        server["parent_span_id"], "",
        "a new trace: the entry point span is its root"
    );
    assert_eq!(client["parent_span_id"], server["span_id"]);
    assert_eq!(client["span_id"], span_id);
    assert_eq!(server["transport"], "grpc");
    assert_eq!(server["headers"]["x-api-key"], "sesame");
    assert_eq!(server["resource"]["service.name"], "traefik");
    assert_eq!(server["attributes"]["http.request.method"], "POST");
}

#[tokio::test(flavor = "multi_thread")]
async fn sample_rate_zero_exports_only_sampled_parents() {
    let app = backend("app").await;
    let dir = Gw::dir();
    let rx = Receiver::start(&dir);
    let gw = gateway(
        dir,
        &format!(
            "  sampleRate: 0\n  otlp:\n    http:\n      endpoint: http://127.0.0.1:{}\n",
            rx.http
        ),
        &app.url(),
    );
    let mut unsampled = Vec::new();
    for _ in 0..5 {
        let resp = request("GET", &format!("{}/", gw.url("web")), "app.test", &[]).await;
        // Not sampled, still propagated: the backend's traceparent says so.
        let tp = echoed_traceparent(&resp.body).expect("backend got a traceparent");
        assert!(tp.ends_with("-00"), "{tp}");
        unsampled.push(tp.split('-').nth(1).unwrap().to_string());
    }
    // Parent-based: a client that sampled its trace is followed even at rate 0. Once its
    // spans arrived, the earlier requests' would have.
    let parent = format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01");
    request(
        "GET",
        &format!("{}/", gw.url("web")),
        "app.test",
        &[("traceparent", &parent)],
    )
    .await;
    rx.trace(CLIENT_TRACE, 2).await;
    let spans = rx.spans();
    assert!(
        spans.iter().all(|s| s["trace_id"] == CLIENT_TRACE),
        "only the sampled trace is exported: {spans:#?}"
    );
    assert_eq!(spans.len(), 2);
    assert!(!unsampled.iter().any(|t| t == CLIENT_TRACE));
}

#[tokio::test(flavor = "multi_thread")]
async fn detailed_verbosity_nests_router_middleware_and_service_spans() {
    let app = backend("app").await;
    let dir = Gw::dir();
    let rx = Receiver::start(&dir);
    let gw = gateway(
        dir,
        &format!(
            "  otlp:\n    http:\n      endpoint: http://127.0.0.1:{}/v1/traces\n",
            rx.http
        ),
        &app.url(),
    );
    let parent = format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01");
    let resp = request(
        "GET",
        &format!("{}/api/x", gw.url("web")),
        "detail.test",
        &[("traceparent", &parent)],
    )
    .await;
    assert_eq!(resp.status, 200);
    assert!(resp.body.contains("GET /x "), "{}", resp.body);

    let spans = rx.trace(CLIENT_TRACE, 6).await;
    assert_eq!(spans.len(), 6, "{spans:#?}");
    // Each span's parent, from the client's down to the backend's.
    let chain = [
        "GET",
        "Router",
        "StripPrefix",
        "Headers",
        "Service",
        "ReverseProxy",
    ];
    let mut parent = CLIENT_SPAN.to_string();
    for name in chain {
        let span = by_name(&spans, name);
        assert_eq!(
            span["parent_span_id"],
            parent.as_str(),
            "{name}: {spans:#?}"
        );
        parent = span["span_id"].as_str().unwrap().to_string();
    }
    let tp = echoed_traceparent(&resp.body).expect("backend got a traceparent");
    assert_eq!(tp, format!("00-{CLIENT_TRACE}-{parent}-01"));

    let router = &by_name(&spans, "Router")["attributes"];
    assert_eq!(router["traefik.router.name"], "detail@file");
    assert_eq!(router["traefik.service.name"], "app@file");
    assert_eq!(router["http.route"], "Host(`detail.test`)");
    assert_eq!(by_name(&spans, "Router")["kind"], 1, "SPAN_KIND_INTERNAL");
    assert_eq!(
        by_name(&spans, "StripPrefix")["attributes"]["traefik.middleware.name"],
        "strip@file"
    );
    assert_eq!(
        by_name(&spans, "Headers")["attributes"]["traefik.middleware.name"],
        "hdr@file"
    );
    assert_eq!(
        by_name(&spans, "Service")["attributes"]["traefik.service.name"],
        "app@file"
    );

    // The same gateway's minimal routers keep two spans per request.
    let minimal = "33333333333333333333333333333333";
    request(
        "GET",
        &format!("{}/", gw.url("web")),
        "app.test",
        &[("traceparent", &format!("00-{minimal}-{CLIENT_SPAN}-01"))],
    )
    .await;
    let names: Vec<String> = rx
        .trace(minimal, 2)
        .await
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn spans_queued_at_shutdown_are_exported() {
    let app = backend("app").await;
    let dir = Gw::dir();
    let rx = Receiver::start(&dir);
    // Batches every 10 minutes: only the shutdown flush can send this one.
    let mut gw = gateway_every(
        dir,
        &format!(
            "  otlp:\n    http:\n      endpoint: http://127.0.0.1:{}/v1/traces\n",
            rx.http
        ),
        &app.url(),
        "600000",
    );
    let parent = format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01");
    let resp = request(
        "GET",
        &format!("{}/", gw.url("web")),
        "app.test",
        &[("traceparent", &parent)],
    )
    .await;
    assert_eq!(resp.status, 200);
    assert!(
        rx.spans().is_empty(),
        "nothing sent before the batch is due"
    );
    gw.signal("TERM");
    assert_eq!(gw.wait_exit(Duration::from_secs(20)), Some(0));
    assert_eq!(rx.spans().len(), 2, "{:#?}", rx.spans());
}

/// A CA (PEM written to `dir/ca.pem`) and a certificate for 127.0.0.1 and localhost signed by
/// it (`dir/collector.pem`, `dir/collector.key`).
fn collector_certificate(dir: &std::path::Path) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name
        .push(DnType::CommonName, "waygate otel test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    std::fs::write(dir.join("collector.pem"), leaf.pem()).unwrap();
    std::fs::write(dir.join("collector.key"), key.serialize_pem()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn both_transports_over_tls_trust_the_configured_ca() {
    let app = backend("app").await;
    for grpc in [false, true] {
        let dir = Gw::dir();
        collector_certificate(&dir);
        let (cert, key) = (dir.join("collector.pem"), dir.join("collector.key"));
        let rx = Receiver::start_with(
            &dir,
            &["--tls", cert.to_str().unwrap(), key.to_str().unwrap()],
        );
        let ca = dir.join("ca.pem");
        let otlp = if grpc {
            format!(
                "  otlp:\n    grpc:\n      endpoint: 127.0.0.1:{}\n      tls:\n        ca: {}\n",
                rx.grpc,
                ca.display()
            )
        } else {
            format!(
                "  otlp:\n    http:\n      endpoint: https://127.0.0.1:{}/v1/traces\n      tls:\n        ca: {}\n",
                rx.http,
                ca.display()
            )
        };
        let gw = gateway(dir, &otlp, &app.url());
        let parent = format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01");
        request(
            "GET",
            &format!("{}/", gw.url("web")),
            "app.test",
            &[("traceparent", &parent)],
        )
        .await;
        let spans = rx.trace(CLIENT_TRACE, 2).await;
        let want = if grpc { "grpcs" } else { "https" };
        assert!(spans.iter().all(|s| s["transport"] == want), "{spans:#?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untrusted_collector_gets_nothing_and_requests_still_pass() {
    let app = backend("app").await;
    let dir = Gw::dir();
    collector_certificate(&dir);
    let (cert, key) = (dir.join("collector.pem"), dir.join("collector.key"));
    let rx = Receiver::start_with(
        &dir,
        &["--tls", cert.to_str().unwrap(), key.to_str().unwrap()],
    );
    // No `tls.ca`: the system roots do not know the test CA.
    let gw = gateway(
        dir,
        &format!(
            "  otlp:\n    http:\n      endpoint: https://127.0.0.1:{}/v1/traces\n",
            rx.http
        ),
        &app.url(),
    );
    for _ in 0..3 {
        let resp = request("GET", &format!("{}/", gw.url("web")), "app.test", &[]).await;
        assert_eq!(resp.status, 200);
    }
    eventually(
        Duration::from_secs(20),
        "the failed export is logged",
        || {
            let logs = gw.logs();
            async move { logs.contains("trace export failed") }
        },
    )
    .await;
    assert!(rx.spans().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn internal_services_are_traced_with_add_internals_only() {
    let app = backend("app").await;
    for add_internals in [false, true] {
        let dir = Gw::dir();
        let rx = Receiver::start(&dir);
        let st = format!(
            "entryPoints:\n  web:\n    address: 127.0.0.1:0\nping:\n  entryPoint: web\ntracing:\n  addInternals: {add_internals}\n  otlp:\n    http:\n      endpoint: http://127.0.0.1:{}\n",
            rx.http
        );
        let gw = Gw::start_in_dir_env(
            dir,
            &st,
            &dynamic(&app.url()),
            &[("OTEL_BSP_SCHEDULE_DELAY", "50")],
        );
        let ping_trace = "44444444444444444444444444444444";
        let resp = request(
            "GET",
            &format!("{}/ping", gw.url("web")),
            "app.test",
            &[("traceparent", &format!("00-{ping_trace}-{CLIENT_SPAN}-01"))],
        )
        .await;
        assert_eq!((resp.status, resp.body.as_str()), (200, "OK"));
        if add_internals {
            let spans = rx.trace(ping_trace, 1).await;
            assert_eq!(spans[0]["name"], "GET", "{spans:#?}");
        } else {
            // The next request's spans arrive after the ping's would have.
            let parent = format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01");
            request(
                "GET",
                &format!("{}/", gw.url("web")),
                "app.test",
                &[("traceparent", &parent)],
            )
            .await;
            rx.trace(CLIENT_TRACE, 2).await;
            assert!(rx.spans().iter().all(|s| s["trace_id"] != ping_trace));
        }
    }
}
