//! Composite services (weighted canary, mirroring, failover) and reload details (SIGHUP,
//! health state kept across reloads).

use std::time::Duration;

use crate::support::{Gw, LOCAL_EP, backend, client, eventually, get};

#[tokio::test(flavor = "multi_thread")]
async fn weighted_mirroring_and_failover() {
    let main = backend("main").await;
    let mirror = backend("mirror").await;
    let spare = backend("spare").await;
    let dynamic = format!(
        r#"
http:
  routers:
    canary:
      rule: Path(`/canary`)
      service: split
    mirrored:
      rule: Path(`/mirrored`)
      service: mirrored
    failover:
      rule: Path(`/failover`)
      service: fo
  services:
    split:
      weighted:
        services:
          - {{name: main-svc, weight: 3}}
          - {{name: spare-svc, weight: 1}}
    mirrored:
      mirroring:
        service: main-svc
        mirrors:
          - {{name: mirror-svc, percent: 50}}
    fo:
      failover:
        service: main-checked
        fallback: spare-svc
    main-svc:
      loadBalancer:
        servers: [{{url: "{main}"}}]
    main-checked:
      loadBalancer:
        servers: [{{url: "{main}"}}]
        healthCheck: {{path: /health, interval: 100ms, timeout: 100ms}}
    mirror-svc:
      loadBalancer:
        servers: [{{url: "{mirror}"}}]
    spare-svc:
      loadBalancer:
        servers: [{{url: "{spare}"}}]
"#,
        main = main.url(),
        mirror = mirror.url(),
        spare = spare.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let c = client();
    let base = gw.url("web");
    let mut spare_hits = 0;
    for _ in 0..20 {
        let r = get(&c, &format!("{base}/canary"), "h").await;
        if r.headers["x-whoami-name"] == "spare" {
            spare_hits += 1;
        }
    }
    assert_eq!(spare_hits, 5, "weights 3:1");

    let before = mirror.requests();
    for _ in 0..10 {
        let r = get(&c, &format!("{base}/mirrored"), "h").await;
        assert_eq!(r.headers["x-whoami-name"], "main");
    }
    eventually(
        Duration::from_secs(2),
        "half the requests mirrored",
        || async { mirror.requests() - before == 5 },
    )
    .await;

    assert_eq!(
        get(&c, &format!("{base}/failover"), "h").await.headers["x-whoami-name"],
        "main"
    );
    main.set_health(503);
    eventually(
        Duration::from_secs(2),
        "failover to the fallback",
        || async {
            get(&c, &format!("{base}/failover"), "h").await.headers["x-whoami-name"] == "spare"
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_rereads_and_health_state_survives_reloads() {
    let a = backend("a").await;
    let b = backend("b").await;
    let config = |extra: &str| {
        format!(
            "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n{extra}  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}, {{url: \"{}\"}}]\n        healthCheck: {{path: /health, interval: 1h, timeout: 200ms}}\n",
            a.url(),
            b.url()
        )
    };
    // File watching is off: only SIGHUP re-reads.
    b.set_health(503);
    let gw = Gw::start_with(LOCAL_EP, &config(""), false);
    let c = client();
    let url = format!("{}/", gw.url("web"));
    eventually(
        Duration::from_secs(2),
        "b is down after the first check",
        || async {
            let mut all_a = true;
            for _ in 0..4 {
                all_a &= get(&c, &url, "h").await.headers["x-whoami-name"] == "a";
            }
            all_a
        },
    )
    .await;
    // b recovers, but the next check is an hour away; a reload that keeps the service must
    // keep b's DOWN state (and its checker) rather than reset it to UP.
    b.set_health(200);
    let applied = gw.applied();
    gw.write_dynamic(&config(
        "    other:\n      rule: Path(`/other`)\n      service: s\n",
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        gw.applied(),
        applied,
        "not watching: the write alone changes nothing"
    );
    assert_eq!(
        get(&c, &format!("{}/other", gw.url("web")), "h")
            .await
            .status,
        200,
        "the catch-all still answers"
    );
    gw.signal("HUP");
    eventually(
        Duration::from_secs(3),
        "SIGHUP applies the rewrite",
        || async { gw.applied() > applied },
    )
    .await;
    for _ in 0..6 {
        assert_eq!(
            get(&c, &url, "h").await.headers["x-whoami-name"],
            "a",
            "health state survived the reload"
        );
    }
}
