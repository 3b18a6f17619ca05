//! ACME end to end, through the real binary against a real ACME server: Pebble (Debian's
//! `pebble`), started per test on free loopback ports. Certificates are checked by a client
//! that trusts only Pebble's root, so a passing handshake proves a chain Pebble issued.
//!
//! Covered: HTTP-01 (with the seeds' HTTP→HTTPS redirection on the same entry point),
//! TLS-ALPN-01 with External Account Binding, DNS-01 through rfc2136 against a real Knot,
//! restart without a new order, a too-open `acme.json` refused, renewal inside the window,
//! the per-domain backoff, and a self-signed CA:TRUE Pebble listener trusted when listed in
//! `caCertificates` (with the TLS reason in the error when it is not).

#[path = "../tls/support.rs"]
#[allow(dead_code)]
mod support;

#[allow(dead_code)]
mod pebble;

mod dns;
mod flows;
mod tcp;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use crate::pebble::{Pebble, PebbleSetup, free_port};
use crate::support::{Gw, backend};

/// The name routers ask certificates for (Pebble's DNS answers 127.0.0.1 for it).
pub(crate) const HOST: &str = "app.waygate.test";

/// What every ACME test starts from: a backend, two free ports for the gateway's `web` and
/// `websecure` (Pebble validates there), and a directory for the gateway's files.
pub(crate) struct Scene {
    pub(crate) app: whoami::Server,
    pub(crate) web: u16,
    pub(crate) websecure: u16,
    pub(crate) dir: PathBuf,
}

impl Scene {
    pub(crate) async fn new() -> Scene {
        Scene {
            app: backend("app").await,
            web: free_port(),
            websecure: free_port(),
            dir: Gw::dir(),
        }
    }

    /// Pebble validating HTTP-01 on `web` and TLS-ALPN-01 on `websecure`, with
    /// pebble-challtestsrv as its DNS.
    pub(crate) fn setup(&self) -> PebbleSetup<'static> {
        PebbleSetup {
            http_port: self.web,
            tls_port: self.websecure,
            dns: None,
            eab: None,
        }
    }

    /// The router for HOST to the backend, with `extra_tls` under its `tls`.
    pub(crate) fn dynamic(&self, extra_tls: &str) -> String {
        dynamic_cfg(&format!("Host(`{HOST}`)"), &self.app.url(), extra_tls)
    }

    /// Starts the gateway with `resolver` as the `le` resolver's settings.
    pub(crate) fn gateway(&self, web_extra: &str, resolver: &str, dynamic: &str) -> Gw {
        self.gateway_env(web_extra, resolver, dynamic, &[])
    }

    pub(crate) fn gateway_env(
        &self,
        web_extra: &str,
        resolver: &str,
        dynamic: &str,
        env: &[(&str, &str)],
    ) -> Gw {
        let st = static_cfg(self.web, self.websecure, web_extra, resolver);
        Gw::start_in_dir_env(self.dir.clone(), &st, dynamic, env)
    }
}

/// The static configuration: `web` and `websecure` on fixed ports (Pebble validates there)
/// and the resolver `le` with `resolver` appended under `acme:`.
pub(crate) fn static_cfg(web: u16, websecure: u16, web_extra: &str, resolver: &str) -> String {
    format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:{web}\n{web_extra}  websecure:\n    address: 127.0.0.1:{websecure}\ncertificatesResolvers:\n  le:\n    acme:\n{resolver}"
    )
}

/// The resolver's settings against `pebble`, storing into `dir/acme.json`.
pub(crate) fn acme_yaml(pebble: &Pebble, dir: &Path, challenge: &str) -> String {
    format!(
        "      email: ops@waygate.test\n      caServer: {}\n      caCertificates: [{}]\n      storage: {}/acme.json\n      keyType: EC256\n{challenge}",
        pebble.directory,
        pebble.listener_ca.display(),
        dir.display()
    )
}

/// A router for `rule` on `websecure` with `certResolver: le`, to `backend`.
pub(crate) fn dynamic_cfg(rule: &str, backend: &str, extra_tls: &str) -> String {
    format!(
        "http:\n  routers:\n    app:\n      rule: \"{rule}\"\n      entryPoints: [websecure]\n      service: app\n      tls:\n        certResolver: le\n{extra_tls}  services:\n    app:\n      loadBalancer:\n        servers: [{{url: \"{backend}\"}}]\n"
    )
}

/// Handshakes with `sni`, trusting only `root_pem`: the leaf on success.
pub(crate) async fn verified(
    addr: SocketAddr,
    sni: &str,
    root_pem: &str,
) -> Result<CertificateDer<'static>, String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(root_pem.as_bytes()) {
        roots
            .add(c.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let name = ServerName::try_from(sni.to_string()).map_err(|e| e.to_string())?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    Ok(support::peer_cert(&tls))
}

/// Waits until the gateway serves, for `sni`, a certificate that chains to `root_pem`.
pub(crate) async fn wait_issued(
    gw: &Gw,
    pebble: &Pebble,
    sni: &str,
    within: Duration,
) -> CertificateDer<'static> {
    let root = pebble.root_pem().await;
    let addr = gw.addrs["websecure"];
    let deadline = Instant::now() + within;
    loop {
        match verified(addr, sni, &root).await {
            Ok(cert) => return cert,
            Err(e) if Instant::now() > deadline => panic!(
                "no certificate from Pebble for {sni} within {within:?} (last: {e})\n--- gateway:\n{}\n--- pebble:\n{}",
                gw.logs(),
                pebble.logs()
            ),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// The parsed `acme.json` and its permission bits.
pub(crate) fn storage(dir: &Path) -> (serde_json::Value, u32) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("acme.json");
    let mode = std::fs::metadata(&path)
        .expect("acme.json exists")
        .permissions()
        .mode()
        & 0o777;
    let text = std::fs::read_to_string(&path).expect("read acme.json");
    (
        serde_json::from_str(&text).expect("acme.json is JSON"),
        mode,
    )
}

/// How many log lines contain `needle`.
pub(crate) fn count(logs: &str, needle: &str) -> usize {
    logs.lines().filter(|l| l.contains(needle)).count()
}

/// Waits until a gateway log line contains `needle`.
pub(crate) fn wait_log(gw: &Gw, needle: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while !gw.logs().contains(needle) {
        assert!(
            Instant::now() < deadline,
            "no `{needle}` within {within:?}:\n{}",
            gw.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
