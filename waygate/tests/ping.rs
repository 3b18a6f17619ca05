//! `ping` and `waygate healthcheck` through the real binary, including the terminating status
//! during requestAcceptGraceTimeout.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn ping(port: u16) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.write_all(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn ping_healthcheck_and_terminating_status() {
    let dir = std::env::temp_dir().join(format!("waygate-ping-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let port = free_port();
    let cfg = dir.join("traefik.yml");
    std::fs::write(
        &cfg,
        format!("entryPoints:\n  traefik:\n    address: 127.0.0.1:{port}\n    transport:\n      lifeCycle:\n        requestAcceptGraceTimeout: 2s\nping: {{}}\nlog:\n  level: INFO\n"),
    )
    .expect("write");
    let cfg_arg = format!("--configFile={}", cfg.display());
    let healthcheck = || {
        Command::new(env!("CARGO_BIN_EXE_waygate"))
            .args(["healthcheck", &cfg_arg])
            .output()
            .expect("run")
    };

    let out = healthcheck();
    assert_eq!(out.status.code(), Some(1), "nothing listens yet");

    let mut gw = Command::new(env!("CARGO_BIN_EXE_waygate"))
        .arg(&cfg_arg)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(gw.stderr.take().expect("stderr")).lines();
    for line in lines.by_ref() {
        if line.expect("line").contains("configuration applied") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let out = healthcheck();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with(&format!("OK: http://127.0.0.1:{port}/ping"))
    );
    let body = ping(port).expect("ping");
    assert!(
        body.starts_with("HTTP/1.1 200") && body.ends_with("OK"),
        "{body}"
    );

    // SIGTERM: still accepting for 2 s, but ping now says the gateway is going away.
    assert!(
        Command::new("kill")
            .args(["-TERM", &gw.id().to_string()])
            .status()
            .expect("kill")
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut saw_503 = false;
    while Instant::now() < deadline && !saw_503 {
        saw_503 = ping(port).is_some_and(|b| b.starts_with("HTTP/1.1 503"));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(saw_503, "ping answers 503 while terminating");
    assert_eq!(healthcheck().status.code(), Some(1));
    let status = gw.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    std::fs::remove_dir_all(&dir).ok();
}
