//! `rateLimit.redis` end to end: two gateway processes share one budget in a real
//! `redis-server` (Debian package `redis-server`, installed by test.sh), and a Redis that is
//! down or mute is answered as Traefik does (500) within `readTimeout`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Gw, LOCAL_EP, backend, client, eventually, get};

const PASSWORD: &str = "s3cret-never-logged";

/// A `redis-server` on a free local port, with a password, no persistence.
struct Redis {
    child: Child,
    port: u16,
    /// `redis-cli` options for a TLS server.
    tls: Vec<String>,
}

impl Redis {
    fn start() -> Redis {
        let port = free_port();
        Self::start_with(port, &["--port", &port.to_string()], Vec::new())
    }

    /// A server that speaks only TLS with the certificate and key in `cert`, `key`.
    fn start_tls(cert: &str, key: &str) -> Redis {
        let port = free_port();
        let server = [
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--tls-cert-file",
            cert,
            "--tls-key-file",
            key,
            "--tls-ca-cert-file",
            cert,
            "--tls-auth-clients",
            "no",
        ];
        let cli = ["--tls", "--cacert", cert, "--sni", "localhost"];
        Self::start_with(port, &server, cli.iter().map(|s| s.to_string()).collect())
    }

    fn start_with(port: u16, listen: &[&str], tls: Vec<String>) -> Redis {
        let child = Command::new("redis-server")
            .args(listen)
            .args(["--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--requirepass",
                PASSWORD,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "redis-server is required by this test (Debian: apt-get install redis-server; \
                 test.sh installs it)",
            );
        let redis = Redis { child, port, tls };
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis.cli(&["PING"]).trim() != "PONG" {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args([
                "-p",
                &self.port.to_string(),
                "-a",
                PASSWORD,
                "--no-auth-warning",
            ])
            .args(&self.tls)
            .args(args)
            .output()
            .expect("redis-cli (package redis-tools, a dependency of redis-server)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn dynamic(url: &str, redis: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: Host(`rl.test`)\n      entryPoints: [web]\n      service: s\n      middlewares: [limit]\n\
         \x20 middlewares:\n    limit:\n      rateLimit:\n        average: 10\n        period: 1m\n        burst: 10\n        redis:\n{redis}\
         \x20 services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn two_gateways_share_one_redis_budget() {
    let redis = Redis::start();
    let a = backend("a").await;
    // 10 per minute, burst 10: no token comes back during the test (one every 6 s).
    let cfg = dynamic(
        &a.url(),
        &format!(
            "          endpoints: [\"127.0.0.1:{}\"]\n          password: {PASSWORD}\n          db: 3\n",
            redis.port
        ),
    );
    let gw1 = Gw::start(LOCAL_EP, &cfg);
    let gw2 = Gw::start(LOCAL_EP, &cfg);
    let c = client();
    let (mut admitted, mut refused) = ([0; 2], [0; 2]);
    let started = Instant::now();
    for i in 0..30 {
        let gw = if i % 2 == 0 { &gw1 } else { &gw2 };
        let r = get(&c, &format!("{}/", gw.url("web")), "rl.test").await;
        match r.status {
            200 => admitted[i % 2] += 1,
            429 => {
                refused[i % 2] += 1;
                let after: u64 = r.headers["retry-after"]
                    .to_str()
                    .expect("ascii")
                    .parse()
                    .expect("Retry-After in seconds");
                assert!((1..=6).contains(&after), "Retry-After {after}");
                assert!(r.headers.contains_key("x-retry-in"));
                assert_eq!(r.body, "Too Many Requests");
            }
            s => panic!("unexpected status {s}: {}", r.body),
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "too slow to count"
    );
    assert_eq!(
        admitted[0] + admitted[1],
        10,
        "the two gateways admit `average` between them: {admitted:?} admitted, {refused:?} refused"
    );
    assert!(admitted[0] > 0 && admitted[1] > 0, "{admitted:?}");
    assert_eq!(refused[0] + refused[1], 20);
    // Traefik's key layout, in the configured db: `rate:<middleware>:<source>`.
    assert_eq!(
        redis.cli(&["-n", "3", "KEYS", "rate:*"]).trim(),
        "rate:limit@file:127.0.0.1"
    );
    for gw in [&gw1, &gw2] {
        assert!(
            !gw.logs().contains(PASSWORD),
            "the password is never logged"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_down_or_mute_is_a_500_within_read_timeout() {
    let a = backend("a").await;
    // A listener that accepts and never answers, and a port nobody listens on.
    let mute = TcpListener::bind("127.0.0.1:0").expect("bind");
    let mute_port = mute.local_addr().expect("addr").port();
    let down_port = free_port();
    let mw = |port: u16| {
        format!(
            "          endpoints: [\"127.0.0.1:{port}\"]\n          password: {PASSWORD}\n          readTimeout: 300ms\n"
        )
    };
    let gw_mute = Gw::start(LOCAL_EP, &dynamic(&a.url(), &mw(mute_port)));
    let gw_down = Gw::start(LOCAL_EP, &dynamic(&a.url(), &mw(down_port)));
    let c = client();
    for gw in [&gw_mute, &gw_down] {
        let t = Instant::now();
        let r = get(&c, &format!("{}/", gw.url("web")), "rl.test").await;
        assert_eq!(r.status, 500, "{}", r.body);
        assert_eq!(r.body, "Could not insert/update bucket\n");
        assert!(
            t.elapsed() < Duration::from_millis(1500),
            "{:?}",
            t.elapsed()
        );
    }
    // The failure is logged (once per 10 s), never with the password.
    eventually(Duration::from_secs(5), "failure logged", || async {
        gw_down.logs().contains("could not insert/update bucket")
    })
    .await;
    assert!(!gw_down.logs().contains(PASSWORD));
    assert!(!gw_mute.logs().contains(PASSWORD));
    drop(mute);
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_over_tls_with_the_configured_ca() {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("rcgen");
    let dir = Gw::dir();
    let (cert, key) = (dir.join("redis.pem"), dir.join("redis.key"));
    std::fs::write(&cert, ck.cert.pem()).expect("cert");
    std::fs::write(&key, ck.signing_key.serialize_pem()).expect("key");
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let redis = Redis::start_tls(&cert, &key);
    let a = backend("a").await;
    let cfg = dynamic(
        &a.url(),
        &format!(
            "          endpoints: [\"localhost:{}\"]\n          password: {PASSWORD}\n          tls:\n            ca: {cert}\n",
            redis.port
        ),
    );
    let gw = Gw::start_in_dir(dir, LOCAL_EP, &cfg);
    let c = client();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            get(&c, &format!("{}/", gw.url("web")), "rl.test")
                .await
                .status,
        );
    }
    let mut want = vec![200; 10];
    want.extend([429; 2]);
    assert_eq!(statuses, want, "{}", gw.logs());
    assert_eq!(
        redis.cli(&["KEYS", "rate:*"]).trim(),
        "rate:limit@file:127.0.0.1"
    );
    // Without the CA the server's certificate is not trusted: no budget, 500.
    let untrusted = Gw::start(
        LOCAL_EP,
        &dynamic(
            &a.url(),
            &format!(
                "          endpoints: [\"localhost:{}\"]\n          password: {PASSWORD}\n          tls: {{}}\n",
                redis.port
            ),
        ),
    );
    let r = get(&c, &format!("{}/", untrusted.url("web")), "rl.test").await;
    assert_eq!(r.status, 500);
}
