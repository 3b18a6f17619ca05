//! The compose example: the gateway itself in a container on a user-defined network, routing
//! to whoami replicas by container IP (seed 1 §2.4).

use std::process::Command;
use std::time::Duration;

use crate::support::{client, engine, images, try_get, within};

struct Project(String, u16);

impl Drop for Project {
    fn drop(&mut self) {
        let _ = compose(&self.0, self.1, &["down", "-v", "-t", "1"]);
    }
}

fn compose(project: &str, port: u16, args: &[&str]) -> std::process::Output {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../deploy/compose/docker-compose.yml"
    );
    Command::new("docker-compose")
        .args(["-f", file, "-p", project])
        .args(args)
        .env("WAYGATE_TAG", "test")
        .env("WAYGATE_PORT", port.to_string())
        // Marks the containers for orphan removal if this test is killed.
        .env("WAYGATE_TEST_PID", std::process::id().to_string())
        .env("WAYGATE_NETWORK", format!("{project}-net"))
        .output()
        .expect("docker-compose")
}

#[tokio::test(flavor = "multi_thread")]
async fn compose_example_routes_to_replicas_by_container_ip() {
    if !engine() {
        return;
    }
    images();
    let project = Project(
        format!("wgcompose{}", std::process::id()),
        crate::support::free_port(),
    );
    let up = compose(&project.0, project.1, &["up", "-d", "--scale", "whoami=2"]);
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let c = client();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    within(
        Duration::from_secs(20),
        "both replicas answer through the containerized gateway",
        || {
            let c = c.clone();
            let seen = seen.clone();
            async move {
                // Until the containerized gateway listens, its published port accepts and
                // closes: no answer is "not yet", not a failure.
                let r = try_get(
                    &c,
                    &format!("http://127.0.0.1:{}/", project.1),
                    "whoami.localhost",
                )
                .await;
                if let Some(r) = r.filter(|r| r.status == 200) {
                    assert!(r.body.contains("X-Forwarded-Server"), "{}", r.body);
                    seen.lock().expect("seen").insert(
                        r.headers["x-whoami-name"]
                            .to_str()
                            .unwrap_or_default()
                            .to_string(),
                    );
                }
                let n = seen.lock().expect("seen").len();
                n == 2
            }
        },
    )
    .await;
    // The gateway's own HEALTHCHECK (waygate healthcheck against ping) turns healthy.
    let ps = compose(&project.0, project.1, &["ps", "-q", "gateway"]);
    let gateway = String::from_utf8_lossy(&ps.stdout).trim().to_string();
    within(Duration::from_secs(20), "gateway container healthy", || {
        let gateway = gateway.clone();
        async move {
            let out = Command::new("docker")
                .args(["inspect", "-f", "{{.State.Health.Status}}", &gateway])
                .output()
                .expect("inspect");
            String::from_utf8_lossy(&out.stdout).trim() == "healthy"
        }
    })
    .await;
}
