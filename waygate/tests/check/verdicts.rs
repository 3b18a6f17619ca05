//! `check`'s verdict in the corners: a reader that goes away, a reference only the merge sees.

use std::process::Command;

use super::{check, repo};

#[test]
fn a_reader_that_goes_away_does_not_change_the_verdict() {
    // `waygate check | head -0`: the pipe is closed before check writes anything. It used
    // to panic in `println!`; now it stops printing and still exits with its verdict.
    let mut child = Command::new(env!("CARGO_BIN_EXE_waygate"))
        .args(["check", "--configFile=examples/broken/traefik.yml"])
        .current_dir(repo())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run waygate");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
}

#[test]
fn a_router_disabled_by_a_missing_tls_option_says_which() {
    // The reference is checked when the providers' configurations are merged; check used to
    // print only "disabled by a configuration error (see the issues above)" with nothing above.
    let dir = std::env::temp_dir().join(format!("waygate-check-tlsopt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("traefik.yml"),
        "entryPoints:\n  websecure:\n    address: 127.0.0.1:0\nproviders:\n  file:\n    filename: dyn.yml\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("dyn.yml"),
        "http:\n  routers:\n    r:\n      rule: Host(`a.test`)\n      service: s\n      tls:\n        options: nope\n  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: http://127.0.0.1:1\n",
    )
    .expect("write");
    let (code, out) = check(&["--configFile=traefik.yml"], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("http.routers.r") && l.contains("`nope@file` does not exist")),
        "{out}"
    );
    assert!(!out.contains("see the issues above"), "{out}");
}
