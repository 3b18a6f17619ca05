//! Backend TLS settings → client configuration, and handshakes against a local server.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::net::{TcpListener, TcpStream};

use super::{Connector, TlsSettings, versions};

#[test]
fn versions_follow_go_names() {
    assert_eq!(versions("", "").map(|v| v.len()), Ok(2));
    assert_eq!(versions("VersionTLS13", "").map(|v| v.len()), Ok(1));
    assert_eq!(
        versions("VersionTLS10", "VersionTLS12").map(|v| v.len()),
        Ok(1)
    );
    assert!(versions("", "VersionTLS11").is_err());
    assert!(versions("VersionTLS13", "VersionTLS12").is_err());
    assert!(versions("TLS1.2", "").is_err());
}

#[test]
fn config_offers_h2_unless_disabled() {
    let empty = || Arc::new(RootCertStore::empty());
    let cfg = TlsSettings::default().client_config(empty);
    assert_eq!(
        cfg.map(|c| c.alpn_protocols.clone()),
        Ok(vec![b"h2".to_vec(), b"http/1.1".to_vec()])
    );
    let off = TlsSettings {
        disable_http2: true,
        ..TlsSettings::default()
    };
    assert_eq!(
        off.client_config(empty).map(|c| c.alpn_protocols.clone()),
        Ok(vec![b"http/1.1".to_vec()])
    );
}

#[test]
fn bad_settings_are_named() {
    let err = |s: TlsSettings| {
        s.client_config(|| Arc::new(RootCertStore::empty()))
            .err()
            .unwrap_or_default()
    };
    assert!(
        err(TlsSettings {
            root_cas: vec!["/nonexistent/ca.pem".into()],
            ..TlsSettings::default()
        })
        .starts_with("rootCAs:")
    );
    assert!(
        err(TlsSettings {
            cipher_suites: vec!["TLS_RSA_WITH_RC4_128_SHA".into()],
            ..TlsSettings::default()
        })
        .starts_with("cipherSuites:")
    );
    assert!(
        err(TlsSettings {
            certificates: vec![("/nonexistent/c.pem".into(), "/nonexistent/k.pem".into())],
            ..TlsSettings::default()
        })
        .starts_with("certificates:")
    );
}

#[test]
fn server_name_defaults_to_host() {
    let cfg = TlsSettings::default()
        .client_config(|| Arc::new(RootCertStore::empty()))
        .expect("config");
    let c = Connector::new(cfg.clone(), &TlsSettings::default(), "[::1]").expect("ip");
    assert!(matches!(c.server_name, ServerName::IpAddress(_)));
    let named = TlsSettings {
        server_name: "api.internal".into(),
        ..TlsSettings::default()
    };
    let c = Connector::new(cfg, &named, "10.0.0.1").expect("name");
    assert_eq!(c.server_name.to_str(), "api.internal");
}

/// A TLS server on 127.0.0.1 with a self-signed certificate for `backend.test`, offering
/// `alpn`; returns its address and the certificate PEM.
async fn server(alpn: &[&str]) -> (std::net::SocketAddr, String) {
    server_with(alpn, false).await
}

/// Like [`server`]; `ca` makes the certificate say CA:TRUE.
async fn server_with(alpn: &[&str], ca: bool) -> (std::net::SocketAddr, String) {
    let signing = rcgen::KeyPair::generate().expect("key");
    let mut params =
        rcgen::CertificateParams::new(vec!["backend.test".to_string()]).expect("params");
    if ca {
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    }
    let cert = params.self_signed(&signing).expect("cert");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing.serialize_der()));
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(crate::tls::provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .expect("cert");
    cfg.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // Hold the connection open until the client goes away.
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let _ = tokio::io::copy(&mut tokio::io::empty(), &mut tls).await;
                    let mut sink = tokio::io::sink();
                    let _ = tokio::io::copy(&mut tls, &mut sink).await;
                }
            });
        }
    });
    (addr, cert.pem())
}

async fn handshake(settings: TlsSettings, addr: std::net::SocketAddr) -> Result<bool, String> {
    let cfg = settings.client_config(|| Arc::new(RootCertStore::empty()))?;
    let connector = Connector::new(cfg, &settings, "backend.test")?;
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    match connector.connect(tcp, false, "backend").await {
        Ok((_, h2)) => Ok(h2),
        Err(e) => Err(format!("{e:?}")),
    }
}

#[tokio::test]
async fn handshake_errors_carry_the_tls_reason() {
    let (addr, pem) = server(&["h2", "http/1.1"]).await;
    let err = handshake(TlsSettings::default(), addr).await.err();
    assert!(
        err.as_ref().is_some_and(|e| e.contains("UnknownIssuer")),
        "{err:?}"
    );
    let pinned = TlsSettings {
        root_cas: vec![pem],
        ..TlsSettings::default()
    };
    assert_eq!(handshake(pinned.clone(), addr).await, Ok(true));
    let misnamed = TlsSettings {
        server_name: "other.test".into(),
        ..pinned.clone()
    };
    let err = handshake(misnamed, addr).await.err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.contains("not valid for name")),
        "{err:?}"
    );
    let h1 = TlsSettings {
        disable_http2: true,
        ..pinned
    };
    assert_eq!(handshake(h1, addr).await, Ok(false));
}

#[tokio::test]
async fn a_ca_certificate_listed_in_root_cas_serves_as_in_go() {
    let (addr, pem) = server_with(&["http/1.1"], true).await;
    let err = handshake(TlsSettings::default(), addr).await.err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.contains("backend") && e.contains("invalid peer certificate")),
        "{err:?}"
    );
    let listed = TlsSettings {
        root_cas: vec![pem],
        ..TlsSettings::default()
    };
    assert_eq!(handshake(listed.clone(), addr).await, Ok(false));
    let misnamed = TlsSettings {
        server_name: "other.test".into(),
        ..listed
    };
    let err = handshake(misnamed, addr).await.err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.contains("not valid for name")),
        "{err:?}"
    );
}

/// `openssl s_server` on 127.0.0.1 with `cert`/`key` (in `dir`), killed on drop: a backend
/// rustls cannot be (an RSA-1024 key, an X.509 v1 certificate).
struct OpensslServer(std::process::Child, std::net::SocketAddr);

impl OpensslServer {
    async fn start(dir: &std::path::Path, cert: &str, key: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
        let child = std::process::Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-cert", cert, "-key", key])
            // OpenSSL 3 refuses RSA-1024 at its default security level.
            .args([
                "-cipher",
                "DEFAULT:@SECLEVEL=0",
                "-accept",
                &addr.to_string(),
            ])
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openssl s_server");
        let server = Self(child, addr);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while TcpStream::connect(addr).await.is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "s_server did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        server
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn legacy_backend_certificates_say_why_they_fail() {
    use crate::tls::testing::{openssl, temp_dir};
    let dir = temp_dir("legacy-backend");
    openssl(
        &dir,
        "req -x509 -newkey rsa:1024 -nodes -keyout small.key -out small.crt -days 2 \
         -subj /CN=backend.test",
    );
    openssl(
        &dir,
        "req -new -newkey rsa:2048 -nodes -keyout v1.key -out v1.csr -subj /CN=backend.test",
    );
    openssl(
        &dir,
        "x509 -req -in v1.csr -signkey v1.key -out v1.crt -days 2",
    );
    let small = OpensslServer::start(&dir, "small.crt", "small.key").await;
    let v1 = OpensslServer::start(&dir, "v1.crt", "v1.key").await;
    // Even insecureSkipVerify checks the handshake signature, which needs both.
    for tls12 in [false, true] {
        let insecure = TlsSettings {
            insecure_skip_verify: true,
            max_version: if tls12 {
                "VersionTLS12".into()
            } else {
                String::new()
            },
            ..TlsSettings::default()
        };
        let err = handshake(insecure.clone(), small.1).await.err();
        assert!(
            err.as_ref()
                .is_some_and(|e| e.contains("RSA key has 1024 bits")),
            "{err:?}"
        );
        let err = handshake(insecure, v1.1).await.err();
        assert!(
            err.as_ref()
                .is_some_and(|e| e.contains("UnsupportedCertVersion (an X.509 v1 certificate")),
            "{err:?}"
        );
    }
}
