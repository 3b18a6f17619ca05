//! HTTP-01, TLS-ALPN-01, restart, storage permissions, renewal and backoff against Pebble.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::pebble::{Pebble, PebbleSetup, free_port};
use crate::support::{Client, common_name, get, peer_cert};
use crate::{HOST, Scene, acme_yaml, count, storage, wait_issued, wait_log};

const HTTP_CHALLENGE: &str = "      httpChallenge:\n        entryPoint: web\n";
/// The seeds' redirection: the challenge router must still win on `web`.
const REDIRECT: &str = "    http:\n      redirections:\n        entryPoint:\n          to: websecure\n          scheme: https\n";

#[tokio::test(flavor = "multi_thread")]
async fn http01_issues_a_certificate_and_a_restart_reuses_it() {
    let scene = Scene::new().await;
    let dir = scene.dir.clone();
    let pebble = Pebble::start(&dir, &scene.setup());
    let resolver = acme_yaml(&pebble, &dir, HTTP_CHALLENGE);
    let dynamic = scene.dynamic("");
    let gw = scene.gateway(REDIRECT, &resolver, &dynamic);
    let cert = wait_issued(&gw, &pebble, HOST, Duration::from_secs(60)).await;
    assert_eq!(pebble.issued(), 1, "{}", pebble.logs());

    // The certificate serves real traffic, and the rest of `web` still redirects.
    let tls = Client::default()
        .connect(gw.addrs["websecure"], HOST)
        .await
        .expect("TLS");
    assert_eq!(peer_cert(&tls), cert);
    let resp = get(tls, HOST).await.expect("GET over TLS");
    assert_eq!((resp.status, resp.backend.as_deref()), (200, Some("app")));
    let plain = crate::support::get_plain(gw.addrs["web"], HOST).await;
    assert_eq!(plain.status, 301, "web still redirects to websecure");

    // acme.json: Traefik's layout, 0600.
    let (json, mode) = storage(&dir);
    assert_eq!(mode, 0o600);
    assert_eq!(json["le"]["Certificates"][0]["domain"]["main"], HOST);
    assert_eq!(json["le"]["Certificates"][0]["Store"], "default");
    assert_eq!(json["le"]["Account"]["Email"], "ops@waygate.test");
    let uri = json["le"]["Account"]["Registration"]["uri"]
        .as_str()
        .unwrap_or("");
    assert!(uri.starts_with("https://127.0.0.1:"), "{uri}");

    // Restart: the stored certificate is served at once, and nothing is ordered.
    gw.kill_keep_dir();
    let gw = scene.gateway(REDIRECT, &resolver, &dynamic);
    let again = wait_issued(&gw, &pebble, HOST, Duration::from_secs(5)).await;
    assert_eq!(
        again, cert,
        "the stored certificate is served after a restart"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        count(&gw.logs(), "ordering a certificate"),
        0,
        "{}",
        gw.logs()
    );
    assert_eq!(pebble.issued(), 1, "no new order after the restart");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_alpn01_with_external_account_binding() {
    let scene = Scene::new().await;
    let dir = scene.dir.clone();
    // Pebble's documented example key (base64url).
    let (kid, hmac) = (
        "kid-1",
        "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W",
    );
    let pebble = Pebble::start(
        &dir,
        &PebbleSetup {
            eab: Some((kid, hmac)),
            ..scene.setup()
        },
    );
    let challenge = format!(
        "      tlsChallenge: {{}}\n      eab:\n        kid: {kid}\n        hmacEncoded: {hmac}\n"
    );
    let gw = scene.gateway(
        "",
        &acme_yaml(&pebble, &dir, &challenge),
        &scene.dynamic(""),
    );
    wait_issued(&gw, &pebble, HOST, Duration::from_secs(60)).await;
    let tls = Client::default()
        .connect(gw.addrs["websecure"], HOST)
        .await
        .expect("TLS");
    let resp = get(tls, HOST).await.expect("GET over TLS");
    assert_eq!(resp.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_too_open_storage_file_is_refused_with_the_fix() {
    let scene = Scene::new().await;
    let dir = scene.dir.clone();
    let path = dir.join("acme.json");
    std::fs::write(&path, "{}").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    // No CA is reachable: the resolver must stop at the storage check anyway.
    let resolver = format!(
        "      caServer: https://127.0.0.1:1/dir\n      storage: {}\n{HTTP_CHALLENGE}",
        path.display()
    );
    let gw = scene.gateway("", &resolver, &scene.dynamic(""));
    wait_log(
        &gw,
        "permissions 0644 are too open, please use 600 (chmod 600",
        Duration::from_secs(5),
    );
    let logs = gw.logs();
    assert!(
        logs.contains(&path.display().to_string()),
        "names the file:\n{logs}"
    );
    // The gateway keeps serving, with the default certificate, and the file is untouched.
    let tls = Client::default()
        .connect(gw.addrs["websecure"], HOST)
        .await
        .expect("TLS");
    assert_eq!(common_name(&peer_cert(&tls)), "WAYGATE DEFAULT CERT");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "{}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_inside_its_renewal_window_is_renewed() {
    let scene = Scene::new().await;
    let dir = scene.dir.clone();
    let pebble = Pebble::start(&dir, &scene.setup());
    // Stored certificates that expire in 2 days: with the default certificatesDuration (90
    // days) the renewal window is 30 days, so both are due. Only HOST has a router.
    let expiring = |name: &str| {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "old certificate");
        let now = std::time::SystemTime::now();
        params.not_before = (now - Duration::from_secs(86_400)).into();
        params.not_after = (now + Duration::from_secs(2 * 86_400)).into();
        let cert = params.self_signed(&key).expect("cert");
        (cert.pem(), key.serialize_pem())
    };
    let b64 = |s: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    let (old, old_key) = expiring(HOST);
    let (unused, unused_key) = expiring("unused.waygate.test");
    let stored = serde_json::json!({ "le": { "Account": null, "Certificates": [
        { "domain": { "main": HOST }, "certificate": b64(&old), "key": b64(&old_key),
          "Store": "default" },
        { "domain": { "main": "unused.waygate.test" }, "certificate": b64(&unused),
          "key": b64(&unused_key), "Store": "default" } ] } });
    let path = dir.join("acme.json");
    std::fs::write(&path, stored.to_string()).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");

    let resolver = acme_yaml(&pebble, &dir, HTTP_CHALLENGE);
    let gw = scene.gateway("", &resolver, &scene.dynamic(""));
    let renewed = wait_issued(&gw, &pebble, HOST, Duration::from_secs(60)).await;
    assert_ne!(common_name(&renewed), "old certificate");
    assert!(gw.logs().contains("renewing=true"), "{}", gw.logs());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        pebble.issued(),
        1,
        "the certificate no router uses is not renewed"
    );
    let (json, _) = storage(&dir);
    let certs = json["le"]["Certificates"].as_array().expect("certificates");
    assert_eq!(
        certs.len(),
        2,
        "the renewed certificate replaces the old one"
    );
    assert_eq!(certs[0]["domain"]["main"], HOST);
    assert_ne!(certs[0]["certificate"], b64(&old));
    assert_eq!(
        certs[1]["certificate"],
        b64(&unused),
        "still stored, not renewed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_domain_backs_off_instead_of_retrying() {
    let scene = Scene::new().await;
    let dir = scene.dir.clone();
    // Pebble validates HTTP-01 on a port where nothing listens: every order fails.
    let pebble = Pebble::start(
        &dir,
        &PebbleSetup {
            http_port: free_port(),
            ..scene.setup()
        },
    );
    let resolver = acme_yaml(&pebble, &dir, HTTP_CHALLENGE);
    let gw = scene.gateway("", &resolver, &scene.dynamic(""));
    wait_log(&gw, "cannot obtain a certificate", Duration::from_secs(60));
    let logs = gw.logs();
    assert!(logs.contains("next_attempt_in=60s"), "{logs}");
    assert!(logs.contains(HOST), "the error names the domain:\n{logs}");
    // Configuration changes do not bypass the backoff.
    gw.write_dynamic(&scene.dynamic("        options: default\n"));
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        count(&gw.logs(), "ordering a certificate"),
        1,
        "{}",
        gw.logs()
    );
    assert_eq!(pebble.issued(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_default_generated_certificate_comes_from_acme() {
    let scene = Scene::new().await;
    let dir = scene.dir.clone();
    let pebble = Pebble::start(&dir, &scene.setup());
    let resolver = acme_yaml(&pebble, &dir, HTTP_CHALLENGE);
    let dynamic = format!(
        "{}tls:\n  stores:\n    default:\n      defaultGeneratedCert:\n        resolver: le\n        domain:\n          main: default.waygate.test\n",
        scene.dynamic("")
    );
    let gw = scene.gateway("", &resolver, &dynamic);
    wait_issued(
        &gw,
        &pebble,
        "default.waygate.test",
        Duration::from_secs(60),
    )
    .await;
    // A name no certificate covers gets the default: now the one Pebble issued.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let tls = Client::default()
            .connect(gw.addrs["websecure"], "unknown.example")
            .await
            .expect("TLS");
        let cert = peer_cert(&tls);
        let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).expect("x509");
        let sans: Vec<String> = parsed
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|s| {
                s.value
                    .general_names
                    .iter()
                    .map(|n| n.to_string())
                    .collect()
            })
            .unwrap_or_default();
        if sans.iter().any(|n| n.contains("default.waygate.test")) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "default certificate is still {sans:?} / {}",
            common_name(&cert)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_signed_ca_server_certificate_is_trusted_when_listed() {
    let scene = Scene::new().await;
    let dir = scene.dir.clone();
    let pebble = Pebble::start_self_signed(&dir, &scene.setup());
    let dynamic = scene.dynamic("");

    // Not listed: the error names the request and rustls' reason, not "client error (Connect)".
    let other = dir.join("other-ca.pem");
    let (other_pem, _) = crate::support::ca();
    std::fs::write(&other, other_pem).expect("write");
    let wrong = acme_yaml(&pebble, &dir, HTTP_CHALLENGE).replace(
        &pebble.listener_ca.display().to_string(),
        &other.display().to_string(),
    );
    let gw = scene.gateway("", &wrong, &dynamic);
    let reason = format!(
        "{}: client error (Connect): invalid peer certificate: CaUsedAsEndEntity",
        pebble.directory
    );
    wait_log(&gw, &reason, Duration::from_secs(20));
    gw.kill_keep_dir();

    // Listed in caCertificates: trusted as Go trusts a certificate in its pool.
    let resolver = acme_yaml(&pebble, &dir, HTTP_CHALLENGE);
    let gw = scene.gateway("", &resolver, &dynamic);
    wait_issued(&gw, &pebble, HOST, Duration::from_secs(60)).await;
    assert_eq!(pebble.issued(), 1, "{}", pebble.logs());
}
