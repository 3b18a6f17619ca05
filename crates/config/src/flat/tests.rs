//! Key grammar of the flat sources.

use super::*;
use crate::node::Node;

#[test]
fn dotted_keys_and_indexes() {
    assert_eq!(
        dotted_segments("a.b[0].c").expect("ok"),
        ["a", "b", "0", "c"]
    );
    assert_eq!(dotted_segments("a[1][2]").expect("ok"), ["a", "1", "2"]);
    assert!(dotted_segments("a..b").is_err());
    assert!(dotted_segments("a[x]").is_err());
    assert!(dotted_segments("a[0").is_err());
    assert!(dotted_segments("a[0]b").is_err());
}

#[test]
fn sections_values_and_conflicts() {
    let (n, issues) = flags_to_node([
        ("providers.docker", "true"),
        ("providers.docker.exposedByDefault", "false"),
        ("entryPoints.web.http.middlewares", "a"),
        ("entrypoints.web.http.middlewares", "b"),
        ("entryPoints.web.address", ":80"),
        ("entryPoints.web.address.x", "1"),
    ]);
    assert_eq!(
        n.get_path("providers.docker.exposedbydefault")
            .and_then(Node::as_str),
        Some("false")
    );
    assert_eq!(
        n.get_path("entryPoints.web.http.middlewares")
            .and_then(Node::as_str),
        Some("a,b")
    );
    assert_eq!(issues.len(), 1, "{issues:#?}");
    assert!(
        issues[0].message.contains("has a value and also sub-keys"),
        "{}",
        issues[0]
    );
}

#[test]
fn env_and_kv_spellings() {
    let (n, issues) = env_to_node(
        [
            ("TRAEFIK_ENTRYPOINTS_WEB_ADDRESS", ":80"),
            (
                "TRAEFIK_ENTRYPOINTS_WEBSECURE_HTTP_TLS_DOMAINS_0_MAIN",
                "example.com",
            ),
            ("WAYGATE_WORKERS", "4"),
            ("TRAEFIKX_API", "true"),
            ("HOME", "/root"),
        ],
        crate::static_config::TOP_LEVEL,
    );
    assert!(issues.is_empty());
    assert_eq!(
        n.get_path("entrypoints.web.address").and_then(Node::as_str),
        Some(":80")
    );
    assert_eq!(
        n.get_path("entrypoints.websecure.http.tls.domains.0.main")
            .and_then(Node::as_str),
        Some("example.com")
    );
    assert_eq!(
        n.entries().len(),
        1,
        "only known top-level sections: {n:#?}"
    );

    let (n, _) = kv_to_node(
        [
            ("traefik/http/routers/r1/rule", "Path(`/`)"),
            ("traefik/http/routers/r1/entrypoints/0", "web"),
            ("other/x", "y"),
        ],
        "traefik",
    );
    assert_eq!(
        n.get_path("http.routers.r1.entrypoints.0")
            .and_then(Node::as_str),
        Some("web")
    );
    assert_eq!(n.entries().len(), 1);
}

#[test]
fn labels_server_is_servers_zero() {
    let (n, issues) = labels_to_node([
        ("traefik.http.services.s.loadbalancer.server.port", "80"),
        ("Traefik.http.services.s.loadbalancer.server.scheme", "h2c"),
        ("unrelated.label", "x"),
    ]);
    assert!(issues.is_empty());
    assert_eq!(
        n.get_path("http.services.s.loadbalancer.servers.0.port")
            .and_then(Node::as_str),
        Some("80")
    );
    assert_eq!(
        n.get_path("http.services.s.loadbalancer.servers.0.scheme")
            .and_then(Node::as_str),
        Some("h2c")
    );
}

#[test]
fn encode_writes_indexes_and_comma_lists() {
    let yaml = "a:\n  list: [x, y]\n  tricky: ['p,q', r]\n  objs: [{k: 1}]\n  empty: {}\n";
    let n = crate::format::parse_yaml(yaml).expect("yaml");
    let pairs = encode(&n);
    let expect = [
        ("a.list", "x,y"),
        ("a.tricky[0]", "p,q"),
        ("a.tricky[1]", "r"),
        ("a.objs[0].k", "1"),
        ("a.empty", "true"),
    ];
    let got: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(got, expect);
}
