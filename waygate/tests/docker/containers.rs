//! Labelled containers appear and disappear as routes; replicas load-balance; health is
//! honoured; exposedByDefault/enable, constraints and defaultRule behave as in Traefik.

use std::time::Duration;

use crate::support::{
    Container, Gw, client, docker, docker_static, engine, get, images, unique, within,
};

fn labels(id: &str, extra: &[&str]) -> Vec<String> {
    let mut l = vec![format!("test.id={id}"), "traefik.enable=true".to_string()];
    l.extend(extra.iter().map(|s| s.to_string()));
    l
}

#[tokio::test(flavor = "multi_thread")]
async fn a_started_container_is_routed_within_a_second_and_gone_when_stopped() {
    if !engine() {
        return;
    }
    images();
    let id = unique("t");
    let gw = Gw::start_raw(&docker_static(&id, ""));
    let c = client();
    let url = format!("{}/", gw.url("web"));
    let host = format!("app.{id}.test");
    assert_eq!(get(&c, &url, &host).await.status, 404);
    let rule = format!("traefik.http.routers.r{id}.rule=Host(`{host}`)");
    let container = Container::run(&format!("{id}-a"), &labels(&id, &[&rule]), "whoami:test");
    let took = within(Duration::from_secs(3), "route appears", || async {
        get(&c, &url, &host).await.status == 200
    })
    .await;
    assert!(
        took < Duration::from_secs(1),
        "route appeared after {took:?}"
    );
    let r = get(&c, &url, &host).await;
    assert!(
        r.body.contains(&format!("IP: {}", container.ip())),
        "{}",
        r.body
    );
    assert!(docker(&["stop", "-t", "1", &container.0]).status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while get(&c, &url, &host).await.status != 404 {
        assert!(
            std::time::Instant::now() < deadline,
            "route still there 5 s after docker stop:\n{}",
            gw.logs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn compose_replicas_share_one_load_balancer() {
    if !engine() {
        return;
    }
    images();
    let id = unique("r");
    let gw = Gw::start_raw(&docker_static(&id, ""));
    let host = format!("web.{id}.test");
    let rule = format!("traefik.http.routers.web.rule=Host(`{host}`)");
    let compose = [
        "com.docker.compose.service=web",
        &format!("com.docker.compose.project=p{id}"),
    ];
    let mut all: Vec<&str> = compose.to_vec();
    all.push(&rule);
    let _replicas: Vec<Container> = (0..3)
        .map(|i| Container::run(&format!("{id}-web-{i}"), &labels(&id, &all), "whoami:test"))
        .collect();
    let c = client();
    let url = format!("{}/", gw.url("web"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    within(Duration::from_secs(5), "all three replicas answer", || {
        let (c, url, host) = (c.clone(), url.clone(), host.clone());
        let seen = seen.clone();
        async move {
            let r = get(&c, &url, &host).await;
            if r.status == 200 {
                seen.lock().expect("seen").insert(
                    r.headers["x-whoami-name"]
                        .to_str()
                        .unwrap_or_default()
                        .to_string(),
                );
            }
            let n = seen.lock().expect("seen").len();
            n == 3
        }
    })
    .await;
    assert!(gw.logs().contains("configuration applied"));
}

#[tokio::test(flavor = "multi_thread")]
async fn unhealthy_containers_are_not_routed() {
    if !engine() {
        return;
    }
    images();
    let id = unique("h");
    let gw = Gw::start_raw(&docker_static(&id, ""));
    let host = format!("h.{id}.test");
    let rule = format!("traefik.http.routers.h.rule=Host(`{host}`)");
    let container = Container::run(
        &format!("{id}-h"),
        &labels(&id, &[&rule]),
        "whoami-health:test",
    );
    let c = client();
    let url = format!("{}/", gw.url("web"));
    // While Docker still says `starting`, the container is not routed.
    if container.health() == "starting" {
        assert_eq!(get(&c, &url, &host).await.status, 404);
    }
    within(Duration::from_secs(10), "routed once healthy", || async {
        get(&c, &url, &host).await.status == 200
    })
    .await;
    // Make its health endpoint fail: Docker marks it unhealthy and the route goes away.
    let backend = format!("http://{}:80/health", container.ip());
    let req = http::Request::post(&backend)
        .body(http_body_util::Full::new(bytes::Bytes::from("503")))
        .expect("req");
    assert_eq!(crate::support::send(&c, req).await.status, 200);
    within(
        Duration::from_secs(10),
        "unrouted when unhealthy",
        || async { get(&c, &url, &host).await.status == 404 },
    )
    .await;
    assert_eq!(container.health(), "unhealthy");
}

#[tokio::test(flavor = "multi_thread")]
async fn exposure_constraints_default_rule_and_label_typos() {
    if !engine() {
        return;
    }
    images();
    let id = unique("d");
    let default_rule =
        format!("    defaultRule: \"Host(`{{{{ normalize .Name }}}}.{id}.test`)\"\n");
    let gw = Gw::start_raw(&docker_static(&id, &default_rule));
    let c = client();
    let url = format!("{}/", gw.url("web"));
    // No router labels: the default rule from the normalized container name.
    let _named = Container::run(&format!("My_App.{id}"), &labels(&id, &[]), "whoami:test");
    let host = format!("my-app-{id}.{id}.test");
    within(Duration::from_secs(5), "default rule routes", || async {
        get(&c, &url, &host).await.status == 200
    })
    .await;
    // Without traefik.enable=true (exposedByDefault is false): ignored.
    let hidden_rule = format!("traefik.http.routers.hidden.rule=Host(`hidden.{id}.test`)");
    let _hidden = Container::run(
        &format!("{id}-hidden"),
        &[format!("test.id={id}"), hidden_rule],
        "whoami:test",
    );
    // Not matching the constraint: ignored.
    let _other = Container::run(
        &format!("{id}-other"),
        &labels(
            "someone-else",
            &[&format!("traefik.http.routers.o.rule=Host(`o.{id}.test`)")],
        ),
        "whoami:test",
    );
    // A label typo: the container is skipped, with a warning naming it and a suggestion.
    let _typo = Container::run(
        &format!("{id}-typo"),
        &labels(
            &id,
            &[&format!("traefik.http.routers.t.rul=Host(`t.{id}.test`)")],
        ),
        "whoami:test",
    );
    within(Duration::from_secs(5), "typo reported", || async {
        gw.logs().contains(&format!("{id}-typo"))
    })
    .await;
    let logs = gw.logs();
    let line = logs
        .lines()
        .find(|l| l.contains(&format!("{id}-typo")))
        .unwrap_or_default();
    assert!(
        line.contains("unknown key `rul`") && line.contains("did you mean `rule`"),
        "{line}"
    );
    for h in [
        format!("hidden.{id}.test"),
        format!("o.{id}.test"),
        format!("t.{id}.test"),
    ] {
        assert_eq!(get(&c, &url, &h).await.status, 404, "{h}");
    }
    // `waygate check --probeDocker` shows the same diagnostic before deploy.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_waygate"))
        .args([
            "check",
            "--probeDocker",
            "--providers.docker.exposedByDefault=false",
            &format!("--providers.docker.constraints=Label(`test.id`, `{id}`)"),
        ])
        .current_dir(std::env::temp_dir())
        .output()
        .expect("check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("{id}-typo")) && text.contains("did you mean `rule`"),
        "{text}"
    );
}
