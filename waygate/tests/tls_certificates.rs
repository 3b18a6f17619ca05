//! Certificates Go (Traefik) serves that rustls' own loading refuses, through the real binary:
//! an X.509 v1 certificate is served, and an RSA-1024 one (aws-lc-rs signs only with 2048 bits
//! or more) is skipped with an error naming its key file and that reason, at runtime and in
//! `waygate check` (which reports it as a servers transport's client certificate too). The
//! certificates are made here with the `openssl` CLI (rcgen cannot make either); curl
//! (OpenSSL) is the client.

#[path = "tls/support.rs"]
#[allow(dead_code)]
mod support;

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{Gw, backend, cert_files};

const EP: &str = "entryPoints:\n  websecure:\n    address: 127.0.0.1:0\n";

fn run(program: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}): install Debian's {program}"))
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = run("openssl", args, dir);
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out));
}

/// `v1.crt`/`v1.key`: X.509 v1 (no extensions), RSA-2048, CN `v1.test`.
/// `small.crt`/`small.key`: RSA-1024, SAN `small.test`.
fn legacy_certificates(dir: &Path) {
    let rsa2048 = ["-newkey", "rsa:2048", "-nodes"];
    openssl(
        dir,
        &[
            &["req", "-new"][..],
            &rsa2048,
            &[
                "-keyout",
                "v1.key",
                "-out",
                "v1.csr",
                "-subj",
                "/CN=v1.test",
            ],
        ]
        .concat(),
    );
    openssl(
        dir,
        &[
            "x509", "-req", "-in", "v1.csr", "-signkey", "v1.key", "-out", "v1.crt", "-days", "2",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-keyout",
            "small.key",
            "-out",
            "small.crt",
            "-days",
            "2",
            "-subj",
            "/CN=small.test",
            "-addext",
            "subjectAltName=DNS:small.test",
        ],
    );
}

/// curl -v to `host` on the gateway's `websecure`: (HTTP status, curl's verbose output).
fn curl(gw: &Gw, host: &str) -> (String, String) {
    let port = gw.addrs["websecure"].port();
    let out = run(
        "curl",
        &[
            "-skv",
            "--resolve",
            &format!("{host}:{port}:127.0.0.1"),
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("https://{host}:{port}/"),
        ],
        &gw.dir,
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        text(&out),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn v1_served_rsa1024_refused_with_the_reason() {
    let app = backend("app").await;
    let dir = Gw::dir();
    legacy_certificates(&dir);
    let (ok_crt, ok_key, _) = cert_files(&dir, "ok", &["ok.test"]);
    let d = dir.display();
    let dynamic = format!(
        "tls:\n  certificates:\n    - {{certFile: {d}/v1.crt, keyFile: {d}/v1.key}}\n    - {{certFile: {d}/small.crt, keyFile: {d}/small.key}}\n    - {{certFile: \"{ok_crt}\", keyFile: \"{ok_key}\"}}\nhttp:\n  routers:\n    app:\n      rule: HostRegexp(`.+`)\n      service: app\n      tls: {{}}\n  services:\n    app:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n  serversTransports:\n    client:\n      certificates:\n        - {{certFile: {d}/small.crt, keyFile: {d}/small.key}}\n",
        app.url()
    );
    let gw = Gw::start_in_dir(dir.clone(), EP, &dynamic);

    let (status, out) = curl(&gw, "v1.test");
    assert_eq!(status, "200", "{out}");
    assert!(
        out.contains("subject: CN=v1.test"),
        "the v1 certificate: {out}"
    );
    let (status, out) = curl(&gw, "small.test");
    assert_eq!(status, "200", "{out}");
    assert!(
        out.contains("subject: CN=WAYGATE DEFAULT CERT"),
        "RSA-1024 skipped, the default serves: {out}"
    );
    let logs = gw.logs();
    let reason = format!("`{d}/small.key`: RSA key of 1024 bits: aws-lc-rs");
    assert!(
        logs.lines()
            .any(|l| l.contains("tls.certificates[1]") && l.contains(&reason)),
        "{logs}"
    );
    assert!(!logs.contains("tls.certificates[0]"), "{logs}");
    assert!(!logs.contains("do not match"), "{logs}");

    // `check` loads them the same way: the same error, nothing about the v1 certificate.
    let out = run(
        env!("CARGO_BIN_EXE_waygate"),
        &["check", &format!("--configFile={d}/traefik.yml")],
        &dir,
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.lines()
            .any(|l| l.contains("tls.certificates[1]") && l.contains(&reason)),
        "{t}"
    );
    assert!(!t.contains("tls.certificates[0]"), "{t}");
    assert!(!t.contains("tls.certificates[2]"), "{t}");
    // A servers transport's client certificate is loaded the same way.
    assert!(
        t.lines().any(
            |l| l.contains("http.serversTransports.client.certificates[0]") && l.contains(&reason)
        ),
        "{t}"
    );
}
