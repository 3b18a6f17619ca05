//! The flat-key decoder on the seeds' Docker labels: labels → the expected router and service.

use waygate_config::dynamic::DynamicConfig;
use waygate_config::flat::labels_to_node;
use waygate_config::load::decode_dynamic;
use waygate_config::types::Duration;

fn decode(labels: &[(&str, &str)]) -> waygate_config::load::DynamicLoad {
    let (node, issues) = labels_to_node(labels.iter().copied());
    assert!(issues.is_empty(), "{issues:#?}");
    decode_dynamic(&node, "container go-microservice", "docker")
}

#[test]
fn seed_labels_become_router_and_service() {
    // `docker run --label ...` from the seed article, plus the service port and health check
    // it describes (`service.loadBalancer.server.port`, `/healthz`).
    let load = decode(&[
        ("traefik.http.routers.myapp.rule", "Host(`localhost`)"),
        ("traefik.http.routers.myapp.entrypoints", "web"),
        (
            "traefik.http.services.myapp.loadbalancer.server.port",
            "8080",
        ),
        (
            "traefik.http.services.myapp.loadbalancer.healthcheck.path",
            "/healthz",
        ),
        (
            "traefik.http.services.myapp.loadbalancer.healthcheck.interval",
            "10s",
        ),
        ("com.docker.compose.service", "ignored: no traefik prefix"),
    ]);
    assert!(load.issues.is_empty(), "{:#?}", load.issues);
    let http = load.config.http.expect("http section");
    let router = &http.routers["myapp"];
    assert_eq!(router.rule, "Host(`localhost`)");
    assert_eq!(router.entry_points, ["web"]);
    let lb = http.services["myapp"]
        .load_balancer
        .as_ref()
        .expect("loadBalancer");
    assert_eq!(lb.servers.len(), 1);
    assert_eq!(lb.servers[0].port, "8080");
    assert!(lb.pass_host_header, "default passHostHeader is true");
    let hc = lb.health_check.as_ref().expect("healthCheck");
    assert_eq!(hc.path, "/healthz");
    assert_eq!(hc.interval, Duration::from_secs(10));
    assert_eq!(hc.timeout, Duration::from_secs(5), "default timeout");
}

#[test]
fn waygate_prefix_lists_indexes_and_sections() {
    let load = decode(&[
        ("waygate.http.routers.r.rule", "Host(`a`) || Host(`b`)"),
        ("waygate.http.routers.r.middlewares", "auth@file,compress"),
        ("waygate.http.routers.r.tls", "true"),
        ("waygate.http.routers.r.tls.domains[0].main", "a"),
        ("waygate.http.routers.r.tls.domains[0].sans", "b,c"),
        ("waygate.http.middlewares.compress.compress", "true"),
        (
            "traefik.http.middlewares.h.headers.customrequestheaders.X-Foo",
            "bar",
        ),
    ]);
    assert!(load.issues.is_empty(), "{:#?}", load.issues);
    let http = load.config.http.expect("http");
    let r = &http.routers["r"];
    assert_eq!(r.middlewares, ["auth@file", "compress"]);
    let tls = r.tls.as_ref().expect("tls enabled by tls=true");
    assert_eq!(tls.domains[0].main, "a");
    assert_eq!(tls.domains[0].sans, ["b", "c"]);
    assert!(http.middlewares["compress"].compress.is_some());
    let h = http.middlewares["h"].headers.as_ref().expect("headers");
    assert_eq!(
        h.custom_request_headers.get("X-Foo").map(String::as_str),
        Some("bar")
    );
}

#[test]
fn a_label_typo_names_the_label_and_suggests() {
    let load = decode(&[
        ("traefik.http.routers.web.rule", "Host(`x`)"),
        ("traefik.http.routers.web.entrypoint", "web"),
        ("traefik.http.routers.ok.rule", "Host(`y`)"),
    ]);
    assert_eq!(load.issues.len(), 1, "{:#?}", load.issues);
    let text = load.issues[0].to_string();
    assert_eq!(
        text,
        "container go-microservice traefik.http.routers.web.entrypoint: http.routers.web.entrypoint: unknown key `entrypoint` (did you mean `entryPoints`?)"
    );
    // Only the broken router is dropped.
    let http = load.config.http.expect("http");
    assert!(http.routers.contains_key("ok"));
    assert!(!http.routers.contains_key("web"));
    assert!(load.broken.contains(&("router", "web".to_string())));
}

#[test]
fn empty_model_round_trips() {
    let node = waygate_config::flat::to_node(&DynamicConfig::default());
    let pairs = waygate_config::flat::encode(&node);
    assert!(
        pairs.is_empty(),
        "an empty configuration has no flat keys: {pairs:?}"
    );
    let load = decode(&[]);
    assert!(load.issues.is_empty());
    assert_eq!(load.config, DynamicConfig::default());
}
