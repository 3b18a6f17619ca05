//! Engine tests: a real Docker engine at unix:///var/run/docker.sock with the `whoami:dev`
//! image (built by `deploy/images/build.sh` when missing). Without an engine the tests skip
//! with a printed reason, except under `CI`, where they fail.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};
use waygate_config::static_config::Docker;
use waygate_provider::Snapshot;
use waygate_provider_docker::DockerProvider;

const SOCKET: &str = "/var/run/docker.sock";
const IMAGE: &str = "whoami:dev";

/// Removes the containers it names when dropped (test passed or not).
struct Containers(Vec<String>);

impl Drop for Containers {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = Command::new("docker").args(["rm", "-f", name]).output();
        }
    }
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("run the docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `false` (after printing why) when there is no engine and we are not in CI.
fn engine_available() -> bool {
    if Path::new(SOCKET).exists() {
        ensure_image();
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but there is no Docker engine at {SOCKET}"
    );
    eprintln!("skipped: no Docker engine at {SOCKET} (set CI to make this a failure)");
    false
}

fn ensure_image() {
    let present = Command::new("docker")
        .args(["image", "inspect", IMAGE])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let release = root.join("target/release/whoami").exists();
    let mut cmd = Command::new(root.join("deploy/images/build.sh"));
    cmd.current_dir(&root);
    if release {
        cmd.env("WAYGATE_SKIP_BUILD", "1").args(["release", "dev"]);
    } else {
        cmd.args(["debug", "dev"]);
    }
    let status = cmd.status().expect("run deploy/images/build.sh");
    assert!(status.success(), "building {IMAGE} failed");
}

fn unique(test: &str) -> String {
    format!("waygate-pd-{}-{test}", std::process::id())
}

fn ip_of(name: &str) -> String {
    docker(&[
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        name,
    ])
}

fn has_router(snapshot: &Snapshot, router: &str) -> bool {
    snapshot
        .config
        .http
        .as_ref()
        .is_some_and(|h| h.routers.contains_key(router))
}

#[tokio::test]
async fn load_shows_a_labelled_container_until_it_stops() {
    if !engine_available() {
        return;
    }
    let name = unique("load");
    let _guard = Containers(vec![name.clone()]);
    let label = "traefik.http.routers.t.rule=Host(`t.test`)";
    docker(&["run", "-d", "--name", &name, "--label", label, IMAGE]);
    let ip = ip_of(&name);

    let provider = DockerProvider::new(&Docker::default());
    let snapshot = provider.load().await.expect("load");
    assert_eq!(snapshot.provider, "docker");
    let http = snapshot.config.http.clone().expect("http");
    let router = &http.routers["t"];
    assert_eq!(router.rule, "Host(`t.test`)");
    assert_eq!(router.service, name);
    let lb = http.services[&name].load_balancer.as_ref().expect("lb");
    let urls: Vec<&str> = lb.servers.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(urls, [format!("http://{ip}:80")]);

    docker(&["stop", "-t", "1", &name]);
    let snapshot = provider.load().await.expect("load after stop");
    assert!(!has_router(&snapshot, "t"), "{:#?}", snapshot.config);
}

#[tokio::test]
async fn run_sends_a_snapshot_on_start_and_stop() {
    if !engine_available() {
        return;
    }
    let name = unique("run");
    let _guard = Containers(vec![name.clone()]);
    let label = "traefik.http.routers.trun.rule=Host(`trun.test`)";
    docker(&["create", "--name", &name, "--label", label, IMAGE]);

    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(DockerProvider::new(&Docker::default()).run(tx));
    let first = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("initial snapshot in time")
        .expect("initial snapshot");
    assert!(!has_router(&first, "trun"), "created, not started");

    docker(&["start", &name]);
    wait_for(
        &mut rx,
        |s| has_router(s, "trun"),
        "router after `docker start`",
    )
    .await;
    docker(&["stop", "-t", "1", &name]);
    wait_for(
        &mut rx,
        |s| !has_router(s, "trun"),
        "no router after `docker stop`",
    )
    .await;

    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("run returns once the receiver is gone")
        .expect("run task");
}

/// Waits at most 1 s for a snapshot satisfying `ok`.
async fn wait_for(rx: &mut mpsc::Receiver<Snapshot>, ok: impl Fn(&Snapshot) -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        match timeout_at(deadline, rx.recv()).await {
            Ok(Some(s)) if ok(&s) => return,
            Ok(Some(_)) => {}
            Ok(None) => panic!("provider stopped before {what}"),
            Err(_) => panic!("no snapshot with {what} within 1 s"),
        }
    }
}
