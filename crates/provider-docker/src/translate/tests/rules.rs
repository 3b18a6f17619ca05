//! §6.2 steps 1–6 on one container at a time.

use waygate_config::dynamic::{LoadBalancer, Router, Server, Service};
use waygate_config::static_config::Docker;

use super::{build, build_with, container, http, no_errors, texts, urls};

const COMPOSE: &[(&str, &str)] = &[
    ("com.docker.compose.service", "whoami"),
    ("com.docker.compose.project", "demo"),
];

fn compose<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    [COMPOSE, extra].concat()
}

#[test]
fn worked_example() {
    let labels = compose(&[
        ("traefik.http.routers.who.rule", "Host(`who.example.com`)"),
        ("traefik.http.routers.who.middlewares", "auth@file"),
    ]);
    let (config, issues) = build(&[container("demo-whoami-1", "172.18.0.5", &labels)]);
    no_errors(&issues);
    assert!(issues.is_empty(), "{issues:#?}");
    let http = http(&config);
    let router = Router {
        rule: "Host(`who.example.com`)".to_string(),
        middlewares: vec!["auth@file".to_string()],
        service: "whoami-demo".to_string(),
        ..Router::default()
    };
    assert_eq!(http.routers.len(), 1);
    assert_eq!(*http.routers["who"], router);
    let service = Service {
        load_balancer: Some(LoadBalancer {
            servers: vec![Server {
                url: "http://172.18.0.5:80".to_string(),
                ..Server::default()
            }],
            ..LoadBalancer::default()
        }),
        ..Service::default()
    };
    assert_eq!(http.services.len(), 1);
    assert_eq!(*http.services["whoami-demo"], service);
    assert!(
        http.services["whoami-demo"]
            .load_balancer
            .as_ref()
            .is_some_and(|lb| lb.pass_host_header)
    );
}

#[test]
fn no_labels_gives_default_router_and_service() {
    let (config, issues) = build(&[container("demo-whoami-1", "172.18.0.5", COMPOSE)]);
    assert!(issues.is_empty(), "{issues:#?}");
    let http = http(&config);
    assert_eq!(http.routers.len(), 1);
    let r = &http.routers["whoami-demo"];
    assert_eq!(r.rule, "Host(`whoami-demo`)");
    assert_eq!(r.service, "whoami-demo");
    assert_eq!(
        urls(&http.services["whoami-demo"]),
        ["http://172.18.0.5:80"]
    );
}

#[test]
fn container_name_without_compose_labels() {
    let (config, _) = build(&[container("my_app.1", "10.0.0.2", &[])]);
    let http = http(&config);
    assert_eq!(http.routers["my-app-1"].rule, "Host(`my-app-1`)");
    assert!(http.services.contains_key("my-app-1"));
}

#[test]
fn only_a_port_label() {
    let labels = compose(&[("traefik.http.services.web.loadbalancer.server.port", "8080")]);
    let (config, issues) = build(&[container("c", "172.18.0.5", &labels)]);
    assert!(issues.is_empty(), "{issues:#?}");
    let http = http(&config);
    assert_eq!(http.services.len(), 1);
    assert_eq!(urls(&http.services["web"]), ["http://172.18.0.5:8080"]);
    let server = &http.services["web"]
        .load_balancer
        .as_ref()
        .expect("lb")
        .servers[0];
    assert!(
        server.port.is_empty() && server.scheme.is_empty(),
        "label-only fields are consumed"
    );
    let r = &http.routers["whoami-demo"];
    assert_eq!(r.rule, "Host(`whoami-demo`)");
    assert_eq!(r.service, "web");
}

#[test]
fn scheme_label_and_lowest_port() {
    let labels = [("traefik.http.services.s.loadbalancer.server.scheme", "h2c")];
    let mut c = container("c", "10.0.0.2", &labels);
    c.ports = vec![9000, 443, 8080];
    let (config, _) = build(&[c]);
    assert_eq!(urls(&http(&config).services["s"]), ["h2c://10.0.0.2:443"]);
}

#[test]
fn server_url_label_is_kept_and_excludes_port() {
    let url = [(
        "traefik.http.services.s.loadbalancer.server.url",
        "http://elsewhere:81",
    )];
    let (config, issues) = build(&[container("c", "10.0.0.2", &url)]);
    no_errors(&issues);
    assert_eq!(urls(&http(&config).services["s"]), ["http://elsewhere:81"]);
    let both = [
        (
            "traefik.http.services.s.loadbalancer.server.url",
            "http://elsewhere:81",
        ),
        ("traefik.http.services.s.loadbalancer.server.port", "81"),
    ];
    let (config, issues) = build(&[container("c", "10.0.0.2", &both)]);
    assert!(config.http.is_none());
    assert!(
        texts(&issues)
            .iter()
            .any(|t| t.contains("cannot be combined")),
        "{issues:#?}"
    );
}

#[test]
fn label_typo_skips_the_container_with_a_clear_issue() {
    let labels = [
        ("traefik.http.routers.web.rule", "Host(`x`)"),
        ("traefik.http.routers.web.entrypoint", "websecure"),
    ];
    let good = container("good", "10.0.0.3", &[]);
    let (config, issues) = build(&[container("shop-web-1", "10.0.0.2", &labels), good]);
    let http = http(&config);
    assert!(!http.routers.contains_key("web"), "whole container skipped");
    assert!(!http.services.contains_key("shop-web-1"));
    assert!(
        http.routers.contains_key("good"),
        "other containers unaffected"
    );
    let errors: Vec<_> = issues.iter().filter(|i| i.is_error()).collect();
    assert_eq!(errors.len(), 1, "{issues:#?}");
    let text = errors[0].to_string();
    for want in [
        "shop-web-1",
        "traefik.http.routers.web.entrypoint",
        "did you mean `entryPoints`",
    ] {
        assert!(text.contains(want), "{want} not in: {text}");
    }
    let item = errors[0].item.as_ref().expect("item");
    assert_eq!((item.kind, item.name.as_str()), ("container", "shop-web-1"));
}

#[test]
fn bad_value_skips_the_container() {
    let labels = [("traefik.http.routers.web.priority", "high")];
    let (config, issues) = build(&[container("c1", "10.0.0.2", &labels)]);
    assert!(config.http.is_none());
    let text = texts(&issues).join("\n");
    assert!(text.contains("c1") && text.contains("priority"), "{text}");
}

#[test]
fn unknown_provider_label_is_a_warning_with_a_suggestion() {
    let labels = [("traefik.enabled", "true"), ("traefik.docker.netwrok", "x")];
    let (config, issues) = build(&[container("c", "10.0.0.2", &labels)]);
    no_errors(&issues);
    assert!(http(&config).routers.contains_key("c"));
    let text = texts(&issues).join("\n");
    assert!(text.contains("traefik.enable`?"), "{text}");
    assert!(text.contains("traefik.docker.network`?"), "{text}");
}

#[test]
fn missing_port_says_how_to_fix_it() {
    let mut c = container("noport", "10.0.0.2", &[]);
    c.ports.clear();
    let (config, issues) = build(&[c]);
    assert!(config.http.is_none());
    let text = texts(&issues).join("\n");
    assert!(
        text.contains("add a label traefik.http.services.noport.loadbalancer.server.port=<port>"),
        "{text}"
    );
}

#[test]
fn exposed_by_default_false_needs_enable_true() {
    let cfg = Docker {
        exposed_by_default: false,
        ..Docker::default()
    };
    let on = container("on", "10.0.0.2", &[("traefik.enable", "true")]);
    let off = container("off", "10.0.0.3", &[]);
    let (config, issues) = build_with(&[on, off], &cfg);
    assert!(issues.is_empty(), "{issues:#?}");
    let routers: Vec<_> = http(&config).routers.into_keys().collect();
    assert_eq!(routers, ["on"]);
    let disabled = container("x", "10.0.0.4", &[("traefik.enable", "false")]);
    assert!(
        build(&[disabled]).0.http.is_none(),
        "enable=false beats exposedByDefault"
    );
    let waygate = container("w", "10.0.0.4", &[("waygate.enable", "false")]);
    assert!(
        build(&[waygate]).0.http.is_none(),
        "the waygate. prefix works too"
    );
    let bad = container("y", "10.0.0.4", &[("traefik.enable", "yes")]);
    let (config, issues) = build(&[bad]);
    assert!(config.http.is_none() && issues[0].is_error(), "{issues:#?}");
}

#[test]
fn constraints_filter_containers() {
    let cfg = Docker {
        constraints: r#"Label("team","a") || LabelRegex("env", "^prod")"#.to_string(),
        ..Docker::default()
    };
    let a = container("a", "10.0.0.2", &[("team", "a")]);
    let b = container("b", "10.0.0.3", &[("team", "b")]);
    let c = container("c", "10.0.0.4", &[("env", "prod-eu")]);
    let (config, issues) = build_with(&[a, b, c], &cfg);
    assert!(issues.is_empty());
    let routers: Vec<_> = http(&config).routers.into_keys().collect();
    assert_eq!(routers, ["a", "c"]);
    let bad = Docker {
        constraints: r#"Label("team")"#.to_string(),
        ..Docker::default()
    };
    let (config, issues) = build_with(&[container("a", "10.0.0.2", &[])], &bad);
    assert_eq!(
        config,
        Default::default(),
        "an invalid constraint exposes nothing"
    );
    assert_eq!(issues[0].key_path, "providers.docker.constraints");
    assert!(issues[0].is_error());
}

#[test]
fn default_rule_template() {
    let cfg = Docker {
        default_rule: r#"Host(`{{ .Name | normalize }}.{{ index .Labels "domain" }}`)"#.to_string(),
        ..Docker::default()
    };
    let c = container("web_1", "10.0.0.2", &[("domain", "example.org")]);
    let (config, issues) = build_with(&[c], &cfg);
    assert!(issues.is_empty(), "{issues:#?}");
    assert_eq!(
        http(&config).routers["web-1"].rule,
        "Host(`web-1.example.org`)"
    );
    let broken = Docker {
        default_rule: "Host(`{{ .Nme }}`)".to_string(),
        ..Docker::default()
    };
    let (config, issues) = build_with(&[container("web_1", "10.0.0.2", &[])], &broken);
    assert!(
        http(&config).routers.is_empty(),
        "router without a rule is dropped"
    );
    let text = texts(&issues).join("\n");
    assert!(
        text.contains("web_1") && text.contains("did you mean `.Name`"),
        "{text}"
    );
}

#[test]
fn routers_and_services_linking() {
    // Two services and no router: no default router.
    let two = [
        ("traefik.http.services.a.loadbalancer.server.port", "80"),
        ("traefik.http.services.b.loadbalancer.server.port", "81"),
    ];
    let (config, issues) = build(&[container("c", "10.0.0.2", &two)]);
    assert!(http(&config).routers.is_empty());
    no_errors(&issues);
    // A router without a service among two services is dropped with an error.
    let mut labels = two.to_vec();
    labels.push(("traefik.http.routers.r.rule", "Path(`/`)"));
    labels.push(("traefik.http.routers.named.service", "other@file"));
    let (config, issues) = build(&[container("c", "10.0.0.2", &labels)]);
    let http = http(&config);
    assert!(!http.routers.contains_key("r"));
    assert_eq!(
        http.routers["named"].service, "other@file",
        "explicit service kept"
    );
    assert_eq!(http.routers["named"].rule, "Host(`c`)", "default rule");
    assert!(
        texts(&issues)
            .join("\n")
            .contains("traefik.http.routers.r.service")
    );
}

#[test]
fn health_and_running_state() {
    let mut starting = container("starting", "10.0.0.2", &[]);
    starting.health = Some("starting".to_string());
    let mut unhealthy = container("unhealthy", "10.0.0.3", &[]);
    unhealthy.health = Some("unhealthy".to_string());
    let mut healthy = container("healthy", "10.0.0.4", &[]);
    healthy.health = Some("healthy".to_string());
    let mut stopped = container("stopped", "10.0.0.5", &[]);
    stopped.state_running = false;
    let all = [starting, unhealthy, healthy, stopped];
    let (config, _) = build(&all);
    let routers: Vec<_> = http(&config).routers.into_keys().collect();
    assert_eq!(routers, ["healthy"]);

    let cfg = Docker {
        allow_empty_services: true,
        ..Docker::default()
    };
    let (config, issues) = build_with(&all, &cfg);
    no_errors(&issues);
    let http = http(&config);
    assert!(
        urls(&http.services["starting"]).is_empty(),
        "kept with no server"
    );
    assert!(urls(&http.services["unhealthy"]).is_empty());
    assert_eq!(urls(&http.services["healthy"]), ["http://10.0.0.4:80"]);
    assert!(!http.services.contains_key("stopped"));
}

#[test]
fn tcp_and_udp_labels() {
    let labels = [
        ("traefik.tcp.routers.db.rule", "HostSNI(`*`)"),
        ("traefik.tcp.routers.db.entrypoints", "pg"),
        ("traefik.tcp.services.db.loadbalancer.server.port", "5432"),
        ("traefik.tcp.routers.norule.entrypoints", "pg"),
        ("traefik.udp.routers.dns.entrypoints", "dns"),
    ];
    let mut c = container("pg", "10.0.0.2", &labels);
    c.ports = vec![5432, 53];
    let (config, issues) = build(&[c]);
    assert!(config.http.is_none(), "TCP/UDP only: no HTTP defaults");
    let tcp = config.tcp.expect("tcp");
    assert_eq!(tcp.routers["db"].service, "db");
    assert!(
        !tcp.routers.contains_key("norule"),
        "TCP router without rule dropped"
    );
    let lb = tcp.services["db"].load_balancer.as_ref().expect("lb");
    assert_eq!(lb.servers[0].address, "10.0.0.2:5432");
    assert!(lb.servers[0].port.is_empty());
    let udp = config.udp.expect("udp");
    assert_eq!(udp.routers["dns"].service, "pg", "default UDP service");
    let udp_lb = udp.services["pg"].load_balancer.as_ref().expect("lb");
    assert_eq!(udp_lb.servers[0].address, "10.0.0.2:53");
    assert!(texts(&issues).join("\n").contains("norule"));
}
