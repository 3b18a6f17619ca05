//! `metrics.otlp`: the registry's series pushed to the OTLP receiver over HTTP and gRPC, with
//! Traefik's names, labels, cumulative temporality and default explicit boundaries.

use serde_json::Value;

use super::{Receiver, backend, dynamic, eventually, request};
use crate::receiver::json_lines;
use crate::support::Gw;
use std::time::Duration;

/// Traefik's `metrics.otlp.explicitBoundaries` default.
const BOUNDARIES: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

fn points(rx: &Receiver) -> Vec<Value> {
    json_lines(&rx.out.with_file_name("metrics.jsonl"))
}

/// The latest point of `name` whose attributes include `attrs`.
fn latest(points: &[Value], name: &str, attrs: &[(&str, &str)]) -> Option<Value> {
    points
        .iter()
        .rev()
        .find(|p| p["name"] == name && attrs.iter().all(|(k, v)| p["attributes"][*k] == *v))
        .cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_otlp_pushes_traefik_series_over_both_transports() {
    let app = backend("app").await;
    for grpc in [false, true] {
        let dir = Gw::dir();
        let rx = Receiver::start(&dir);
        let collector = if grpc {
            format!(
                "    grpc:\n      endpoint: 127.0.0.1:{}\n      insecure: true\n",
                rx.grpc
            )
        } else {
            format!("    http:\n      endpoint: http://127.0.0.1:{}\n", rx.http)
        };
        let st = format!(
            "entryPoints:\n  web:\n    address: 127.0.0.1:0\nmetrics:\n  otlp:\n{collector}    pushInterval: 100ms\n    addRoutersLabels: true\n    serviceName: edge-metrics\n"
        );
        let gw = Gw::start_in_dir(dir, &st, &dynamic(&app.url()));
        for _ in 0..3 {
            let resp = request("GET", &format!("{}/", gw.url("web")), "app.test", &[]).await;
            assert_eq!(resp.status, 200);
        }
        let resp = request("GET", &format!("{}/", gw.url("web")), "nowhere.test", &[]).await;
        assert_eq!(resp.status, 404);

        let router = [("router", "app@file"), ("code", "200"), ("method", "GET")];
        let ep_404 = [("entrypoint", "web"), ("code", "404")];
        let hist = [("router", "app@file"), ("code", "200")];
        let hist_name = "traefik_router_request_duration_seconds";
        // Series are recorded when each response is done: wait until a push has them all.
        eventually(Duration::from_secs(20), "the requests pushed", || {
            let all = points(&rx);
            let done = latest(&all, "traefik_router_requests_total", &router)
                .is_some_and(|p| p["value"] == 3.0)
                && latest(&all, "traefik_entrypoint_requests_total", &ep_404)
                    .is_some_and(|p| p["value"] == 1.0)
                && latest(&all, hist_name, &hist).is_some_and(|p| p["count"] == 3);
            async move { done }
        })
        .await;
        let all = points(&rx);
        let counter = latest(&all, "traefik_router_requests_total", &router).unwrap();
        assert_eq!(counter["kind"], "sum");
        assert_eq!(counter["monotonic"], true);
        assert_eq!(counter["temporality"], 2, "cumulative");
        assert_eq!(counter["attributes"]["service"], "app@file");
        assert_eq!(counter["resource"]["service.name"], "edge-metrics");
        assert_eq!(counter["transport"], if grpc { "grpc" } else { "http" });
        let not_found = latest(&all, "traefik_entrypoint_requests_total", &ep_404).unwrap();
        assert_eq!(not_found["value"], 1.0);

        let h = latest(&all, hist_name, &hist).unwrap();
        assert_eq!(h["kind"], "histogram");
        assert_eq!(h["unit"], "s");
        assert_eq!(h["count"], 3);
        assert_eq!(h["temporality"], 2);
        let bounds: Vec<f64> = serde_json::from_value(h["bounds"].clone()).unwrap();
        assert_eq!(bounds, BOUNDARIES);
        let counts: Vec<u64> = serde_json::from_value(h["bucket_counts"].clone()).unwrap();
        assert_eq!(counts.len(), BOUNDARIES.len() + 1);
        assert_eq!(counts.iter().sum::<u64>(), 3);
        assert!(h["sum"].as_f64().unwrap() > 0.0);
        let reloads = latest(&all, "traefik_config_reloads_total", &[]).unwrap();
        assert!(reloads["value"].as_f64().unwrap() >= 1.0);
    }
}
