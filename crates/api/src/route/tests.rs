//! Shapes from Traefik's `pkg/api` tests and testdata (`routers.json`, `router-bar.json`,
//! `services.json`, `middlewares.json`, `overview-dynamic.json`, `getrawdata.json`,
//! `entrypoint-bar.json`), reproduced on the same inputs. Where Waygate differs on purpose
//! (docs/compat.md, "REST API") the expectation says so.

#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use http::{HeaderMap, Method};
use serde_json::{Value, json};
use waygate_config::dynamic::DynamicConfig;
use waygate_config::static_config::StaticConfig;
use waygate_config::status::RuntimeStatus;

use super::handle;
use crate::state::{ApiState, ServerHealth, Version};

struct Fixture {
    st: StaticConfig,
    dynamic: DynamicConfig,
    status: RuntimeStatus,
    servers: ServerHealth,
    version: Version,
}

/// Traefik's test configuration, qualified as Waygate's merged configuration is.
fn fixture() -> Fixture {
    let st: StaticConfig = serde_json::from_value(json!({
        "entryPoints": {"web": {"address": ":80"}, "bar": {"address": ":81"}},
        "api": {"dashboard": false}
    }))
    .unwrap();
    let dynamic: DynamicConfig = serde_json::from_value(json!({"http": {
        "routers": {
            "bar@myprovider": {"entryPoints": ["web"], "service": "foo-service@myprovider",
                "rule": "Host(`foo.bar`)",
                "middlewares": ["auth@myprovider", "addPrefixTest@anotherprovider"]},
            "test@myprovider": {"entryPoints": ["web"], "service": "foo-service@myprovider",
                "rule": "Host(`foo.bar.other`)",
                "middlewares": ["addPrefixTest@myprovider", "auth@myprovider"]},
            "baz@myprovider": {"entryPoints": ["web", "nowhere"], "service": "foo-service@myprovider",
                "rule": "Host(`foo.baz`)", "tls": {}},
        },
        "services": {
            "foo-service@myprovider": {"loadBalancer": {"servers": [{"url": "http://127.0.0.1"}]}},
            "canary@myprovider": {"weighted": {"services": [{"name": "foo-service@myprovider"}]}},
        },
        "middlewares": {
            "auth@myprovider": {"basicAuth": {"users": ["admin:admin"]}},
            "addPrefixTest@myprovider": {"addPrefix": {"prefix": "/titi"}},
            "addPrefixTest@anotherprovider": {"addPrefix": {"prefix": "/toto"}},
        }
    }}))
    .unwrap();
    let mut status = RuntimeStatus::seeded(&dynamic);
    status
        .item("router", "baz@myprovider")
        .warn("entryPoint \"nowhere\" doesn't exist");
    status
        .item("middleware", "auth@myprovider")
        .disable("basicAuth is not implemented");
    let mut servers = BTreeMap::new();
    servers.insert(
        "foo-service@myprovider".to_string(),
        BTreeMap::from([("http://127.0.0.1".to_string(), true)]),
    );
    Fixture {
        st,
        dynamic,
        status,
        servers,
        version: Version {
            version: "0.1.0".into(),
            codename: "waygate".into(),
            start_date: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        },
    }
}

impl Fixture {
    fn get(&self, path: &str) -> (u16, HeaderMap, String) {
        self.request(Method::GET, path)
    }

    fn request(&self, method: Method, path: &str) -> (u16, HeaderMap, String) {
        let state = ApiState {
            static_cfg: &self.st,
            dynamic: &self.dynamic,
            status: &self.status,
            servers: &self.servers,
            tcp_servers: &Default::default(),
            certificates: &[],
            version: &self.version,
            debug_vars: None,
            explain: None,
            router_stats: None,
        };
        let resp = handle(&state, &method, &path.parse().unwrap(), &HeaderMap::new());
        let (parts, body) = resp.into_parts();
        let body = String::from_utf8(body.to_vec()).unwrap();
        (parts.status.as_u16(), parts.headers, body)
    }

    fn json(&self, path: &str) -> Value {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }
}

/// What Traefik's aggregator adds to every root router (its fixtures are built without it).
fn obs() -> Value {
    json!({"accessLogs": true, "metrics": true, "tracing": true, "traceVerbosity": "minimal"})
}

#[test]
fn router_bar_as_traefik() {
    let f = fixture();
    // Traefik's router-bar.json, with `service` as the provider writes it (the fixture's
    // router names its own provider explicitly) and the default observability.
    assert_eq!(
        f.json("/api/http/routers/bar@myprovider"),
        json!({"entryPoints": ["web"], "middlewares": ["auth", "addPrefixTest@anotherprovider"],
            "name": "bar@myprovider", "provider": "myprovider", "priorityStr": "0",
            "rule": "Host(`foo.bar`)", "service": "foo-service", "status": "enabled",
            "using": ["web"], "observability": obs()})
    );
    // router-baz-default-tls-options.json; a missing entry point is a warning and not used.
    let baz = f.json("/api/http/routers/baz%40myprovider");
    assert_eq!(baz["tls"], json!({"options": "default"}));
    assert_eq!(baz["status"], "warning");
    assert_eq!(
        baz["error"],
        json!(["entryPoint \"nowhere\" doesn't exist"])
    );
    assert_eq!(baz["using"], json!(["web"]));
}

#[test]
fn routers_list_filters_pages() {
    let f = fixture();
    let (status, headers, body) = f.get("/api/http/routers");
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-next-page"], "1");
    assert!(body.ends_with("]\n"), "Go's encoder ends with a newline");
    let list: Vec<Value> = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = list.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["bar@myprovider", "baz@myprovider", "test@myprovider"]
    );

    let (_, headers, body) = f.get("/api/http/routers?page=2&per_page=1");
    assert_eq!(headers["x-next-page"], "3");
    assert!(body.contains("\"name\":\"baz@myprovider\""));
    let (status, headers, body) = f.get("/api/http/routers?page=2&per_page=10");
    assert_eq!(status, 400);
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        body,
        "{\"message\":\"invalid request: page: 2, per_page: 10\"}\n"
    );

    let names = |q: &str| -> Vec<String> {
        let v = f.json(&format!("/api/http/routers?{q}"));
        let list = v.as_array().unwrap();
        list.iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("status=warning"), ["baz@myprovider"]);
    assert_eq!(names("search=other"), ["test@myprovider"]);
    assert_eq!(
        names("middlewareName=auth"),
        ["bar@myprovider", "test@myprovider"]
    );
    assert_eq!(names("serviceName=foo-service@myprovider").len(), 3);
    assert_eq!(names("sortBy=status&direction=desc")[0], "baz@myprovider");
}

#[test]
fn services_and_middlewares_as_traefik() {
    let f = fixture();
    // services.json: loadBalancer with serverStatus, type, usedBy (sorted).
    let svc = f.json("/api/http/services/foo-service@myprovider");
    assert_eq!(svc["type"], "loadbalancer");
    assert_eq!(svc["serverStatus"], json!({"http://127.0.0.1": "UP"}));
    assert_eq!(
        svc["usedBy"],
        json!(["bar@myprovider", "baz@myprovider", "test@myprovider"])
    );
    assert_eq!(
        svc["loadBalancer"]["servers"],
        json!([{"url": "http://127.0.0.1"}])
    );
    assert_eq!(svc["loadBalancer"]["passHostHeader"], true);
    let canary = f.json("/api/http/services/canary@myprovider");
    assert_eq!(canary["type"], "weighted");
    assert_eq!(
        canary["weighted"]["services"],
        json!([{"name": "foo-service"}])
    );
    assert!(canary.get("usedBy").is_none() && canary.get("serverStatus").is_none());
    // The internal services the data plane serves are listed, as Traefik declares them.
    let api = f.json("/api/http/services/api@internal");
    assert_eq!(
        api,
        json!({"name": "api@internal", "provider": "internal", "status": "enabled"})
    );

    // middleware-auth.json, disabled here. Waygate's model fills the realm Traefik's
    // middleware defaults to at runtime.
    let auth = f.json("/api/http/middlewares/auth@myprovider");
    assert_eq!(
        auth,
        json!({"basicAuth": {"users": ["admin:admin"], "realm": "traefik"},
            "name": "auth@myprovider",
            "provider": "myprovider", "status": "disabled", "type": "basicauth",
            "error": ["basicAuth is not implemented"],
            "usedBy": ["bar@myprovider", "test@myprovider"]})
    );
    let (status, _, body) = f.get("/api/http/middlewares/nope@myprovider");
    assert_eq!(
        (status, body.as_str()),
        (
            404,
            "{\"message\":\"middleware not found: nope@myprovider\"}\n"
        )
    );
    let (status, _, body) = f.get("/api/http/services/nono@myprovider");
    assert_eq!(
        (status, body.as_str()),
        (
            404,
            "{\"message\":\"service not found: nono@myprovider\"}\n"
        )
    );
    let (status, _, body) = f.get("/api/tcp/routers/foo%2Fbar@myprovider");
    assert_eq!(
        (status, body.as_str()),
        (
            404,
            "{\"message\":\"router not found: foo/bar@myprovider\"}\n"
        )
    );
}

#[test]
fn overview_rawdata_entrypoints_version() {
    let f = fixture();
    let o = f.json("/api/overview");
    assert_eq!(
        o["http"]["routers"],
        json!({"total": 3, "warnings": 1, "errors": 0})
    );
    assert_eq!(
        o["http"]["middlewares"],
        json!({"total": 3, "warnings": 0, "errors": 1})
    );
    // 2 configured + api@internal and noop@internal.
    assert_eq!(o["http"]["services"]["total"], 4);
    assert_eq!(
        o["udp"],
        json!({"routers": {"total": 0, "warnings": 0, "errors": 0},
        "services": {"total": 0, "warnings": 0, "errors": 0}})
    );
    assert_eq!(
        o["features"],
        json!({"tracing": "", "metrics": "", "accessLog": false})
    );
    assert!(o.get("providers").is_none());

    let raw = f.json("/api/rawdata");
    let keys: Vec<&String> = raw.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["middlewares", "routers", "services"]);
    let bar = &raw["routers"]["bar@myprovider"];
    assert!(bar.get("name").is_none() && bar.get("priorityStr").is_none());
    assert_eq!(bar["status"], "enabled");
    assert!(raw["services"]["foo-service@myprovider"]["serverStatus"].is_object());

    // entrypoint-bar.json, with the defaults Traefik fills in.
    let ep = f.json("/api/entrypoints/bar");
    assert_eq!(ep["address"], ":81");
    assert_eq!(ep["name"], "bar");
    assert_eq!(ep["http"]["sanitizePath"], true);
    let (_, headers, body) = f.get("/api/entrypoints?per_page=1");
    assert_eq!(headers["x-next-page"], "2");
    assert!(body.contains("\"name\":\"bar\""));
    let (status, _, body) = f.get("/api/entrypoints/nope");
    assert_eq!(
        (status, body.as_str()),
        (404, "{\"message\":\"entry point not found: nope\"}\n")
    );

    let (status, headers, body) = f.get("/api/version");
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json; charset=UTF-8");
    assert_eq!(
        body,
        "{\"Version\":\"0.1.0\",\"Codename\":\"waygate\",\"startDate\":\"2023-11-14T22:13:20Z\"}"
    );
}

#[test]
fn methods_paths_and_base_path() {
    let mut f = fixture();
    assert_eq!(f.request(Method::POST, "/api/rawdata").0, 405);
    assert_eq!(f.request(Method::HEAD, "/api/overview").0, 405);
    let (status, _, body) = f.get("/api/nothing");
    assert_eq!((status, body.as_str()), (404, "404 page not found\n"));
    assert_eq!(f.get("/api/http/routers/").0, 404);
    assert_eq!(f.get("/api/support-dump").0, 501);
    assert_eq!(f.get("/debug/vars").0, 404, "only with api.debug");
    assert_eq!(f.get("/dashboard/").0, 404, "only with api.dashboard");

    let api = f.st.api.as_mut().unwrap();
    api.base_path = "/traefik".into();
    api.dashboard = true;
    api.debug = true;
    assert_eq!(f.get("/api/rawdata").0, 404);
    assert_eq!(f.get("/traefik/api/rawdata").0, 200);
    assert_eq!(f.get("/traefikx/api/rawdata").0, 404);
    let (status, headers, _) = f.get("/traefik");
    assert_eq!(
        (status, &headers["location"]),
        (302, &"/traefik/dashboard/".parse().unwrap())
    );
    assert_eq!(f.get("/traefik/dashboard/").0, 200);
    let (status, headers, body) = f.get("/traefik/debug/vars");
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    assert!(body.starts_with("{\n\"cmdline\": ["), "{body}");
    assert_eq!(f.get("/traefik/debug/pprof/heap").0, 501);
}
