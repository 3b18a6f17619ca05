//! §6.2 step 7: merging containers.

use super::{build, container, http, no_errors, urls};

const REPLICA: &[(&str, &str)] = &[
    ("com.docker.compose.service", "api"),
    ("com.docker.compose.project", "shop"),
    ("traefik.http.routers.api.rule", "Host(`api.example.com`)"),
];

#[test]
fn replicas_are_merged_into_one_load_balancer() {
    let replicas = [
        container("shop-api-3", "172.18.0.4", REPLICA),
        container("shop-api-1", "172.18.0.2", REPLICA),
        container("shop-api-2", "172.18.0.3", REPLICA),
    ];
    let (config, issues) = build(&replicas);
    no_errors(&issues);
    let http = http(&config);
    assert_eq!(http.routers.len(), 1);
    assert_eq!(http.routers["api"].service, "api-shop");
    assert_eq!(
        urls(&http.services["api-shop"]),
        [
            "http://172.18.0.2:80",
            "http://172.18.0.3:80",
            "http://172.18.0.4:80"
        ]
    );
    // The same server twice is kept once.
    let twice = [
        container("a", "172.18.0.2", REPLICA),
        container("b", "172.18.0.2", REPLICA),
    ];
    assert_eq!(
        urls(&super::http(&build(&twice).0).services["api-shop"]),
        ["http://172.18.0.2:80"]
    );
}

#[test]
fn conflicting_definitions_are_removed() {
    let a = [
        ("traefik.http.routers.r.rule", "Host(`a`)"),
        ("traefik.http.routers.r.service", "s"),
    ];
    let b = [
        ("traefik.http.routers.r.rule", "Host(`b`)"),
        ("traefik.http.routers.r.service", "s"),
    ];
    let (config, issues) = build(&[
        container("a", "10.0.0.2", &a),
        container("b", "10.0.0.3", &b),
    ]);
    let http = http(&config);
    assert!(!http.routers.contains_key("r"));
    let conflict = issues
        .iter()
        .find(|i| i.is_error())
        .expect("conflict issue");
    let text = conflict.to_string();
    assert!(
        text.contains("router `r`") && text.contains("a, b"),
        "{text}"
    );
    let item = conflict.item.as_ref().expect("item");
    assert_eq!((item.kind, item.name.as_str()), ("router", "r"));
    // Services that differ in more than their servers conflict too.
    let s1 = [(
        "traefik.http.services.s.loadbalancer.passhostheader",
        "false",
    )];
    let s2 = [(
        "traefik.http.services.s.loadbalancer.passhostheader",
        "true",
    )];
    let (config, issues) = build(&[
        container("a", "10.0.0.2", &s1),
        container("b", "10.0.0.3", &s2),
    ]);
    assert!(!super::http(&config).services.contains_key("s"));
    assert!(
        issues
            .iter()
            .any(|i| i.is_error() && i.message.contains("service `s`"))
    );
}
