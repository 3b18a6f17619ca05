//! Pebble, Let's Encrypt's test ACME server (Debian package `pebble`), started per test on
//! free loopback ports with its own configuration and a listener certificate made here, and
//! `pebble-challtestsrv` as its DNS server (every A query → 127.0.0.1) unless the test
//! brings a real DNS server (Knot) instead. Both are killed on drop.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

/// A free TCP port on 127.0.0.1 (bound, then released).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A free UDP+TCP port pair number on 127.0.0.1.
fn free_udp_port() -> u16 {
    loop {
        let port = free_port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

pub(crate) struct Pebble {
    children: Vec<Child>,
    /// The ACME directory URL.
    pub(crate) directory: String,
    /// The CA that signed Pebble's listener certificate (for `caCertificates`).
    pub(crate) listener_ca: PathBuf,
    management: SocketAddr,
    logs: Arc<Mutex<Vec<String>>>,
}

/// What a Pebble instance validates against.
pub(crate) struct PebbleSetup<'a> {
    /// Port Pebble connects to for HTTP-01 (the gateway's HTTP entry point).
    pub(crate) http_port: u16,
    /// Port Pebble connects to for TLS-ALPN-01 (the gateway's TLS entry point).
    pub(crate) tls_port: u16,
    /// A DNS server to use instead of pebble-challtestsrv.
    pub(crate) dns: Option<SocketAddr>,
    /// External account binding: (kid, base64url HMAC key) required by the CA.
    pub(crate) eab: Option<(&'a str, &'a str)>,
}

impl Pebble {
    /// Pebble with a listener certificate signed by a throwaway CA (`listener_ca`).
    pub(crate) fn start(dir: &Path, setup: &PebbleSetup<'_>) -> Pebble {
        Self::start_with(dir, setup, false)
    }

    /// Pebble whose listener certificate is self-signed and says CA:TRUE, as test ACME
    /// servers' often do; `listener_ca` is that certificate itself.
    pub(crate) fn start_self_signed(dir: &Path, setup: &PebbleSetup<'_>) -> Pebble {
        Self::start_with(dir, setup, true)
    }

    fn start_with(dir: &Path, setup: &PebbleSetup<'_>, self_signed: bool) -> Pebble {
        for tool in ["pebble", "pebble-challtestsrv"] {
            let found = Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(
                found,
                "`{tool}` is missing: install the Debian package `pebble`"
            );
        }
        let listener_ca = dir.join("pebble-listener-ca.pem");
        let key = KeyPair::generate().expect("key");
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).expect("params");
        let cert = if self_signed {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            let cert = params.self_signed(&key).expect("listener cert");
            std::fs::write(&listener_ca, cert.pem()).expect("write CA");
            cert
        } else {
            let (ca_pem, issuer) = ca();
            std::fs::write(&listener_ca, ca_pem).expect("write CA");
            params.signed_by(&key, &issuer).expect("listener cert")
        };
        std::fs::write(dir.join("pebble-cert.pem"), cert.pem()).expect("write cert");
        std::fs::write(dir.join("pebble-key.pem"), key.serialize_pem()).expect("write key");

        let mut children = Vec::new();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let dns = match setup.dns {
            Some(dns) => dns,
            None => {
                let port = free_udp_port();
                let child = Command::new("pebble-challtestsrv")
                    .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
                    .args(["-dns01", &format!("127.0.0.1:{port}")])
                    .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
                    .args(["-management", &format!("127.0.0.1:{}", free_port())])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("start pebble-challtestsrv");
                children.push(child);
                format!("127.0.0.1:{port}").parse().expect("addr")
            }
        };
        let listen: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
        let management: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
        let eab = match setup.eab {
            Some((kid, key)) => format!(
                r#", "externalAccountBindingRequired": true, "externalAccountMACKeys": {{ "{kid}": "{key}" }}"#
            ),
            None => String::new(),
        };
        let config = format!(
            r#"{{ "pebble": {{ "listenAddress": "{listen}", "managementListenAddress": "{management}",
              "certificate": "{dir}/pebble-cert.pem", "privateKey": "{dir}/pebble-key.pem",
              "httpPort": {http}, "tlsPort": {tls}, "ocspResponderURL": ""{eab} }} }}"#,
            dir = dir.display(),
            http = setup.http_port,
            tls = setup.tls_port,
        );
        let config_file = dir.join("pebble-config.json");
        std::fs::write(&config_file, config).expect("write pebble config");
        let mut child = Command::new("pebble")
            .arg("-config")
            .arg(&config_file)
            .args(["-dnsserver", &dns.to_string()])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env("PEBBLE_AUTHZREUSE", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start pebble");
        for out in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let sink = logs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    sink.lock().expect("logs").push(line);
                }
            });
        }
        children.push(child);
        let pebble = Pebble {
            children,
            directory: format!("https://{listen}/dir"),
            listener_ca,
            management,
            logs,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(listen).is_err() || TcpStream::connect(management).is_err() {
            assert!(
                Instant::now() < deadline,
                "pebble did not start:\n{}",
                pebble.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        pebble
    }

    pub(crate) fn logs(&self) -> String {
        self.logs.lock().expect("logs").join("\n")
    }

    /// How many certificates Pebble has issued (it logs one line per issuance).
    pub(crate) fn issued(&self) -> usize {
        self.logs
            .lock()
            .expect("logs")
            .iter()
            .filter(|l| l.contains("Issued certificate serial"))
            .count()
    }

    /// The root of the chains Pebble issues (from its management interface).
    pub(crate) async fn root_pem(&self) -> String {
        let body = https_get(self.management, &self.listener_ca, "/roots/0").await;
        assert!(body.contains("BEGIN CERTIFICATE"), "no root: {body}");
        body
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A throwaway CA.
fn ca() -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "pebble listener test CA");
    let cert = params.self_signed(&key).expect("CA");
    (cert.pem(), Issuer::new(params, key))
}

/// GET over HTTPS (HTTP/1.0, whole body), trusting only `ca` (as the gateway does: a
/// listener certificate that is `ca` itself is trusted too).
async fn https_get(addr: SocketAddr, ca: &Path, path: &str) -> String {
    use rustls::pki_types::pem::PemObject;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let mut listed = Vec::new();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(ca).expect("ca") {
        let c = c.expect("pem");
        roots.add(c.clone()).expect("root");
        listed.push(c);
    }
    let verifier =
        waygate_proxy::tls::TrustedVerifier::new(Arc::new(roots), listed, provider.clone())
            .expect("verifier");
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    let mut tls = connector.connect(name, tcp).await.expect("TLS to pebble");
    let req = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    tls.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or(text)
}
