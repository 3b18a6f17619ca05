//! Engine helpers: images built once per test run from this build's binaries, containers that
//! remove themselves, and a gateway process watching the engine.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub(crate) use crate_support::*;

#[path = "../dataplane/support.rs"]
#[allow(dead_code)]
mod crate_support;

/// Whether the engine can be used; panics in CI when it cannot.
pub(crate) fn engine() -> bool {
    let ok = std::path::Path::new("/var/run/docker.sock").exists()
        && Command::new("docker")
            .args(["info", "--format", "{{.ServerVersion}}"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs a running Docker engine at /var/run/docker.sock"
        );
        eprintln!("skipped: no Docker engine at /var/run/docker.sock");
    }
    ok
}

/// Removes containers left by test processes that no longer exist (a killed test cannot run
/// its cleanup).
fn remove_orphans() {
    let out = docker(&[
        "ps",
        "-a",
        "--filter",
        "label=wgtest.pid",
        "--format",
        "{{.ID}} {{.Label \"wgtest.pid\"}}",
    ]);
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut parts = line.split_whitespace();
        if let (Some(id), Some(pid)) = (parts.next(), parts.next())
            && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = docker(&["rm", "-f", id]);
        }
    }
}

/// A TCP port that is free right now.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Builds `waygate:test`, `whoami:test` and `whoami-health:test` from target/debug once
/// (serialized across test processes with flock; skipped when newer than the binaries).
pub(crate) fn images() {
    remove_orphans();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let script = "stamp=target/images-test.stamp; \
        if [ -f $stamp ] && [ $stamp -nt target/debug/waygate ] && [ $stamp -nt target/debug/whoami ]; then exit 0; fi; \
        WAYGATE_SKIP_BUILD=1 deploy/images/build.sh debug test && touch $stamp";
    let out = Command::new("flock")
        .args(["/tmp/waygate-images.lock", "bash", "-c", script])
        .current_dir(root)
        .output()
        .expect("flock");
    assert!(
        out.status.success(),
        "image build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("docker")
}

/// A container removed when dropped.
pub(crate) struct Container(pub(crate) String);

impl Container {
    pub(crate) fn run(name: &str, labels: &[String], image: &str) -> Container {
        let mut args: Vec<String> = vec!["run".into(), "-d".into(), "--name".into(), name.into()];
        // Who made it: a later run removes containers whose test process is gone.
        args.push("--label".into());
        args.push(format!("wgtest.pid={}", std::process::id()));
        for l in labels {
            args.push("--label".into());
            args.push(l.clone());
        }
        args.push(image.into());
        let out = Command::new("docker")
            .args(&args)
            .output()
            .expect("docker run");
        assert!(
            out.status.success(),
            "docker run: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Container(name.to_string())
    }

    pub(crate) fn ip(&self) -> String {
        let out = docker(&[
            "inspect",
            "-f",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
            &self.0,
        ]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub(crate) fn health(&self) -> String {
        let out = docker(&["inspect", "-f", "{{.State.Health.Status}}", &self.0]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", &self.0]);
    }
}

/// A unique id for this test's labels, names and hosts.
pub(crate) fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}{}x{nanos}", std::process::id())
}

/// Static configuration for a gateway that only sees containers labelled `test.id=<id>`.
pub(crate) fn docker_static(id: &str, extra: &str) -> String {
    format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\nproviders:\n  providersThrottleDuration: 10ms\n  docker:\n    exposedByDefault: false\n    constraints: \"Label(`test.id`, `{id}`)\"\n{extra}log:\n  level: INFO\n"
    )
}

/// Polls `check` until true within `patience`; returns how long it took.
pub(crate) async fn within<F, Fut>(patience: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < patience,
            "not within {patience:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}
