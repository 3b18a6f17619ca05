use std::time::Duration;

use waygate_config::IssueKind;

use super::*;
use crate::internal::internal;
use crate::testing::{dynamic_yaml, eventually, static_yaml};

fn snap(provider: &str, yaml: &str) -> Snapshot {
    Snapshot::new(provider, dynamic_yaml(yaml), Vec::new())
}

const STATIC: &str = "entryPoints:\n  web:\n    address: ':80'\n    http:\n      redirections:\n        entryPoint:\n          to: websecure\n  websecure:\n    address: ':443'\n  traefik:\n    address: ':8080'\n  dns:\n    address: ':53/udp'\n";

fn start(throttle: Duration) -> (mpsc::Sender<Snapshot>, watch::Receiver<Arc<Merged>>) {
    let st = Arc::new(static_yaml(STATIC));
    let (tx, rx) = mpsc::channel(16);
    let (agg, out) = Aggregator::new(st, throttle);
    tokio::spawn(agg.run(rx));
    (tx, out)
}

fn web(host: &str) -> String {
    format!(
        "http:\n  routers:\n    web:\n      rule: Host(`{host}`)\n      service: svc\n  services:\n    svc:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n"
    )
}

fn rule_of(m: &Merged) -> Option<String> {
    let http = m.config.http.as_ref()?;
    Some(http.routers.get("web@file")?.rule.clone())
}

async fn generation(out: &watch::Receiver<Arc<Merged>>, g: u64) -> Arc<Merged> {
    eventually(&format!("generation {g}"), || {
        let m = out.borrow().clone();
        (m.generation >= g).then_some(m)
    })
    .await
}

#[tokio::test]
async fn waits_for_internal_then_merges() {
    let (tx, out) = start(Duration::ZERO);
    tx.send(snap("file", &web("a.test"))).await.expect("send");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(out.borrow().generation, 0, "nothing before internal");
    tx.send(internal(&static_yaml(STATIC))).await.expect("send");
    let m = generation(&out, 1).await;
    assert_eq!(m.generation, 1);
    let http = m.config.http.as_ref().expect("http");
    assert!(http.routers.contains_key("web-to-websecure@internal"));
    assert!(
        http.middlewares
            .contains_key("redirect-web-to-websecure@internal")
    );
    assert_eq!(rule_of(&m).as_deref(), Some("Host(`a.test`)"));
    assert!(m.issues.is_empty(), "{:#?}", m.issues);
}

#[tokio::test]
async fn throttles_per_provider_latest_wins_and_dedups() {
    let window = Duration::from_millis(300);
    let (tx, out) = start(window);
    tx.send(internal(&static_yaml(STATIC))).await.expect("send");
    let started = tokio::time::Instant::now();
    tx.send(snap("file", &web("a.test"))).await.expect("send");
    let m = generation(&out, 2).await;
    assert_eq!(
        rule_of(&m).as_deref(),
        Some("Host(`a.test`)"),
        "first passes at once"
    );

    tx.send(snap("file", &web("b.test"))).await.expect("send");
    tx.send(snap("file", &web("c.test"))).await.expect("send");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(out.borrow().generation, 2, "held during the window");
    let m = generation(&out, 3).await;
    assert!(started.elapsed() >= window);
    assert_eq!(
        rule_of(&m).as_deref(),
        Some("Host(`c.test`)"),
        "newest wins"
    );

    // Identical snapshots are ignored: after the next window only the change publishes.
    tx.send(snap("file", &web("c.test"))).await.expect("send");
    tx.send(snap("file", &web("d.test"))).await.expect("send");
    let m = generation(&out, 4).await;
    assert_eq!(rule_of(&m).as_deref(), Some("Host(`d.test`)"));
    tx.send(snap("file", &web("d.test"))).await.expect("send");
    tokio::time::sleep(window + Duration::from_millis(100)).await;
    assert_eq!(
        out.borrow().generation,
        4,
        "identical snapshot not published"
    );
}

#[tokio::test]
async fn dedup_without_throttle() {
    let (tx, out) = start(Duration::ZERO);
    tx.send(internal(&static_yaml(STATIC))).await.expect("send");
    tx.send(snap("file", &web("a.test"))).await.expect("send");
    tx.send(snap("file", &web("a.test"))).await.expect("send");
    tx.send(internal(&static_yaml(STATIC))).await.expect("send");
    tx.send(snap("file", &web("b.test"))).await.expect("send");
    let m = eventually("b.test", || {
        let m = out.borrow().clone();
        (rule_of(&m).as_deref() == Some("Host(`b.test`)")).then_some(m)
    })
    .await;
    assert_eq!(m.generation, 3, "one publish per change");
}

#[test]
fn throttle_holds_newest_until_window_ends() {
    let mut t = Throttle::new(Duration::from_secs(2));
    let now = Instant::now();
    let a = snap("file", &web("a"));
    assert!(t.offer(a, now).is_some());
    assert!(
        t.offer(snap("docker", &web("x")), now).is_some(),
        "per provider"
    );
    assert!(t.offer(snap("file", &web("b")), now).is_none());
    assert!(t.offer(snap("file", &web("c")), now).is_none());
    assert!(t.offer(internal(&Default::default()), now).is_some());
    let due = now + Duration::from_secs(2);
    assert_eq!(t.next_due(), Some(due));
    assert!(t.due(now + Duration::from_secs(1)).is_empty());
    let out = t.due(due);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0], snap("file", &web("c")));
    assert_eq!(t.next_due(), None);
    assert!(
        t.offer(snap("file", &web("d")), due).is_none(),
        "new window"
    );
    let later = due + Duration::from_secs(5);
    assert_eq!(t.due(later).len(), 1);
    assert!(
        t.offer(snap("file", &web("e")), later + Duration::from_secs(3))
            .is_some()
    );
}

#[test]
fn qualifies_names_and_references() {
    let c = dynamic_yaml(
        "http:
  routers:
    web:
      rule: Host(`a`)
      service: wsvc
      middlewares: [chain, auth@docker]
      tls:
        options: default
    child:
      rule: Path(`/x`)
      service: svc
      parentRefs: [web]
      tls:
        options: modern
  services:
    svc:
      loadBalancer:
        servers: [{url: 'http://127.0.0.1:1'}]
        serversTransport: st
      middlewares: [auth@docker]
    wsvc:
      weighted:
        services: [{name: svc, weight: 1}, {name: other@docker}]
    mir:
      mirroring:
        service: svc
        mirrors: [{name: svc, percent: 10}]
    fo:
      failover: {service: svc, fallback: api@internal}
  middlewares:
    chain:
      chain: {middlewares: [err, auth@docker]}
    err:
      errors: {status: ['500'], service: svc, query: /}
  serversTransports:
    st: {}
tcp:
  routers:
    t:
      rule: HostSNI(`*`)
      service: ts
      tls: {options: modern}
  services:
    ts:
      weighted: {services: [{name: ts2}]}
    ts2:
      loadBalancer: {servers: [{address: '127.0.0.1:1'}], serversTransport: tst}
  serversTransports:
    tst: {}
udp:
  routers:
    u: {service: us}
  services:
    us:
      weighted: {services: [{name: us2}]}
    us2:
      loadBalancer: {servers: [{address: '127.0.0.1:1'}]}
tls:
  options:
    default: {}
    modern: {minVersion: VersionTLS13}
  stores:
    default: {}
",
    );
    let (q, _) = qualify::qualify(&c, "file", None);
    let h = q.http.as_ref().expect("http");
    let keys: Vec<&str> = h.routers.keys().map(String::as_str).collect();
    assert_eq!(keys, ["child@file", "web@file"]);
    let web = &h.routers["web@file"];
    assert_eq!(web.service, "wsvc@file");
    assert_eq!(web.middlewares, ["chain@file", "auth@docker"]);
    assert_eq!(
        web.tls.as_ref().map(|t| t.options.as_str()),
        Some("default")
    );
    let child = &h.routers["child@file"];
    assert_eq!(child.parent_refs, ["web@file"]);
    assert_eq!(
        child.tls.as_ref().map(|t| t.options.as_str()),
        Some("modern@file")
    );
    let lb = h.services["svc@file"].load_balancer.as_ref().expect("lb");
    assert_eq!(lb.servers_transport, "st@file");
    assert_eq!(h.services["svc@file"].middlewares, ["auth@docker"]);
    let w = h.services["wsvc@file"].weighted.as_ref().expect("weighted");
    let names: Vec<&str> = w.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["svc@file", "other@docker"]);
    let m = h.services["mir@file"]
        .mirroring
        .as_ref()
        .expect("mirroring");
    assert_eq!(
        (m.service.as_str(), m.mirrors[0].name.as_str()),
        ("svc@file", "svc@file")
    );
    let f = h.services["fo@file"].failover.as_ref().expect("failover");
    assert_eq!(
        (f.service.as_str(), f.fallback.as_str()),
        ("svc@file", "api@internal")
    );
    let chain = h.middlewares["chain@file"].chain.as_ref().expect("chain");
    assert_eq!(chain.middlewares, ["err@file", "auth@docker"]);
    let errors = h.middlewares["err@file"].errors.as_ref().expect("errors");
    assert_eq!(errors.service, "svc@file");
    assert!(h.servers_transports.contains_key("st@file"));

    let t = q.tcp.as_ref().expect("tcp");
    assert_eq!(t.routers["t@file"].service, "ts@file");
    let tls = t.routers["t@file"].tls.as_ref().map(|t| t.options.as_str());
    assert_eq!(tls, Some("modern@file"));
    let tw = t.services["ts@file"].weighted.as_ref().expect("weighted");
    assert_eq!(tw.services[0].name, "ts2@file");
    let tlb = t.services["ts2@file"].load_balancer.as_ref().expect("lb");
    assert_eq!(tlb.servers_transport, "tst@file");
    let u = q.udp.as_ref().expect("udp");
    assert_eq!(u.routers["u@file"].service, "us@file");
    let uw = u.services["us@file"].weighted.as_ref().expect("weighted");
    assert_eq!(uw.services[0].name, "us2@file");
    let tls = q.tls.as_ref().expect("tls");
    let options: Vec<&str> = tls.options.keys().map(String::as_str).collect();
    assert_eq!(options, ["default", "modern@file"]);
    assert!(tls.stores.contains_key("default"));
}

#[test]
fn default_entry_points() {
    let c = "http:\n  routers:\n    a: {rule: 'Path(`/`)', service: s}\n    b: {rule: 'Path(`/`)', service: s, entryPoints: [web]}\n    c: {rule: 'Path(`/`)', parentRefs: [a]}\ntcp:\n  routers:\n    t: {rule: 'HostSNI(`*`)', service: s}\nudp:\n  routers:\n    u: {service: s}\n";
    let eps = |st: &str| {
        let mut cfg = dynamic_yaml(c);
        merge::default_entry_points(&mut cfg, &static_yaml(st));
        let h = cfg.http.as_ref().expect("http");
        let get = |n: &str| h.routers[n].entry_points.clone();
        let tcp = cfg.tcp.as_ref().expect("tcp").routers["t"]
            .entry_points
            .clone();
        let udp = cfg.udp.as_ref().expect("udp").routers["u"]
            .entry_points
            .clone();
        (get("a"), get("b"), get("c"), tcp, udp)
    };
    let (a, b, c, tcp, udp) = eps(STATIC);
    assert_eq!(a, ["web", "websecure"], "all TCP entry points but traefik");
    assert_eq!((b, c), (vec!["web".to_string()], Vec::<String>::new()));
    assert_eq!((tcp, udp), (a.clone(), vec!["dns".to_string()]));

    let flagged = "entryPoints:\n  web: {address: ':80'}\n  websecure: {address: ':443', asDefault: true}\n  dns: {address: ':53/udp', asDefault: true}\n";
    let (a, _, _, tcp, udp) = eps(flagged);
    assert_eq!(
        (a, tcp, udp),
        (
            vec!["websecure".to_string()],
            vec!["websecure".to_string()],
            vec!["dns".to_string()]
        )
    );

    let (a, ..) = eps("{}");
    assert_eq!(a, ["http"]);
}

#[tokio::test]
async fn issues_name_qualified_items_and_check_cross_provider_refs() {
    let (tx, out) = start(Duration::ZERO);
    tx.send(internal(&static_yaml(STATIC))).await.expect("send");
    let file = "http:
  routers:
    web:
      rule: Host(`a`)
      service: missing
    cross:
      rule: Host(`b`)
      service: svc@docker
      middlewares: [ghost@docker]
      tls: {options: nope}
    redirect:
      rule: Host(`c`)
      service: noop@internal
      middlewares: [redirect-web-to-websecure@internal]
tls:
  options:
    default: {minVersion: VersionTLS13}
";
    tx.send(snap("file", file)).await.expect("send");
    let docker = "http:\n  services:\n    svc:\n      loadBalancer:\n        servers: [{url: 'http://127.0.0.1:1'}]\ntls:\n  options:\n    default: {}\n";
    tx.send(snap("docker", docker)).await.expect("send");
    let m = generation(&out, 3).await;
    let errors: Vec<(String, String)> = m
        .issues
        .iter()
        .filter(|i| i.is_error())
        .map(|i| {
            let item = i
                .item
                .as_ref()
                .map(|it| it.name.clone())
                .unwrap_or_default();
            (item, i.key_path.clone())
        })
        .collect();
    let expect = |name: &str, key: &str| (name.to_string(), key.to_string());
    assert!(
        errors.contains(&expect("web@file", "http.routers.web.service")),
        "{errors:#?}"
    );
    assert!(errors.contains(&expect("cross@file", "http.routers.cross.middlewares[0]")));
    assert!(errors.contains(&expect("cross@file", "http.routers.cross.tls.options")));
    assert!(errors.contains(&expect("default", "tls.options.default")));
    assert!(
        !errors.iter().any(|(n, _)| n == "redirect@file"),
        "{errors:#?}"
    );
    assert!(
        !errors.iter().any(|(_, k)| k.ends_with("cross.service")),
        "svc@docker exists"
    );
    assert!(
        !m.issues
            .iter()
            .any(|i| i.message.ends_with("is not checked here"))
    );
    let conflict = m
        .issues
        .iter()
        .filter(|i| i.kind == IssueKind::Conflict)
        .count();
    assert_eq!(conflict, 2, "one per provider defining `default`");
    let tls = m.config.tls.as_ref().expect("tls");
    assert!(!tls.options.contains_key("default"), "both dropped");
    assert!(
        m.config
            .http
            .as_ref()
            .is_some_and(|h| h.routers.contains_key("web@file"))
    );
}

/// A new snapshot that changes one router: the unchanged router and service are the previous
/// publish's items (shared, so the data plane reuses what it compiled from them); the changed
/// router is qualified anew and serves its new rule.
#[test]
fn unchanged_items_are_shared_with_the_previous_publish() {
    let two = |host: &str| {
        format!(
            "http:\n  routers:\n    web:\n      rule: Host(`{host}`)\n      service: svc\n    other:\n      rule: Host(`other.test`)\n      service: svc\n  services:\n    svc:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n"
        )
    };
    let st = Arc::new(static_yaml(STATIC));
    let (mut agg, out) = Aggregator::new(st.clone(), Duration::ZERO);
    agg.apply(vec![internal(&st), snap("file", &two("a.test"))]);
    let first = out.borrow().clone();
    agg.apply(vec![snap("file", &two("b.test"))]);
    let second = out.borrow().clone();
    assert_eq!(second.generation, first.generation + 1);
    let (h1, h2) = (
        first.config.http.as_ref().expect("http"),
        second.config.http.as_ref().expect("http"),
    );
    assert!(Arc::ptr_eq(
        &h1.routers["other@file"],
        &h2.routers["other@file"]
    ));
    assert!(Arc::ptr_eq(
        &h1.services["svc@file"],
        &h2.services["svc@file"]
    ));
    assert!(!Arc::ptr_eq(
        &h1.routers["web@file"],
        &h2.routers["web@file"]
    ));
    assert_eq!(rule_of(&second).as_deref(), Some("Host(`b.test`)"));
    // Qualified and defaulted as a first qualification would have done.
    assert_eq!(h2.routers["web@file"].service, "svc@file");
    assert_eq!(
        h2.routers["other@file"].entry_points,
        h1.routers["web@file"].entry_points
    );
    assert!(!h2.routers["web@file"].entry_points.is_empty());
}

#[test]
fn a_requalification_takes_the_previous_order_only_for_the_same_names() {
    // `r1@file` sorts after `r10@file`: the qualified order is not the raw one.
    let config = |names: &[&str], changed: &str| {
        let routers: String = names
            .iter()
            .map(|n| {
                let host = if *n == changed { "changed" } else { n };
                format!("    {n}:\n      rule: Host(`{host}.test`)\n      service: {n}\n")
            })
            .collect();
        let services: String = names
            .iter()
            .map(|n| format!("    {n}:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n"))
            .collect();
        dynamic_yaml(&format!(
            "http:\n  routers:\n{routers}  services:\n{services}"
        ))
    };
    let names = ["r1", "r10", "r2", "r1x", "r"];
    let first = config(&names, "");
    let (q1, o1) = qualify::qualify(&first, "file", None);
    let previous = qualify::Previous {
        raw: first.http.as_ref().expect("http"),
        qualified: q1.http.as_ref().expect("http"),
        order: &o1,
    };
    for (i, next) in [
        config(&names, "r10"),
        config(&["r1", "r10", "r2", "r1y", "r"], ""),
        config(&["r1", "r10", "r2"], ""),
    ]
    .into_iter()
    .enumerate()
    {
        let (again, order) = qualify::qualify(&next, "file", Some(previous));
        let (fresh, fresh_order) = qualify::qualify(&next, "file", None);
        assert_eq!(again, fresh);
        assert_eq!(order, fresh_order);
        if i == 0 {
            // Unchanged items are the previous qualification's, the changed one is new.
            let (h1, h2) = (previous.qualified, again.http.as_ref().expect("http"));
            for (name, r) in &h2.routers {
                assert_eq!(
                    Arc::ptr_eq(r, &h1.routers[name]),
                    name != "r10@file",
                    "{name}"
                );
            }
        }
    }
}

/// With one provider holding a configuration (`internal` has none without redirections,
/// api, ping or metrics), the merged configuration is that provider's, not a copy, and it
/// is what the merge of all would have given, cross-provider issues included.
#[test]
fn a_single_provider_is_published_as_it_is() {
    let st = Arc::new(static_yaml("entryPoints:\n  web:\n    address: ':80'\n"));
    let (mut agg, out) = Aggregator::new(st.clone(), Duration::ZERO);
    // `other` names a service of a provider that has none.
    let file = web("a.test").replace(
        "  services:",
        "    other:\n      rule: Host(`o.test`)\n      service: gone@docker\n  services:",
    );
    agg.apply(vec![internal(&st), snap("file", &file)]);
    let published = out.borrow().clone();
    assert!(Arc::ptr_eq(
        &published.config,
        &agg.providers["file"].config
    ));
    let parts = agg.providers.iter().map(|(n, p)| (n.as_str(), &*p.config));
    let (mut merged, merge_issues) = merge::merge(parts);
    let cross = check::cross_provider(&mut merged);
    assert_eq!(*published.config, merged);
    assert!(merge_issues.is_empty());
    assert!(!cross.is_empty(), "gone@docker is reported");
    assert!(cross.iter().all(|i| published.issues.contains(i)));
    // Another provider with items: merged, as before.
    agg.apply(vec![snap("docker", &web("d.test"))]);
    let published = out.borrow().clone();
    assert!(!Arc::ptr_eq(
        &published.config,
        &agg.providers["file"].config
    ));
    let http = published.config.http.as_ref().expect("http");
    assert!(http.routers.contains_key("web@file") && http.routers.contains_key("web@docker"));
}
