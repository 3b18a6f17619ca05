//! §6.2 step 5: IP selection.

use std::collections::BTreeMap;

use waygate_config::static_config::Docker;

use super::{build, build_with, container, http, no_errors, texts, urls};

fn two_networks(name: &str, labels: &[(&str, &str)]) -> crate::ContainerInfo {
    let mut c = container(name, "unused", labels);
    c.networks = BTreeMap::from([
        ("backend".to_string(), "172.20.0.2".to_string()),
        ("frontend".to_string(), "172.21.0.2".to_string()),
    ]);
    c
}

#[test]
fn network_label_then_option_then_first() {
    let (config, _) = build(&[two_networks("c", &[])]);
    assert_eq!(urls(&http(&config).services["c"]), ["http://172.20.0.2:80"]);
    let cfg = Docker {
        network: "frontend".to_string(),
        ..Docker::default()
    };
    let (config, issues) = build_with(&[two_networks("c", &[])], &cfg);
    assert!(issues.is_empty());
    assert_eq!(urls(&http(&config).services["c"]), ["http://172.21.0.2:80"]);
    let label = [("traefik.docker.network", "backend")];
    let (config, _) = build_with(&[two_networks("c", &label)], &cfg);
    assert_eq!(
        urls(&http(&config).services["c"]),
        ["http://172.20.0.2:80"],
        "label wins"
    );
    let missing = [("traefik.docker.network", "web")];
    let (config, issues) = build(&[two_networks("c", &missing)]);
    no_errors(&issues);
    assert_eq!(urls(&http(&config).services["c"]), ["http://172.20.0.2:80"]);
    let text = texts(&issues).join("\n");
    assert!(
        text.contains("not on network `web`") && text.contains("first network"),
        "{text}"
    );
}

#[test]
fn own_network_breaks_the_tie() {
    let own = ["frontend".to_string()];
    let (config, issues) = crate::build(&[two_networks("c", &[])], &Docker::default(), &own);
    assert_eq!(urls(&http(&config).services["c"]), ["http://172.21.0.2:80"]);
    assert_eq!(issues.len(), 1, "{issues:#?}");
    assert!(!issues[0].is_error());
    let text = issues[0].to_string();
    assert!(
        text.contains("`frontend`") && text.contains("gateway's own container"),
        "{text}"
    );
    // A single network never needs a tie-break (and says nothing).
    let (_, issues) = crate::build(
        &[container("one", "10.0.0.2", &[])],
        &Docker::default(),
        &own,
    );
    assert!(issues.is_empty());
}

#[test]
fn host_network_and_container_network_modes() {
    let mut host = container("host", "unused", &[]);
    host.network_mode = "host".to_string();
    host.networks.clear();
    let mut sidecar = container("sidecar", "unused", &[]);
    sidecar.network_mode = "container:main-id".to_string();
    sidecar.networks.clear();
    sidecar.ports = vec![9090];
    let main = container("main", "10.0.0.7", &[]);
    let (config, issues) = build(&[host, sidecar, main]);
    no_errors(&issues);
    let http = http(&config);
    assert_eq!(urls(&http.services["host"]), ["http://127.0.0.1:80"]);
    assert_eq!(urls(&http.services["sidecar"]), ["http://10.0.0.7:9090"]);
}

#[test]
fn use_bind_port_ip() {
    let cfg = Docker {
        use_bind_port_ip: true,
        ..Docker::default()
    };
    let mut bound = container("bound", "10.0.0.2", &[]);
    bound.bindings = vec![(80, "192.0.2.10".to_string(), 8080)];
    let mut any = container("any", "10.0.0.3", &[]);
    any.bindings = vec![(80, "0.0.0.0".to_string(), 8081)];
    let (config, _) = build_with(&[bound, any], &cfg);
    let http = http(&config);
    assert_eq!(urls(&http.services["bound"]), ["http://192.0.2.10:8080"]);
    assert_eq!(
        urls(&http.services["any"]),
        ["http://10.0.0.3:80"],
        "0.0.0.0 falls back"
    );
}

#[test]
fn ipv6_addresses_get_brackets() {
    let c = container("v6", "fd00::2", &[]);
    let (config, _) = build(&[c]);
    assert_eq!(urls(&http(&config).services["v6"]), ["http://[fd00::2]:80"]);
}
