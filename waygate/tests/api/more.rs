//! `/api/tcp/*`, `/api/udp/*`, `/api/overview`, `/api/rawdata`, `/api/entrypoints`,
//! `/api/certificates`, `/api/version` and `api.debug`'s `/debug/vars` (Traefik's
//! handler_tcp/udp/overview/entrypoint/certificate tests and `getrawdata.json`).

use serde_json::{Value, json};

use crate::support::backend;
use crate::{Api, SERVICE, TCP_ROUTER, UDP_ROUTER, assert_error, only_fields};

#[tokio::test(flavor = "multi_thread")]
async fn tcp_and_udp_contract() {
    let b = backend("b").await;
    let api = Api::standard(&b.url());

    // tcprouter-bar.json's shape; the router serves.
    let r = api.json("/api/tcp/routers/tcp-r@file").await;
    only_fields(&r, TCP_ROUTER, 0);
    assert_eq!(r["rule"], "HostSNI(`*`)");
    assert_eq!(r["service"], "tcp-s");
    assert_eq!(r["priorityStr"], "0");
    assert_eq!(r["status"], "enabled");
    assert_eq!(r["using"], json!(["web"]));
    assert_eq!(api.names("/api/tcp/routers").await, ["tcp-r@file"]);
    assert_eq!(
        api.names("/api/tcp/routers?serviceName=tcp-s").await,
        ["tcp-r@file"]
    );
    let s = api.json("/api/tcp/services/tcp-s@file").await;
    only_fields(&s, SERVICE, 0);
    assert_eq!(s["type"], "loadbalancer");
    assert_eq!(
        s["loadBalancer"]["servers"],
        json!([{"address": "127.0.0.1:9"}])
    );
    assert_eq!(s["usedBy"], json!(["tcp-r@file"]));
    let m = api.json("/api/tcp/middlewares/tcp-allow@file").await;
    assert_eq!(m["type"], "ipallowlist");
    assert_eq!(m["ipAllowList"], json!({"sourceRange": ["127.0.0.1/32"]}));
    assert_error(
        &api.get("/api/tcp/routers/nope@file").await,
        404,
        "router not found: nope@file",
    );
    assert_error(
        &api.get("/api/tcp/middlewares/nope@file").await,
        404,
        "middleware not found: nope@file",
    );

    // udprouter-bar.json: no rule, no priority, no priorityStr.
    let r = api.json("/api/udp/routers/udp-r@file").await;
    only_fields(&r, UDP_ROUTER, 0);
    assert_eq!(r["entryPoints"], json!(["dns"]));
    assert_eq!(r["using"], json!(["dns"]));
    assert_eq!(r["status"], "enabled");
    let s = api.json("/api/udp/services/udp-s@file").await;
    assert_eq!(s["type"], "loadbalancer");
    assert_eq!(s["usedBy"], json!(["udp-r@file"]));
    assert_eq!(
        api.names("/api/udp/services?search=udp").await,
        ["udp-s@file"]
    );
    assert_error(
        &api.get("/api/udp/services/nope@file").await,
        404,
        "service not found: nope@file",
    );
    // `/api/udp/middlewares` does not exist in Traefik.
    let got = api.get("/api/udp/middlewares").await;
    assert_eq!(
        (got.status, got.body.as_str()),
        (404, "404 page not found\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn overview_rawdata_entrypoints_certificates_version() {
    let b = backend("b").await;
    let api = Api::standard(&b.url());

    // overview-dynamic.json / overview-providers.json: counts agree with the lists.
    let o = api.json("/api/overview").await;
    let keys: Vec<&String> = o.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "certificates",
            "features",
            "http",
            "providers",
            "tcp",
            "udp"
        ]
    );
    assert_eq!(
        o["http"]["routers"],
        json!({"total": 9, "warnings": 1, "errors": 2})
    );
    assert_eq!(o["http"]["services"]["total"], 6);
    assert_eq!(
        o["tcp"]["routers"],
        json!({"total": 1, "warnings": 0, "errors": 0})
    );
    assert_eq!(o["udp"]["services"]["total"], 1);
    assert!(o["udp"].get("middlewares").is_none());
    assert_eq!(
        o["certificates"],
        json!({"total": 1, "warnings": 0, "errors": 0})
    );
    assert_eq!(
        o["features"],
        json!({"tracing": "", "metrics": "", "accessLog": false})
    );
    assert_eq!(o["providers"], json!(["File"]));

    // getrawdata.json: runtime infos by name, no representation fields.
    let raw = api.json("/api/rawdata").await;
    let keys: Vec<&String> = raw.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "middlewares",
            "routers",
            "services",
            "tcpMiddlewares",
            "tcpRouters",
            "tcpServices",
            "udpRouters",
            "udpServices"
        ]
    );
    let whoami = &raw["routers"]["whoami@file"];
    assert_eq!(whoami["status"], "enabled");
    assert_eq!(whoami["using"], json!(["web"]));
    assert!(whoami.get("name").is_none() && whoami.get("priorityStr").is_none());
    assert_eq!(
        raw["services"]["whoami@file"]["serverStatus"],
        json!({b.url(): "UP"})
    );
    assert!(raw["services"]["whoami@file"].get("type").is_none());

    // entrypoints.json: sorted by name, with `name`; 404 for an unknown one.
    assert_eq!(
        api.names("/api/entrypoints").await,
        ["dns", "traefik", "web"]
    );
    let web = api.json("/api/entrypoints/web").await;
    assert_eq!(web["name"], "web");
    assert_eq!(web["address"], "127.0.0.1:0", "the configured address");
    assert_eq!(
        web["transport"]["respondingTimeouts"]["readTimeout"],
        "1m0s"
    );
    assert_eq!(web["http"]["sanitizePath"], true);
    let got = api.get("/api/entrypoints?per_page=1&page=2").await;
    assert_eq!(got.headers["x-next-page"], "3");
    assert_error(
        &api.get("/api/entrypoints/nope").await,
        404,
        "entry point not found: nope",
    );

    // Certificates (Traefik 3.7).
    let certs = api.json("/api/certificates").await;
    let cert = &certs[0];
    let name = cert["name"].as_str().unwrap();
    assert_eq!(name.len(), 64);
    assert!(name.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(cert["certFingerprint"], name);
    assert_eq!(cert["sans"], json!(["127.0.0.1", "cert.test"]));
    assert_eq!(cert["status"], "enabled");
    assert_eq!(cert["version"], "v3");
    for k in [
        "notAfter",
        "notBefore",
        "serialNumber",
        "commonName",
        "keyType",
        "signatureAlgorithm",
        "publicKeyFingerprint",
    ] {
        assert!(cert[k].is_string(), "{k}: {cert}");
    }
    assert_eq!(api.json(&format!("/api/certificates/{name}")).await, *cert);
    assert_eq!(
        api.json("/api/certificates?search=nothing").await,
        json!([])
    );
    assert_error(
        &api.get("/api/certificates/nope").await,
        404,
        "certificate not found: nope",
    );

    // Version: Traefik's field names.
    let got = api.get("/api/version").await;
    assert_eq!(
        got.headers["content-type"],
        "application/json; charset=UTF-8"
    );
    let v: Value = serde_json::from_str(&got.body).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["Codename", "Version", "startDate"]);
    assert!(v["startDate"].as_str().unwrap().ends_with('Z'));

    // api.debug: /debug/vars as Go's expvar handler writes it; no profiler.
    let got = api.get("/debug/vars").await;
    assert_eq!(got.status, 200);
    let vars: Value = serde_json::from_str(&got.body).unwrap();
    assert!(vars["cmdline"].is_array());
    assert!(vars["waygate"]["openConnections"].as_u64().unwrap() >= 1);
    assert!(vars["waygate"]["residentBytes"].as_u64().unwrap() > 0);
    assert_eq!(api.get("/debug/pprof/heap").await.status, 501);
    assert_eq!(api.get("/api/support-dump").await.status, 501);
    // Every endpoint is GET only; unknown paths are mux's 404.
    let got = api.get("/api/unknown").await;
    assert_eq!(
        (got.status, got.body.as_str()),
        (404, "404 page not found\n")
    );
}
