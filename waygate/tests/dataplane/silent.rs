//! Options Waygate decodes but does not implement were once accepted in silence (issue #10's
//! list). Each must now be named: by `waygate check`, in the serving gateway's log, and in
//! its runtime status; and a router that cannot be served is disabled, never served weaker.

use std::process::Command;

use crate::support::Gw;

/// Every option found silently accepted, and the text that must name it.
const SILENT: &[(&str, &str)] = &[
    ("accessLog", "`accessLog` is not implemented by Waygate yet"),
    ("metrics", "`metrics` is not implemented by Waygate yet"),
    ("tracing", "`tracing` is not implemented by Waygate yet"),
    (
        "entryPoints.web.proxyProtocol",
        "`entryPoints.web.proxyProtocol` is not implemented by Waygate yet",
    ),
    (
        "providers.redis",
        "`providers.redis` is not implemented by Waygate yet",
    ),
    (
        "providers.etcd",
        "`providers.etcd` is not implemented by Waygate yet",
    ),
    (
        "providers.kubernetesCRD",
        "`providers.kubernetesCRD` is not implemented by Waygate yet",
    ),
    (
        "providers.kubernetesIngress",
        "`providers.kubernetesIngress` is not implemented by Waygate yet",
    ),
    (
        "tcp.routers.any",
        "TCP routing is not implemented by Waygate yet: this item is not served",
    ),
    // Served as round robin before: now its router is disabled, saying why.
    (
        "http.routers.hrw",
        "highestRandomWeight is not implemented by Waygate yet",
    ),
];

const DYNAMIC: &str = r#"
http:
  routers:
    hrw:
      rule: PathPrefix(`/hrw`)
      service: hrw
  services:
    hrw:
      highestRandomWeight:
        services:
          - name: one
    one:
      loadBalancer:
        servers:
          - url: http://127.0.0.1:1
tcp:
  routers:
    any:
      entryPoints: [web]
      rule: HostSNI(`*`)
      service: one-tcp
  services:
    one-tcp:
      loadBalancer:
        servers:
          - address: 127.0.0.1:1
"#;

#[test]
fn each_silently_accepted_option_is_named_by_check_and_the_log() {
    let dir = Gw::dir();
    let dynamic = dir.join("dynamic.yml");
    std::fs::write(&dynamic, DYNAMIC).expect("write dynamic");
    let static_full = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    proxyProtocol:\n      trustedIPs: [127.0.0.1]\n\
         accessLog: {{}}\nmetrics:\n  prometheus: {{}}\ntracing: {{}}\n\
         providers:\n  providersThrottleDuration: 10ms\n  file:\n    filename: {}\n\
         \x20 redis:\n    endpoints: [127.0.0.1:6379]\n  etcd:\n    endpoints: [127.0.0.1:2379]\n\
         \x20 kubernetesCRD: {{}}\n  kubernetesIngress: {{}}\n",
        dynamic.display()
    );
    let gw = Gw::start_raw_in(dir.clone(), &static_full);
    let logs = gw.logs();
    let bin = std::env::var("WAYGATE_TEST_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_waygate").to_string());
    let out = Command::new(bin)
        .arg("check")
        .arg(format!(
            "--configFile={}",
            dir.join("traefik.yml").display()
        ))
        .output()
        .expect("run check");
    let check = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "items are disabled:\n{check}");
    for (key, text) in SILENT {
        assert!(
            check.lines().any(|l| l.contains(key) && l.contains(text)),
            "check does not name `{key}`:\n{check}"
        );
        assert!(
            logs.lines().any(|l| l.contains(key) && l.contains(text)),
            "the log does not name `{key}`:\n{logs}"
        );
    }
    // The router on the replaced strategy is disabled, not served as round robin.
    assert!(
        check.contains("http.routers.hrw@file: router disabled"),
        "{check}"
    );
    drop(gw);
}
