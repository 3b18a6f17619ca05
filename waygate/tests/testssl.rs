//! testssl.sh against the gateway's TLS termination with the default TLS options: the real
//! binary on a loopback port, a certificate from a test CA, and the verdict "no finding above
//! LOW" read from testssl's JSON report.
//!
//! The deployment is what a production TLS router looks like, so that what testssl judges is
//! the TLS stack: the leaf for `localhost` and 127.0.0.1 comes from a CA handed to testssl
//! with `--add-ca` (chain of trust checked, not excused), it is valid for 90 days (no expiry
//! finding), and the router sets HSTS and two security headers with Traefik's `headers`
//! middleware (else testssl rates the backend's missing headers: `security_headers` MEDIUM,
//! `HSTS` LOW). Only findings inherently about the test certificate's revocation are excluded.
//!
//! Needs testssl.sh (Debian: `apt-get install testssl.sh`); a full run takes about a minute.

#[path = "dataplane/support.rs"]
#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use serde_json::Value;

use crate::support::{Gw, backend};

/// Severities that fail the test. `FATAL` is testssl's `scanProblem`: no verdict at all.
const FAILING: &[&str] = &["MEDIUM", "HIGH", "CRITICAL", "FATAL"];

/// Finding ids left out of the verdict, each with why it says nothing about the TLS stack.
const EXCLUDED: &[(&str, &str)] = &[(
    "cert_revocation",
    // "Neither CRL nor OCSP URI provided" (HIGH): revocation is published by the CA that
    // issued the certificate; the test CA has no CRL or OCSP responder to name.
    "the test CA publishes no CRL or OCSP responder",
)];

/// Ids that a completed scan reports: without them, an empty or truncated report would pass.
const EXPECTED: &[&str] = &[
    "TLS1_2",
    "TLS1_3",
    "cipher_order",
    "cert_chain_of_trust",
    "heartbleed",
    "ROBOT",
    "scanTime",
];

/// Longest a scan may take before it is killed (a full run takes about a minute).
const PATIENCE: Duration = Duration::from_secs(360);

#[tokio::test(flavor = "multi_thread")]
async fn default_tls_options_have_no_testssl_finding_above_low() {
    let testssl = find_testssl().expect(
        "testssl.sh not found in PATH (as `testssl` or `testssl.sh`): install testssl.sh (apt)",
    );
    let app = backend("app").await;
    let dir = Gw::dir();
    let ca = pki(&dir);
    let dynamic = format!(
        r#"
tls:
  certificates:
    - certFile: "{}"
      keyFile: "{}"
http:
  routers:
    app:
      rule: PathPrefix(`/`)
      service: app
      middlewares: [secure-headers]
      tls: {{}}
  middlewares:
    secure-headers:
      headers:
        stsSeconds: 31536000
        contentTypeNosniff: true
        frameDeny: true
  services:
    app:
      loadBalancer:
        servers: [{{url: "{}"}}]
"#,
        dir.join("localhost.crt").display(),
        dir.join("localhost.key").display(),
        app.url()
    );
    let gw = Gw::start_in_dir(
        dir,
        "entryPoints:\n  websecure:\n    address: 127.0.0.1:0\n",
        &dynamic,
    );
    let port = gw.addrs["websecure"].port();
    let json = gw.dir.join("testssl.json");
    let text = gw.dir.join("testssl.txt");

    let started = Instant::now();
    let scan = {
        let (json, text) = (json.clone(), text.clone());
        tokio::task::spawn_blocking(move || run_testssl(&testssl, &ca, port, &json, &text))
    };
    let status = scan.await.expect("testssl task");
    let report = std::fs::read_to_string(&text).unwrap_or_default();
    eprintln!(
        "testssl.sh ({status}) took {:?}:\n{report}",
        started.elapsed()
    );

    let findings: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(&json).unwrap_or_else(|e| panic!("no JSON report: {e}")),
    )
    .expect("testssl JSON report");
    let id = |f: &Value| {
        // Several certificates would add " <hostCert#N>" to the certificate ids.
        let id = f["id"].as_str().unwrap_or_default();
        id.split_whitespace().next().unwrap_or_default().to_string()
    };
    let missing: Vec<_> = EXPECTED
        .iter()
        .filter(|e| !findings.iter().any(|f| id(f) == **e))
        .collect();
    assert!(missing.is_empty(), "incomplete scan, missing {missing:?}");

    let warnings: Vec<String> = findings
        .iter()
        .filter(|f| f["severity"] == "WARN")
        .map(|f| format!("{} {}", id(f), text_of(&f["finding"])))
        .collect();
    if !warnings.is_empty() {
        // A check testssl could not perform (e.g. its racy TLS 1.3 ticket resumption probe).
        eprintln!("testssl.sh could not perform: {warnings:#?}");
    }
    for f in &findings {
        if let Some((_, why)) = EXCLUDED.iter().find(|(e, _)| id(f) == *e) {
            eprintln!("excluded {} ({}): {why}", id(f), text_of(&f["severity"]));
        }
    }
    let offending: Vec<String> = findings
        .iter()
        .filter(|f| FAILING.iter().any(|s| f["severity"] == *s))
        .filter(|f| !EXCLUDED.iter().any(|(e, _)| id(f) == *e))
        .map(|f| {
            let (severity, finding) = (text_of(&f["severity"]), text_of(&f["finding"]));
            format!("{} ({severity}): {finding}", id(f))
        })
        .collect();
    assert!(
        offending.is_empty(),
        "testssl.sh findings above LOW with the default TLS options:\n  {}",
        offending.join("\n  ")
    );
}

fn text_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// `testssl` (Debian's name) or `testssl.sh` (upstream's), from `PATH`.
fn find_testssl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| [d.join("testssl"), d.join("testssl.sh")])
        .find(|p| p.is_file())
}

/// A full default scan of `localhost:port` (SNI `localhost`, connecting to 127.0.0.1, no DNS
/// lookups), trusting `ca`; killed after [`PATIENCE`].
fn run_testssl(
    testssl: &Path,
    ca: &Path,
    port: u16,
    json: &Path,
    text: &Path,
) -> std::process::ExitStatus {
    let out = std::fs::File::create(text).expect("report file");
    let mut child = Command::new(testssl)
        .args(["--quiet", "--warnings", "batch", "--color", "0"])
        .args(["--ip", "127.0.0.1", "--nodns", "none"])
        .arg("--add-ca")
        .arg(ca)
        .arg("--jsonfile")
        .arg(json)
        .arg(format!("localhost:{port}"))
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("report file"))
        .stderr(out)
        .spawn()
        .expect("spawn testssl.sh");
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().expect("wait testssl.sh") {
            // testssl's exit status counts its own warnings: the JSON report is the verdict.
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let report = std::fs::read_to_string(text).unwrap_or_default();
            panic!("testssl.sh did not finish within {PATIENCE:?}:\n{report}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A test CA and a leaf for `localhost` and 127.0.0.1 it signed, both ECDSA P-256 and valid
/// from yesterday for 90 days; writes `localhost.crt`/`.key` and returns the CA's PEM file.
fn pki(dir: &Path) -> PathBuf {
    let now = rcgen::date_time_ymd(1970, 1, 1)
        + SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970");
    let day = Duration::from_secs(24 * 60 * 60);
    let (not_before, not_after) = (now - day, now + 90 * day);

    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.distinguished_name
        .push(DnType::CommonName, "waygate testssl CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    (ca.not_before, ca.not_after) = (not_before, not_after);
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().expect("leaf key");
    let mut leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("leaf params");
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    (leaf.not_before, leaf.not_after) = (not_before, not_after);
    let cert = leaf.signed_by(&key, &issuer).expect("leaf certificate");

    let ca_file = dir.join("ca.crt");
    std::fs::write(&ca_file, ca_cert.pem()).expect("write CA");
    std::fs::write(dir.join("localhost.crt"), cert.pem()).expect("write certificate");
    std::fs::write(dir.join("localhost.key"), key.serialize_pem()).expect("write key");
    ca_file
}
