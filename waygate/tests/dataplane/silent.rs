//! Options Waygate decodes but does not implement were once accepted in silence (issue #10's
//! list). Each must now be named: by `waygate check`, in the serving gateway's log, and in
//! its runtime status as the API shows it; and a router that cannot be served is disabled,
//! never served weaker.

use std::process::Command;

use serde_json::Value;

use crate::support::{Gw, client, get};

/// Options found silently accepted and still not implemented, and the text that must name
/// them. (The others of issue #10's list are served now: TCP routers, highestRandomWeight,
/// the access log, Prometheus metrics, the PROXY protocol, OpenTelemetry tracing; their own
/// tests cover them.)
const SILENT: &[(&str, &str)] = &[
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
         \x20 traefik:\n    address: 127.0.0.1:0\napi:\n  insecure: true\n\
         accessLog: {{}}\nmetrics:\n  prometheus: {{}}\n\
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
    // Warnings only: every item serves (the TCP router and the highestRandomWeight
    // service, once disabled, are served now).
    assert_eq!(out.status.code(), Some(0), "{check}");
    let api = api_status(&gw);
    for (key, text) in SILENT {
        assert!(
            check.lines().any(|l| l.contains(key) && l.contains(text)),
            "check does not name `{key}`:\n{check}"
        );
        assert!(
            logs.lines().any(|l| l.contains(key) && l.contains(text)),
            "the log does not name `{key}`:\n{logs}"
        );
        assert!(
            api_says(&api["status"], text),
            "the API's status does not say `{text}`:\n{api:#}"
        );
    }
    // The serving gateway's verdict is check's, item by item.
    let last = check.lines().last().unwrap_or_default();
    let items = api["items"].as_str().unwrap_or_default();
    assert_eq!(last, format!("items: {items}"), "{check}");
    drop(gw);
}

/// `GET /api/waygate/status` on the `traefik` entry point.
fn api_status(gw: &Gw) -> Value {
    let url = format!("{}/api/waygate/status", gw.url("traefik"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let resp = rt.block_on(async { get(&client(), &url, "localhost").await });
    assert_eq!(resp.status, 200, "{}", resp.body);
    serde_json::from_str(&resp.body).expect("JSON")
}

/// Whether some item's errors or warnings contain `text`.
fn api_says(v: &Value, text: &str) -> bool {
    match v {
        Value::String(s) => s.contains(text),
        Value::Array(a) => a.iter().any(|x| api_says(x, text)),
        Value::Object(o) => o.values().any(|x| api_says(x, text)),
        _ => false,
    }
}
