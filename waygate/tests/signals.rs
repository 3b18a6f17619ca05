//! Signals while the gateway starts: a SIGTERM right after the entry points listen (a
//! rollout that changes its mind, the corpus's short serves) is a graceful stop, not the
//! default action of an unhandled signal.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn sigterm_as_soon_as_listening_stops_gracefully() {
    let dir = std::env::temp_dir().join(format!("waygate-signals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cfg = dir.join("traefik.yml");
    std::fs::write(&cfg, "entryPoints:\n  web:\n    address: 127.0.0.1:0\n").expect("write");
    let bin =
        std::env::var("WAYGATE_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_waygate").into());
    for round in 0..10 {
        let mut child = Command::new(&bin)
            .arg(format!("--configFile={}", cfg.display()))
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let mut log = String::new();
        for line in lines.by_ref().map_while(Result::ok) {
            log.push_str(&line);
            log.push('\n');
            if line.contains("entry point listening") {
                break;
            }
        }
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let code = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s.code();
            }
            assert!(
                Instant::now() < deadline,
                "round {round}: did not stop\n{log}"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        for line in lines.map_while(Result::ok) {
            log.push_str(&line);
            log.push('\n');
        }
        assert_eq!(
            code,
            Some(0),
            "round {round}: killed instead of stopping\n{log}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
