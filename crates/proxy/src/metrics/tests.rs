use std::collections::BTreeMap;

use waygate_config::static_config::{Metrics, Prometheus as PromCfg, StaticConfig};

use super::observe::Recorded;
use super::*;

fn registry(cfg: PromCfg) -> Arc<Prometheus> {
    let st = StaticConfig {
        metrics: Some(Metrics {
            prometheus: Some(cfg),
            ..Metrics::default()
        }),
        ..StaticConfig::default()
    };
    Prometheus::from_static(&st, Weak::new(), None, None).expect("enabled")
}

fn rec(key: u32, ns: u64) -> Recorded<'static> {
    Recorded {
        key,
        ns,
        request_bytes: 3,
        response_bytes: 7,
        tls: Some((0x0304 << 16) | 0x1301),
        header_values: None,
    }
}

#[test]
fn families_with_traefik_names_and_labels() {
    let p = registry(PromCfg {
        add_routers_labels: true,
        ..PromCfg::default()
    });
    let g = p.begin();
    let ep = p.entry_point(g, "web", None);
    let r = p
        .router(g, "a@file", "svc@file", true, None, None)
        .expect("metrics on");
    assert!(
        p.router(g, "api", "api@internal", false, None, None)
            .is_none()
    );
    p.finish(g);
    let key = labels::key(0, 0, 200);
    for h in [ep.series.as_ref(), r.router.as_ref(), r.service.as_ref()] {
        let h = h.expect("handle");
        h.record(&rec(key, 200_000_000));
        h.record(&rec(key, 2_000_000_000));
    }
    let text = p.render();
    for want in [
        "traefik_entrypoint_requests_total{code=\"200\",method=\"GET\",protocol=\"http\",entrypoint=\"web\"} 2",
        "traefik_router_requests_total{code=\"200\",method=\"GET\",protocol=\"http\",router=\"a@file\",service=\"svc@file\"} 2",
        "traefik_service_request_duration_seconds_bucket{code=\"200\",method=\"GET\",protocol=\"http\",service=\"svc@file\",le=\"0.1\"} 0",
        "traefik_service_request_duration_seconds_bucket{code=\"200\",method=\"GET\",protocol=\"http\",service=\"svc@file\",le=\"0.3\"} 1",
        "traefik_service_request_duration_seconds_bucket{code=\"200\",method=\"GET\",protocol=\"http\",service=\"svc@file\",le=\"5\"} 2",
        "traefik_service_request_duration_seconds_bucket{code=\"200\",method=\"GET\",protocol=\"http\",service=\"svc@file\",le=\"+Inf\"} 2",
        "traefik_service_request_duration_seconds_sum{code=\"200\",method=\"GET\",protocol=\"http\",service=\"svc@file\"} 2.2",
        "traefik_router_requests_bytes_total{code=\"200\",method=\"GET\",protocol=\"http\",router=\"a@file\",service=\"svc@file\"} 6",
        "traefik_entrypoint_responses_bytes_total{code=\"200\",method=\"GET\",protocol=\"http\",entrypoint=\"web\"} 14",
        "traefik_router_requests_tls_total{tls_cipher=\"TLS_AES_128_GCM_SHA256\",tls_version=\"1.3\",router=\"a@file\",service=\"svc@file\"} 2",
        "# TYPE traefik_service_request_duration_seconds histogram",
        "# TYPE traefik_config_reloads_total counter",
    ] {
        assert!(text.contains(want), "missing {want}\n{text}");
    }
}

#[test]
fn removed_routers_are_exported_once_more_then_dropped() {
    let p = registry(PromCfg {
        add_routers_labels: true,
        ..PromCfg::default()
    });
    let g = p.begin();
    let r = p
        .router(g, "old@file", "s@file", true, None, None)
        .expect("on");
    p.finish(g);
    r.router
        .as_ref()
        .expect("handle")
        .record(&rec(labels::key(0, 0, 200), 1));
    let g = p.begin();
    p.router(g, "new@file", "s@file", true, None, None);
    p.finish(g);
    assert!(
        p.render().contains("router=\"old@file\""),
        "the scrape after the reload still has it"
    );
    let text = p.render();
    assert!(!text.contains("old@file"), "{text}");
    // A router that comes back before a scrape keeps its series.
    let g = p.begin();
    let a = p
        .router(g, "new@file", "s@file", true, None, None)
        .expect("on");
    p.finish(g);
    let g = p.begin();
    p.finish(g);
    let g = p.begin();
    let b = p
        .router(g, "new@file", "s@file", true, None, None)
        .expect("on");
    p.finish(g);
    assert!(Arc::ptr_eq(
        a.router.as_ref().expect("a"),
        b.router.as_ref().expect("b")
    ));
}

#[test]
fn observability_switches_and_header_labels() {
    let p = registry(PromCfg {
        header_labels: BTreeMap::from([("tenant".to_string(), "X-Tenant".to_string())]),
        ..PromCfg::default()
    });
    let off = waygate_config::dynamic::RouterObservability {
        metrics: Some(false),
        ..Default::default()
    };
    let g = p.begin();
    assert!(p.router(g, "r", "s", true, Some(&off), None).is_none());
    let r = p
        .router(g, "r", "s", true, None, None)
        .expect("on by default");
    assert!(r.router.is_none(), "addRoutersLabels is false by default");
    p.finish(g);
    let values = ["acme".to_string()];
    let svc = r.service.as_ref().expect("service handle");
    svc.record(&Recorded {
        header_values: Some(&values),
        ..rec(labels::key(2, 0, 201), 5)
    });
    let text = p.render();
    assert!(
        text.contains("traefik_service_requests_total{code=\"201\",method=\"POST\",protocol=\"http\",service=\"s\",tenant=\"acme\"} 1"),
        "{text}"
    );
}
