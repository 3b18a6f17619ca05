//! The REST API through the real binary: one contract test per endpoint family, against the
//! shapes of Traefik's own API tests (`pkg/api/testdata`): field names, value types, list
//! order, filters, `X-Next-Page`, error bodies. A client written for Traefik's API must find
//! the same fields here.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

#[allow(dead_code)]
#[path = "../dataplane/support.rs"]
mod support;

mod http;
mod more;
mod secure;

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{Gw, client, get};

/// Fields of Traefik's router representation (`RouterInfo` + dynamic `Router` +
/// `name`/`provider`/`priorityStr`).
pub(crate) const ROUTER: &[&str] = &[
    "entryPoints",
    "middlewares",
    "service",
    "rule",
    "ruleSyntax",
    "priority",
    "tls",
    "observability",
    "parentRefs",
    "error",
    "status",
    "using",
    "name",
    "provider",
    "priorityStr",
];
/// Service representation: the service types, `ServiceInfo`, `name`/`provider`/`type`/
/// `serverStatus`.
pub(crate) const SERVICE: &[&str] = &[
    "loadBalancer",
    "weighted",
    "mirroring",
    "failover",
    "highestRandomWeight",
    "middlewares",
    "error",
    "status",
    "usedBy",
    "name",
    "provider",
    "type",
    "serverStatus",
];
/// Middleware representation: one type section plus these.
pub(crate) const MIDDLEWARE: &[&str] = &["error", "status", "usedBy", "name", "provider", "type"];
pub(crate) const TCP_ROUTER: &[&str] = &[
    "entryPoints",
    "middlewares",
    "service",
    "rule",
    "ruleSyntax",
    "priority",
    "tls",
    "error",
    "status",
    "using",
    "name",
    "provider",
    "priorityStr",
];
pub(crate) const UDP_ROUTER: &[&str] = &[
    "entryPoints",
    "service",
    "error",
    "status",
    "using",
    "name",
    "provider",
];

/// A running gateway with the API on entry point `traefik`.
pub(crate) struct Api {
    pub(crate) gw: Gw,
}

/// A response: status, headers, raw body.
pub(crate) struct Got {
    pub(crate) status: u16,
    pub(crate) headers: ::http::HeaderMap,
    pub(crate) body: String,
}

impl Api {
    pub(crate) fn start(static_yaml: &str, dynamic_yaml: &str) -> Api {
        Api {
            gw: Gw::start(static_yaml, dynamic_yaml),
        }
    }

    /// The gateway on [`STATIC`] and [`dynamic`], with `backend` as the `whoami` server.
    pub(crate) fn standard(backend: &str) -> Api {
        let dir = Gw::dir();
        let dynamic = dynamic(backend, &dir);
        Api {
            gw: Gw::start_in_dir(dir, STATIC, &dynamic),
        }
    }

    /// `GET path` on entry point `ep`.
    pub(crate) async fn get_on(&self, ep: &str, path: &str) -> Got {
        let url = format!("{}{path}", self.gw.url(ep));
        let r = get(&client(), &url, "api.test").await;
        Got {
            status: r.status,
            headers: r.headers,
            body: r.body,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Got {
        self.get_on("traefik", path).await
    }

    /// `GET path`, which must answer 200 with a JSON document.
    pub(crate) async fn json(&self, path: &str) -> Value {
        let got = self.get(path).await;
        assert_eq!(got.status, 200, "{path}: {}", got.body);
        serde_json::from_str(&got.body).unwrap_or_else(|e| panic!("{path}: {e}: {}", got.body))
    }

    /// The `name` of each element of a list endpoint's answer.
    pub(crate) async fn names(&self, path: &str) -> Vec<String> {
        let v = self.json(path).await;
        let list = v
            .as_array()
            .unwrap_or_else(|| panic!("{path}: not a list: {v}"));
        list.iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Every key of `item` is one of `allowed` (plus `extra`, for a middleware's type section).
pub(crate) fn only_fields(item: &Value, allowed: &[&str], extra: usize) {
    let obj = item
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {item}"));
    let unknown: BTreeSet<&String> = obj
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .collect();
    assert!(
        unknown.len() <= extra,
        "fields Traefik does not have: {unknown:?} in {item}"
    );
    for k in ["name", "provider", "status"] {
        assert!(obj[k].is_string(), "{k} must be a string: {item}");
    }
    assert!(
        ["enabled", "warning", "disabled"].contains(&obj["status"].as_str().unwrap()),
        "{item}"
    );
    if let Some(e) = obj.get("error") {
        let e = e
            .as_array()
            .unwrap_or_else(|| panic!("error must be a list: {item}"));
        assert!(!e.is_empty() && e.iter().all(Value::is_string), "{item}");
    }
}

/// `{"message": ...}` with `status`, as Traefik's `writeError` sends it.
pub(crate) fn assert_error(got: &Got, status: u16, message: &str) {
    assert_eq!(got.status, status, "{}", got.body);
    assert_eq!(got.headers["content-type"], "text/plain; charset=utf-8");
    let v: Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(v, serde_json::json!({ "message": message }));
}

/// The static configuration of most tests: `web`, the API's `traefik` and a UDP entry point.
pub(crate) const STATIC: &str = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n  traefik:\n    address: 127.0.0.1:0\n  dns:\n    address: 127.0.0.1:0/udp\napi:\n  insecure: true\n  debug: true\n";

/// Routers enabled, disabled (bad rule, missing service, TCP), with a warning; a service
/// whose server is down; TCP and UDP items; a certificate in `dir`.
pub(crate) fn dynamic(backend: &str, dir: &std::path::Path) -> String {
    let names = vec!["cert.test".to_string(), "127.0.0.1".to_string()];
    let ck = rcgen::generate_simple_self_signed(names).expect("rcgen");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, ck.cert.pem()).expect("write cert");
    std::fs::write(&key, ck.signing_key.serialize_pem()).expect("write key");
    format!(
        r#"
http:
  routers:
    whoami:
      entryPoints: [web]
      rule: Host(`whoami.test`)
      service: whoami
      middlewares: [hdr]
    broken:
      entryPoints: [web]
      rule: Host(`broken.test`
      service: whoami
    nosvc:
      entryPoints: [web]
      rule: Host(`nosvc.test`)
      service: nope
    secure:
      entryPoints: [web]
      rule: Host(`secure.test`)
      service: whoami
      tls: {{}}
    warned:
      entryPoints: [web]
      rule: PathPrefix(`/warned`)
      service: whoami
      tls:
        options: modern
    down:
      entryPoints: [web]
      rule: Host(`down.test`)
      service: down
  services:
    whoami:
      loadBalancer:
        servers: [{{url: "{backend}"}}]
    down:
      loadBalancer:
        servers: [{{url: "http://127.0.0.1:1"}}]
        healthCheck: {{path: /health, interval: 100ms, timeout: 100ms}}
    canary:
      weighted:
        services: [{{name: whoami, weight: 1}}]
  middlewares:
    hdr:
      headers:
        customResponseHeaders: {{X-Api-Test: "1"}}
    auth:
      basicAuth:
        users: ["test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"]
tcp:
  routers:
    tcp-r:
      entryPoints: [web]
      rule: HostSNI(`*`)
      service: tcp-s
  services:
    tcp-s:
      loadBalancer:
        servers: [{{address: "127.0.0.1:9"}}]
  middlewares:
    tcp-allow:
      ipAllowList:
        sourceRange: [127.0.0.1/32]
udp:
  routers:
    udp-r:
      entryPoints: [dns]
      service: udp-s
  services:
    udp-s:
      loadBalancer:
        servers: [{{address: "127.0.0.1:53"}}]
tls:
  options:
    modern:
      minVersion: VersionTLS12
  certificates:
    - certFile: {}
      keyFile: {}
"#,
        cert.display(),
        key.display()
    )
}
