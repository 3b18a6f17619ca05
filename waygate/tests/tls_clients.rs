//! TLS termination seen by the real clients users point at it: curl (OpenSSL) and nghttp
//! (nghttp2). HTTP/2 through ALPN, TLS 1.2 refused under `minVersion: VersionTLS13`, client
//! certificates required and verified, and the seeds' HTTP → HTTPS redirection followed.
//! The clients are Debian's `curl` and `nghttp2-client` (CI installs them).

#[path = "tls/support.rs"]
#[allow(dead_code)]
mod support;

use std::process::{Command, Output};

use crate::support::{Gw, backend, ca, cert_files};

const HOST: &str = "app.test";

/// Runs a client; panics with an installation hint when it is missing.
fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{program}` ({e}): install Debian's curl and nghttp2-client")
        })
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The gateway with `web` (redirecting to `websecure`) and `websecure`, one TLS router for
/// HOST to a whoami backend, with TLS option `options` (YAML under `tls.options`).
async fn gateway(options: &str, router_tls: &str) -> (Gw, whoami::Server, std::path::PathBuf) {
    let app = backend("app").await;
    let dir = Gw::dir();
    let (crt, key, _) = cert_files(&dir, "app", &[HOST]);
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    http:\n      redirections:\n        entryPoint:\n          to: websecure\n  websecure:\n    address: 127.0.0.1:0\n";
    let dynamic = format!(
        "tls:\n  certificates:\n    - {{certFile: \"{crt}\", keyFile: \"{key}\"}}\n  options:\n{options}http:\n  routers:\n    app:\n      rule: Host(`{HOST}`)\n      entryPoints: [websecure]\n      service: app\n      tls: {router_tls}\n  services:\n    app:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        app.url()
    );
    let gw = Gw::start_in_dir(dir.clone(), st, &dynamic);
    (gw, app, dir)
}

fn resolve(gw: &Gw, ep: &str) -> (String, String) {
    let port = gw.addrs[ep].port();
    (format!("{HOST}:{port}:127.0.0.1"), format!("{HOST}:{port}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn curl_and_nghttp_negotiate_http2() {
    let (gw, _app, _) = gateway("    default: {}\n", "{}").await;
    let (res, authority) = resolve(&gw, "websecure");
    let url = format!("https://{authority}/");
    let out = run(
        "curl",
        &[
            "-sk",
            "--http2",
            "--resolve",
            &res,
            "-w",
            "\n%{http_version} %{http_code}",
            &url,
        ],
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("\n2 200"), "HTTP/2 over TLS: {t}");
    assert!(t.contains("app"), "answered by the backend: {t}");

    // nghttp cannot be told an address for a name: it connects to 127.0.0.1 and sends
    // HOST as :authority and SNI-less; the router matches on :authority.
    let port = gw.addrs["websecure"].port();
    let out = run(
        "nghttp",
        &[
            "-nv",
            "-H",
            &format!(":authority: {authority}"),
            &format!("https://127.0.0.1:{port}/"),
        ],
    );
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(t.contains("The negotiated protocol: h2"), "{t}");
    assert!(t.contains(":status: 200"), "{t}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls12_is_refused_under_min_version_tls13() {
    let (gw, _app, _) = gateway(
        "    modern:\n      minVersion: VersionTLS13\n",
        "{options: modern}",
    )
    .await;
    let (res, authority) = resolve(&gw, "websecure");
    let url = format!("https://{authority}/");
    let old = run(
        "curl",
        &[
            "-sk",
            "--tlsv1.2",
            "--tls-max",
            "1.2",
            "--resolve",
            &res,
            &url,
        ],
    );
    assert!(
        !old.status.success(),
        "TLS 1.2 must be refused: {}",
        text(&old)
    );
    assert_eq!(
        old.status.code(),
        Some(35),
        "a handshake failure: {}",
        text(&old)
    );
    let new = run(
        "curl",
        &[
            "-sk",
            "--tlsv1.3",
            "--resolve",
            &res,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &url,
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&new.stdout),
        "200",
        "{}",
        text(&new)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn curl_needs_a_client_certificate_signed_by_the_ca() {
    let (ca_pem, issuer) = ca();
    let dir = Gw::dir();
    let ca_file = dir.join("client-ca.crt");
    std::fs::write(&ca_file, ca_pem).expect("write CA");
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["client.test".to_string()]).expect("p");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &issuer).expect("sign");
    let (crt_file, key_file) = (dir.join("client.crt"), dir.join("client.key"));
    std::fs::write(&crt_file, cert.pem()).expect("write");
    std::fs::write(&key_file, key.serialize_pem()).expect("write");
    let options = format!(
        "    mtls:\n      clientAuth:\n        caFiles: [\"{}\"]\n        clientAuthType: RequireAndVerifyClientCert\n",
        ca_file.display()
    );
    let (gw, _app, _) = gateway(&options, "{options: mtls}").await;
    let (res, authority) = resolve(&gw, "websecure");
    let url = format!("https://{authority}/");
    let code = |extra: &[&str]| {
        let mut args = vec![
            "-sk",
            "--resolve",
            &res,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
        ];
        args.extend_from_slice(extra);
        args.push(&url);
        let out = run("curl", &args);
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            text(&out),
        )
    };
    let (without, t) = code(&[]);
    assert_ne!(without, "200", "no client certificate: {t}");
    let (crt, key) = (
        crt_file.display().to_string(),
        key_file.display().to_string(),
    );
    let (with, t) = code(&["--cert", &crt, "--key", &key]);
    assert_eq!(with, "200", "{t}");
}

#[tokio::test(flavor = "multi_thread")]
async fn http_is_redirected_to_https_and_curl_follows() {
    let (gw, _app, _) = gateway("    default: {}\n", "{}").await;
    let (res_web, web) = resolve(&gw, "web");
    let (res_tls, websecure) = resolve(&gw, "websecure");
    let out = run(
        "curl",
        &[
            "-s",
            "--resolve",
            &res_web,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            &format!("http://{web}/x?y=1"),
        ],
    );
    let t = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        t,
        format!("301 https://{websecure}/x?y=1"),
        "{}",
        text(&out)
    );
    let out = run(
        "curl",
        &[
            "-skL",
            "--resolve",
            &res_web,
            "--resolve",
            &res_tls,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{scheme}",
            &format!("http://{web}/"),
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "200 HTTPS",
        "{}",
        text(&out)
    );
}
