//! `/api/http/routers`, `/api/http/services`, `/api/http/middlewares` (Traefik's
//! `handler_http_test.go`: routers.json, router-bar.json, router-baz-default-tls-options.json,
//! services.json, service-bar.json, middlewares.json, middleware-auth.json and the
//! filtered/paginated variants).

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{backend, eventually};
use crate::{Api, MIDDLEWARE, ROUTER, SERVICE, assert_error, only_fields};

fn observability() -> Value {
    json!({"accessLogs": true, "metrics": true, "tracing": true, "traceVerbosity": "minimal"})
}

#[tokio::test(flavor = "multi_thread")]
async fn http_routers_contract() {
    let b = backend("b").await;
    let api = Api::standard(&b.url());

    let got = api.get("/api/http/routers").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.headers["content-type"], "application/json");
    assert_eq!(got.headers["x-next-page"], "1");
    let list: Vec<Value> = serde_json::from_str(&got.body).unwrap();
    for r in &list {
        only_fields(r, ROUTER, 0);
        assert!(r["priorityStr"].is_string(), "{r}");
        assert!(r["entryPoints"].is_array(), "{r}");
    }
    // Sorted by name; the insecure API's own routers are listed, as in Traefik.
    let names: Vec<&str> = list.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "api@internal",
            "broken@file",
            "dashboard@internal",
            "debug@internal",
            "down@file",
            "nosvc@file",
            "secure@file",
            "warned@file",
            "whoami@file"
        ]
    );

    // router-bar.json's shape: references as written, `using`, `priorityStr`.
    assert_eq!(
        api.json("/api/http/routers/whoami@file").await,
        json!({"entryPoints": ["web"], "middlewares": ["hdr"], "name": "whoami@file",
            "provider": "file", "priorityStr": "0", "rule": "Host(`whoami.test`)",
            "service": "whoami", "status": "enabled", "using": ["web"],
            "observability": observability()})
    );
    let internal = api.json("/api/http/routers/api@internal").await;
    assert_eq!(internal["service"], "api@internal");
    assert_eq!(internal["rule"], "PathPrefix(`/api`)");
    assert_eq!(internal["priority"], json!(i64::MAX - 1));
    assert_eq!(internal["priorityStr"], (i64::MAX - 1).to_string());
    assert_eq!(internal["using"], json!(["traefik"]));
    // router-baz-default-tls-options.json.
    let secure = api.json("/api/http/routers/secure@file").await;
    assert_eq!(secure["tls"], json!({"options": "default"}));
    // Disabled with its reasons; a warning keeps it serving.
    let broken = api.json("/api/http/routers/broken@file").await;
    assert_eq!(broken["status"], "disabled");
    assert!(
        broken["error"][0].as_str().unwrap().contains("rule"),
        "{broken}"
    );
    assert_eq!(
        broken["using"],
        json!(["web"]),
        "Traefik lists it for disabled routers too"
    );
    let nosvc = api.json("/api/http/routers/nosvc@file").await;
    assert_eq!(nosvc["status"], "disabled");
    let warned = api.json("/api/http/routers/warned@file").await;
    assert_eq!(warned["status"], "warning", "{warned}");
    assert_eq!(warned["tls"], json!({"options": "modern"}));

    // Filters (routers-filtered-*.json).
    assert_eq!(
        api.names("/api/http/routers?status=disabled").await,
        ["broken@file", "nosvc@file"]
    );
    assert_eq!(
        api.names("/api/http/routers?status=warning").await,
        ["warned@file"]
    );
    assert_eq!(
        api.names("/api/http/routers?search=WHOAMI.test").await,
        ["whoami@file"],
        "search is case-insensitive, in the rule and the name"
    );
    assert_eq!(
        api.names("/api/http/routers?serviceName=whoami@file").await,
        ["broken@file", "secure@file", "warned@file", "whoami@file"]
    );
    assert_eq!(
        api.names("/api/http/routers?middlewareName=hdr").await,
        ["whoami@file"]
    );
    // Sorting.
    assert_eq!(
        api.names("/api/http/routers?sortBy=priority&direction=desc")
            .await[..2],
        ["debug@internal", "api@internal"],
        "ties are broken by name, in the same direction"
    );
    assert_eq!(
        api.names("/api/http/routers?direction=desc").await[0],
        "whoami@file"
    );
    assert_eq!(
        api.names("/api/http/routers?sortBy=status").await[..2],
        ["broken@file", "nosvc@file"]
    );
    // Pagination (routers-page2.json, routers-many-lastpage.json).
    let got = api.get("/api/http/routers?page=2&per_page=2").await;
    assert_eq!(got.headers["x-next-page"], "3");
    let page: Vec<Value> = serde_json::from_str(&got.body).unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["name"], "dashboard@internal");
    let got = api.get("/api/http/routers?page=2&per_page=5").await;
    assert_eq!(got.headers["x-next-page"], "1");
    assert_error(
        &api.get("/api/http/routers?page=3&per_page=5").await,
        400,
        "invalid request: page: 3, per_page: 5",
    );
    assert_error(
        &api.get("/api/http/routers?per_page=0").await,
        400,
        "invalid request: per_page: 0",
    );
    assert_error(
        &api.get("/api/http/routers/nope@file").await,
        404,
        "router not found: nope@file",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_services_and_middlewares_contract() {
    let b = backend("b").await;
    let api = Api::standard(&b.url());

    let list = api.json("/api/http/services").await;
    for s in list.as_array().unwrap() {
        only_fields(s, SERVICE, 0);
    }
    assert_eq!(
        api.names("/api/http/services").await,
        [
            "api@internal",
            "canary@file",
            "dashboard@internal",
            "down@file",
            "noop@internal",
            "whoami@file"
        ]
    );
    // service-bar.json's shape.
    assert_eq!(
        api.json("/api/http/services/whoami@file").await,
        json!({"loadBalancer": {"passHostHeader": true, "servers": [{"url": b.url()}],
                "strategy": "wrr"},
            "name": "whoami@file", "provider": "file", "serverStatus": {b.url(): "UP"},
            "status": "enabled", "type": "loadbalancer",
            "usedBy": ["broken@file", "secure@file", "warned@file", "whoami@file"]})
    );
    let canary = api.json("/api/http/services/canary@file").await;
    assert_eq!(canary["type"], "weighted");
    assert_eq!(
        canary["weighted"]["services"],
        json!([{"name": "whoami", "weight": 1}])
    );
    assert_eq!(
        api.json("/api/http/services/api@internal").await,
        json!({"name": "api@internal", "provider": "internal", "status": "enabled",
            "usedBy": ["api@internal", "debug@internal"]})
    );
    // A failing health check turns the server DOWN.
    eventually(Duration::from_secs(5), "serverStatus DOWN", || async {
        let down = api.json("/api/http/services/down@file").await;
        down["serverStatus"] == json!({"http://127.0.0.1:1": "DOWN"})
    })
    .await;
    assert_eq!(
        api.names("/api/http/services?search=CAN").await,
        ["canary@file"]
    );
    assert_eq!(
        api.names("/api/http/services?sortBy=type&direction=desc")
            .await[0],
        "canary@file"
    );
    let got = api.get("/api/http/services?page=2&per_page=1").await;
    assert_eq!(got.headers["x-next-page"], "3");
    assert_error(
        &api.get("/api/http/services/nono@file").await,
        404,
        "service not found: nono@file",
    );

    // middlewares.json, middleware-auth.json.
    let mws = api.json("/api/http/middlewares").await;
    for m in mws.as_array().unwrap() {
        only_fields(m, MIDDLEWARE, 1);
    }
    assert_eq!(
        api.json("/api/http/middlewares/hdr@file").await,
        json!({"headers": {"customResponseHeaders": {"X-Api-Test": "1"}}, "name": "hdr@file",
            "provider": "file", "status": "enabled", "type": "headers",
            "usedBy": ["whoami@file"]})
    );
    let auth = api.json("/api/http/middlewares/auth@file").await;
    assert_eq!(auth["type"], "basicauth");
    assert_eq!(
        auth["basicAuth"]["users"],
        json!(["test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"])
    );
    assert!(auth.get("usedBy").is_none());
    assert_eq!(
        api.names("/api/http/middlewares?search=au").await,
        ["auth@file"]
    );
    let enabled = api.names("/api/http/middlewares?status=enabled").await;
    assert!(enabled.contains(&"hdr@file".to_string()), "{enabled:?}");
    assert_error(
        &api.get("/api/http/middlewares/nope@file").await,
        404,
        "middleware not found: nope@file",
    );
}
