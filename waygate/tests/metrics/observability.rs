//! The entry point's `observability.metrics` default (Traefik 3.1+): off on `web`, so its
//! routers do not count unless their own `observability.metrics` says so, and neither do its
//! 404s; a router that turns it on counts at every level, entry point series included; the
//! other entry point keeps the default (on). Scraped directly, no Prometheus server needed.

use crate::support::{Gw, backend, client, get};

const STATIC: &str = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    observability:\n      metrics: false\n  other:\n    address: 127.0.0.1:0\n  traefik:\n    address: 127.0.0.1:0\nmetrics:\n  prometheus:\n    addRoutersLabels: true\n";

#[tokio::test(flavor = "multi_thread")]
async fn entry_point_default_off_and_router_overrides() {
    let a = backend("a").await;
    let dy = format!(
        "http:\n  routers:\n    inherits:\n      rule: Host(`inherits.test`)\n      service: sa\n    on:\n      rule: Host(`on.test`)\n      service: sa\n      observability:\n        metrics: true\n  services:\n    sa:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        a.url()
    );
    let gw = Gw::start(STATIC, &dy);
    let c = client();
    for (ep, host, status, times) in [
        ("web", "inherits.test", 200, 3),
        ("web", "on.test", 200, 2),
        ("web", "nobody.test", 404, 4),
        ("other", "inherits.test", 200, 1),
    ] {
        for _ in 0..times {
            let r = get(&c, &format!("{}/", gw.url(ep)), host).await;
            assert_eq!(r.status, status, "{ep} {host}");
        }
    }
    let body = get(&c, &format!("{}/metrics", gw.url("traefik")), "x")
        .await
        .body;
    let series = |prefix: &str| {
        body.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
    };
    // Routers: `on` on web (2), `inherits` on other only (1).
    assert_eq!(
        series(
            "traefik_router_requests_total{code=\"200\",method=\"GET\",protocol=\"http\",router=\"on@file\""
        ),
        Some(2),
        "{body}"
    );
    assert_eq!(
        series(
            "traefik_router_requests_total{code=\"200\",method=\"GET\",protocol=\"http\",router=\"inherits@file\""
        ),
        Some(1),
        "{body}"
    );
    // Entry points: web counts the `on` router's requests only (no 404), other its one.
    assert_eq!(
        series(
            "traefik_entrypoint_requests_total{code=\"200\",method=\"GET\",protocol=\"http\",entrypoint=\"web\"}"
        ),
        Some(2),
        "{body}"
    );
    assert_eq!(
        series(
            "traefik_entrypoint_requests_total{code=\"200\",method=\"GET\",protocol=\"http\",entrypoint=\"other\"}"
        ),
        Some(1),
        "{body}"
    );
    assert!(!body.contains("code=\"404\""), "{body}");
}
