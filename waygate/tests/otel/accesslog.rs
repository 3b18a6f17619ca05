//! The access log's `TraceId` and `SpanId` (and their OpenTelemetry names `trace_id`,
//! `span_id`): Traefik logs the request's span context, i.e. the trace and the entry point's
//! span, when the request is traced (sampled or not); untraced requests and a gateway
//! without `tracing` have neither key.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::{CLIENT_SPAN, CLIENT_TRACE, Receiver, backend, by_name, dynamic, eventually, request};
use crate::receiver::json_lines;
use crate::support::Gw;

/// The JSON lines of `path`, once it holds `n`.
async fn log_lines(path: &Path, n: usize) -> Vec<Value> {
    let read = || json_lines(path);
    eventually(
        Duration::from_secs(20),
        &format!("{n} lines in {}", path.display()),
        || {
            let found = read().len();
            async move { found >= n }
        },
    )
    .await;
    read()
}

/// The line of the request to host `host`.
fn line_of<'a>(lines: &'a [Value], host: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["RequestHost"] == host)
        .unwrap_or_else(|| panic!("no line for {host} in {lines:#?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn access_log_carries_the_entry_point_span_of_traced_requests() {
    let app = backend("app").await;
    let dir = Gw::dir();
    let rx = Receiver::start(&dir);
    let log = dir.join("access.log");
    let st = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\naccessLog:\n  filePath: {}\n  format: json\ntracing:\n  otlp:\n    http:\n      endpoint: http://127.0.0.1:{}/v1/traces\n",
        log.display(),
        rx.http
    );
    let gw = Gw::start_in_dir_env(
        dir,
        &st,
        &dynamic(&app.url()),
        &[("OTEL_BSP_SCHEDULE_DELAY", "50")],
    );
    let url = format!("{}/", gw.url("web"));
    let sampled = format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01");
    let resp = request("GET", &url, "app.test", &[("traceparent", &sampled)]).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    // Not sampled by the client: not exported, still traced (Traefik's span context is
    // valid either way), so still logged.
    let unsampled_trace = "55555555555555555555555555555555";
    let unsampled = format!("00-{unsampled_trace}-{CLIENT_SPAN}-00");
    let resp = request("GET", &url, "detail.test", &[("traceparent", &unsampled)]).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    // A router with `observability.tracing: false` has no span: nothing to log.
    let resp = request("GET", &url, "quiet.test", &[("traceparent", &sampled)]).await;
    assert_eq!(resp.status, 200, "{}", resp.body);

    let spans = rx.trace(CLIENT_TRACE, 2).await;
    let server = by_name(&spans, "GET");
    assert_eq!(server["parent_span_id"], CLIENT_SPAN);
    let lines = log_lines(&log, 3).await;

    let traced = line_of(&lines, "app.test");
    assert_eq!(traced["TraceId"], CLIENT_TRACE, "{traced:#}");
    assert_eq!(traced["SpanId"], server["span_id"], "{traced:#}");
    assert_eq!(traced["trace_id"], CLIENT_TRACE);
    assert_eq!(traced["span_id"], server["span_id"]);

    let not_sampled = line_of(&lines, "detail.test");
    assert_eq!(not_sampled["TraceId"], unsampled_trace, "{not_sampled:#}");
    let span = not_sampled["SpanId"].as_str().unwrap();
    assert_eq!(span.len(), 16, "{span}");
    assert!(
        span != CLIENT_SPAN && span.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "a new span, lowercase hex: {span}"
    );

    let quiet = line_of(&lines, "quiet.test");
    for key in ["TraceId", "SpanId", "trace_id", "span_id"] {
        assert!(quiet.get(key).is_none(), "{key}: {quiet:#}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn access_log_without_tracing_has_no_trace_id() {
    let app = backend("app").await;
    let dir = Gw::dir();
    let log = dir.join("access.log");
    let st = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\naccessLog:\n  filePath: {}\n  format: json\n",
        log.display()
    );
    let gw = Gw::start_in_dir(dir, &st, &dynamic(&app.url()));
    let sampled = format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01");
    let resp = request(
        "GET",
        &format!("{}/", gw.url("web")),
        "app.test",
        &[("traceparent", &sampled)],
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let lines = log_lines(&log, 1).await;
    let line = line_of(&lines, "app.test");
    assert_eq!(line["DownstreamStatus"], 200);
    for key in ["TraceId", "SpanId", "trace_id", "span_id"] {
        assert!(line.get(key).is_none(), "{key}: {line:#}");
    }
}
