//! Option building and certificate selection, checked through real handshakes on loopback
//! sockets (rustls client, same provider).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, ServerConfig, SignatureScheme};
use tokio::net::{TcpListener, TcpStream};
use waygate_config::dynamic::{CertAndStores, ClientAuth, TlsConfig, TlsOptions};

use super::compile::TlsCompiler;
use super::testing::self_signed_pem;
use super::{SniOptionsBuilder, TlsShared, handshake};

/// Accepts every server certificate: the tests look at which one was served.
#[derive(Debug)]
struct AnyServerCert;

impl ServerCertVerifier for AnyServerCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = super::provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(m, c, d, &algs)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = super::provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(m, c, d, &algs)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        super::provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn client(versions: &[&'static rustls::SupportedProtocolVersion], alpn: &[&str]) -> ClientConfig {
    let mut cfg = ClientConfig::builder_with_provider(Arc::new(super::provider()))
        .with_protocol_versions(versions)
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServerCert))
        .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    cfg
}

/// What the client saw: the leaf certificate's names, the ALPN protocol, the version; and
/// what the server recorded.
#[derive(Debug)]
struct Seen {
    names: Vec<String>,
    alpn: Option<Vec<u8>>,
    version: Option<rustls::ProtocolVersion>,
    server: Option<super::TlsInfo>,
}

/// One handshake on loopback: the server picks its config with `select`.
async fn connect(
    select: impl Fn(Option<&str>) -> Option<Arc<ServerConfig>> + Send + 'static,
    client: ClientConfig,
    sni: &str,
) -> Result<Seen, String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let (mut tls, info) = handshake(stream, &Default::default(), select).await.ok()?;
        // Wait for the client's close so a rejected client certificate reaches it.
        let _ = tokio::io::AsyncReadExt::read(&mut tls, &mut [0u8; 1]).await;
        Some(info)
    });
    let stream = TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from(sni.to_string()).expect("server name");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(client))
        .connect(name, stream)
        .await
        .map_err(|e| e.to_string())?;
    let (_, conn) = tls.get_ref();
    let leaf = conn
        .peer_certificates()
        .and_then(|c| c.first())
        .ok_or("no certificate")?;
    let mut seen = Seen {
        names: super::store::names(leaf)?,
        alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
        version: conn.protocol_version(),
        server: None,
    };
    // TLS 1.3 reports a rejected client certificate after the client's handshake is done:
    // a read shows it.
    let mut tls = tls;
    tokio::io::AsyncWriteExt::write_all(&mut tls, b"x")
        .await
        .map_err(|e| e.to_string())?;
    let read = tokio::io::AsyncReadExt::read(&mut tls, &mut [0u8; 1]).await;
    drop(tls);
    seen.server = server.await.ok().flatten();
    if seen.server.is_none() {
        return Err(format!("server refused the handshake ({read:?})"));
    }
    Ok(seen)
}

fn tls_config(certs: &[(&str, &str)], options: Vec<(&str, TlsOptions)>) -> TlsConfig {
    TlsConfig {
        certificates: certs
            .iter()
            .map(|(c, k)| CertAndStores {
                cert_file: c.to_string(),
                key_file: k.to_string(),
                stores: Vec::new(),
            })
            .collect(),
        options: options
            .into_iter()
            .map(|(n, o)| (n.to_string(), o))
            .collect(),
        ..TlsConfig::default()
    }
}

fn compiler(cfg: &TlsConfig) -> TlsCompiler {
    let mut issues = Vec::new();
    let c = TlsCompiler::new(Some(cfg), &TlsShared::new(), &mut issues).expect("compiles");
    assert!(issues.is_empty(), "{issues:?}");
    c
}

const BOTH: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

#[tokio::test]
async fn certificate_by_sni_then_default() {
    let (a_cert, a_key) = self_signed_pem(&["a.example.com"]);
    let (w_cert, w_key) = self_signed_pem(&["*.example.com"]);
    let cfg = tls_config(&[(&a_cert, &a_key), (&w_cert, &w_key)], vec![]);
    let c = compiler(&cfg);
    let default = c.default_config().clone();
    let sel = move |_: Option<&str>| Some(default.clone());
    let seen = connect(sel.clone(), client(BOTH, &[]), "a.example.com")
        .await
        .expect("a");
    assert!(
        seen.names.contains(&"a.example.com".to_string()),
        "{seen:?}"
    );
    let seen = connect(sel.clone(), client(BOTH, &[]), "B.Example.com")
        .await
        .expect("b");
    assert!(
        seen.names.contains(&"*.example.com".to_string()),
        "{seen:?}"
    );
    let seen = connect(sel, client(BOTH, &[]), "other.test")
        .await
        .expect("other");
    assert_eq!(
        seen.names,
        [super::default_cert::DEFAULT_CN.to_ascii_lowercase()]
    );
}

#[tokio::test]
async fn sni_strict_refuses_unknown_names() {
    let (cert, key) = self_signed_pem(&["known.test"]);
    let strict = TlsOptions {
        sni_strict: true,
        ..TlsOptions::default()
    };
    let c = compiler(&tls_config(&[(&cert, &key)], vec![("default", strict)]));
    let default = c.default_config().clone();
    let sel = move |_: Option<&str>| Some(default.clone());
    assert!(
        connect(sel.clone(), client(BOTH, &[]), "known.test")
            .await
            .is_ok()
    );
    assert!(
        connect(sel, client(BOTH, &[]), "unknown.test")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn option_chosen_by_sni_versions_and_alpn() {
    let (cert, key) = self_signed_pem(&["modern.test", "legacy.test"]);
    let modern = TlsOptions {
        min_version: "VersionTLS13".into(),
        alpn_protocols: vec!["http/1.1".into()],
        ..TlsOptions::default()
    };
    let c = compiler(&tls_config(&[(&cert, &key)], vec![("modern@file", modern)]));
    let (name, modern) = c
        .option("modern", "r@file")
        .expect("qualified by the router");
    assert_eq!(name, "modern@file");
    let mut sni = SniOptionsBuilder::new(c.default_config().clone());
    sni.add("modern.test", &name, &modern, "r@file");
    let (sni, conflicts) = sni.build();
    assert!(conflicts.is_empty());
    let sni = Arc::new(sni);
    let sel = move |name: Option<&str>| Some(sni.select(name).clone());
    let tls12 = &[&rustls::version::TLS12][..];
    assert!(
        connect(sel.clone(), client(tls12, &[]), "modern.test")
            .await
            .is_err()
    );
    let seen = connect(
        sel.clone(),
        client(tls12, &["h2", "http/1.1"]),
        "legacy.test",
    )
    .await
    .expect("default option allows TLS 1.2");
    assert_eq!(seen.version, Some(rustls::ProtocolVersion::TLSv1_2));
    assert_eq!(seen.alpn.as_deref(), Some(&b"h2"[..]));
    let seen = connect(sel, client(BOTH, &["h2", "http/1.1"]), "modern.test")
        .await
        .expect("TLS 1.3");
    assert_eq!(seen.version, Some(rustls::ProtocolVersion::TLSv1_3));
    assert_eq!(seen.alpn.as_deref(), Some(&b"http/1.1"[..]));
}

#[test]
fn option_errors_name_the_setting() {
    let store = Arc::new(super::store::CertStore::default());
    let shared = TlsShared::new();
    let build = |o: TlsOptions| super::options::build(&o, &store, &shared);
    let err = |o: TlsOptions| build(o).err().unwrap_or_default();
    assert!(
        err(TlsOptions {
            cipher_suites: vec!["TLS_NOPE".into()],
            ..TlsOptions::default()
        })
        .contains("unknown cipher suite `TLS_NOPE`")
    );
    assert!(
        err(TlsOptions {
            cipher_suites: vec!["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA".into()],
            ..TlsOptions::default()
        })
        .contains("not offered")
    );
    assert!(
        err(TlsOptions {
            curve_preferences: vec!["CurveP521".into()],
            ..TlsOptions::default()
        })
        .contains("curvePreferences")
    );
    assert!(
        err(TlsOptions {
            min_version: "VersionTLS13".into(),
            max_version: "VersionTLS12".into(),
            ..TlsOptions::default()
        })
        .contains("above")
    );
    assert!(
        err(TlsOptions {
            client_auth: Some(ClientAuth {
                ca_files: vec![],
                client_auth_type: "RequireAndVerifyClientCert".into(),
            }),
            ..TlsOptions::default()
        })
        .contains("caFiles")
    );
    // Only TLS 1.2 with only TLS 1.3 suites cannot serve anything.
    assert!(
        build(TlsOptions {
            max_version: "VersionTLS12".into(),
            cipher_suites: vec!["TLS_AES_128_GCM_SHA256".into()],
            ..TlsOptions::default()
        })
        .is_err()
    );

    let ok = build(TlsOptions {
        cipher_suites: vec![
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into(),
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305".into(),
            "TLS_AES_256_GCM_SHA384".into(),
        ],
        curve_preferences: vec!["X25519".into(), "secp256r1".into(), "X25519MLKEM768".into()],
        disable_session_tickets: true,
        ..TlsOptions::default()
    })
    .expect("builds");
    let suites: Vec<_> = ok
        .crypto_provider()
        .cipher_suites
        .iter()
        .map(|s| s.suite())
        .collect();
    assert_eq!(suites.len(), 3 + 2, "{suites:?}");
    assert_eq!(ok.crypto_provider().kx_groups.len(), 3);
    assert_eq!(ok.send_tls13_tickets, 0);
    // acme-tls/1 is not negotiated: Waygate does not answer TLS-ALPN-01 challenges.
    let default = build(TlsOptions::default()).expect("default");
    assert_eq!(
        default.alpn_protocols,
        [b"h2".to_vec(), b"http/1.1".to_vec()]
    );
}

#[test]
fn conflicting_hosts_fall_back_to_default() {
    let c = compiler(&tls_config(
        &[],
        vec![
            ("a@file", TlsOptions::default()),
            ("b@file", TlsOptions::default()),
        ],
    ));
    let (_, a) = c.option("a@file", "r1@file").expect("a");
    let (_, b) = c.option("b@file", "r2@file").expect("b");
    let mut sni = SniOptionsBuilder::new(c.default_config().clone());
    sni.add("x.test", "a@file", &a, "r1@file");
    sni.add("x.test", "b@file", &b, "r2@file");
    sni.add("*.y.test", "a@file", &a, "r1@file");
    let (sni, conflicts) = sni.build();
    assert_eq!(
        conflicts,
        [(
            "x.test".to_string(),
            vec!["r1@file".to_string(), "r2@file".to_string()]
        )]
    );
    assert!(Arc::ptr_eq(sni.select(Some("x.test")), c.default_config()));
    assert!(Arc::ptr_eq(sni.select(Some("z.y.test")), &a));
    assert!(Arc::ptr_eq(sni.select(None), c.default_config()));
    assert!(c.option("missing", "r@file").is_err());
}

#[tokio::test]
async fn client_certificates() {
    use rcgen::{CertificateParams, ExtendedKeyUsagePurpose, KeyPair};
    use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let (ca_pem, issuer) = super::testing::ca();
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["client.test".to_string()]).expect("params");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let signed = params.signed_by(&key, &issuer).expect("sign");
    let client_key = || PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let with_cert = |chain: Vec<CertificateDer<'static>>| {
        ClientConfig::builder_with_provider(Arc::new(super::provider()))
            .with_protocol_versions(BOTH)
            .expect("versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServerCert))
            .with_client_auth_cert(chain, client_key())
            .expect("client cert")
    };
    // A certificate no CA signed.
    let (own_cert, own_key) = super::testing::self_signed(&["client.test"]);
    let own = ClientConfig::builder_with_provider(Arc::new(super::provider()))
        .with_protocol_versions(BOTH)
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServerCert))
        .with_client_auth_cert(vec![own_cert], own_key)
        .expect("client cert");

    let option = |kind: &str| TlsOptions {
        client_auth: Some(ClientAuth {
            ca_files: vec![ca_pem.clone()],
            client_auth_type: kind.to_string(),
        }),
        ..TlsOptions::default()
    };
    let selector = |kind: &str| {
        let c = compiler(&tls_config(&[], vec![("default", option(kind))]));
        let cfg = c.default_config().clone();
        move |_: Option<&str>| Some(cfg.clone())
    };

    let require = selector("RequireAndVerifyClientCert");
    assert!(
        connect(require.clone(), client(BOTH, &[]), "s.test")
            .await
            .is_err()
    );
    assert!(
        connect(require.clone(), own.clone(), "s.test")
            .await
            .is_err()
    );
    let seen = connect(require, with_cert(vec![signed.der().clone()]), "s.test")
        .await
        .expect("signed by the CA");
    let info = seen.server.expect("server info");
    assert_eq!(info.client_certificates.len(), 1);
    assert_eq!(info.sni.as_deref(), Some("s.test"));

    let if_given = selector("VerifyClientCertIfGiven");
    assert!(
        connect(if_given.clone(), client(BOTH, &[]), "s.test")
            .await
            .is_ok()
    );
    assert!(connect(if_given, own.clone(), "s.test").await.is_err());

    let any = selector("RequireAnyClientCert");
    assert!(
        connect(any.clone(), client(BOTH, &[]), "s.test")
            .await
            .is_err()
    );
    assert!(connect(any, own.clone(), "s.test").await.is_ok());

    let request = selector("RequestClientCert");
    assert!(
        connect(request.clone(), client(BOTH, &[]), "s.test")
            .await
            .is_ok()
    );
    let seen = connect(request, own, "s.test")
        .await
        .expect("any certificate");
    assert_eq!(seen.server.map(|i| i.client_certificates.len()), Some(1));
}
