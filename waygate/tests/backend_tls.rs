//! Backend TLS end to end, through the real binary: `https://` servers behind
//! `serversTransports` (system roots, `rootCAs`, `insecureSkipVerify`, `serverName`,
//! `certificates` for mTLS, `peerCertURI`, `disableHTTP2`), the static defaults of
//! `default@internal`, a self-signed CA:TRUE certificate trusted by being listed (as Go), and
//! the error-level log line that names the backend and rustls' reason for each refusal. The backends are tokio-rustls servers started here, with certificates
//! from a test CA; they answer with the HTTP version they saw.

#[path = "dataplane/support.rs"]
#[allow(dead_code)]
mod support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::support::{Gw, LOCAL_EP, client, get};

const PEER_URI: &str = "spiffe://waygate.test/backend";

/// A test CA: PEM, DER and an issuer.
struct Ca {
    pem: String,
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

/// A TLS backend on 127.0.0.1.
struct Backend {
    addr: SocketAddr,
}

fn ca() -> Ca {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "waygate backend test CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).expect("ca");
    Ca {
        pem: cert.pem(),
        der: cert.der().clone(),
        issuer: Issuer::new(params, key),
    }
}

/// A leaf for `names` (IP addresses become IP SANs) plus the `PEER_URI` SAN: (DER, key, PEM, key PEM).
fn leaf(
    ca: &Ca,
    names: &[&str],
) -> (
    CertificateDer<'static>,
    PrivateKeyDer<'static>,
    String,
    String,
) {
    let key = KeyPair::generate().expect("key");
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("params");
    params
        .subject_alt_names
        .push(SanType::URI(PEER_URI.try_into().expect("ia5")));
    let cert = params.signed_by(&key, &ca.issuer).expect("sign");
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        cert.pem(),
        key.serialize_pem(),
    )
}

/// Starts a backend with a certificate from `ca`, offering `alpn`, requiring a client
/// certificate from `client_ca` if given. Its body is the HTTP version it saw.
async fn backend(ca: &Ca, alpn: &[&str], client_ca: Option<&Ca>) -> Backend {
    let (cert, key, _, _) = leaf(ca, &["backend.test", "127.0.0.1"]);
    serve(cert, key, alpn, client_ca).await
}

/// Starts a backend presenting `cert`.
async fn serve(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    alpn: &[&str],
    client_ca: Option<&Ca>,
) -> Backend {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("versions");
    let builder = match client_ca {
        Some(c) => {
            let mut roots = RootCertStore::empty();
            roots.add(c.der.clone()).expect("client ca");
            let v = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("verifier");
            builder.with_client_cert_verifier(v)
        }
        None => builder.with_no_client_auth(),
    };
    let mut cfg = builder.with_single_cert(vec![cert], key).expect("cert");
    cfg.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    let acceptor = TlsAcceptor::from(Arc::new(cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let svc = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                    let body = format!("{:?}", req.version());
                    Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(body))))
                });
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    Backend { addr }
}

fn temp_dir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("waygate-btls-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Writes `ca`'s certificate to a file and returns its path.
fn ca_file(ca: &Ca) -> String {
    let path = temp_dir().join("ca.pem");
    std::fs::write(&path, &ca.pem).expect("write ca");
    path.display().to_string()
}

/// A YAML double-quoted string (inline PEM).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("json")
}

/// Routers `<name>` (Host `<name>.test`) → service `<name>` → `url` with transport
/// `<transport>` (empty = default), and the transports' bodies.
fn dynamic(url: &str, routes: &[(&str, &str)], transports: &[(&str, String)]) -> String {
    let mut y = String::from("http:\n  routers:\n");
    for (name, _) in routes {
        y += &format!("    {name}:\n      rule: Host(`{name}.test`)\n      service: {name}\n");
    }
    y += "  services:\n";
    for (name, transport) in routes {
        y += &format!("    {name}:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n");
        if !transport.is_empty() {
            y += &format!("        serversTransport: {transport}\n");
        }
    }
    if !transports.is_empty() {
        y += "  serversTransports:\n";
    }
    for (name, body) in transports {
        y += &format!("    {name}:\n{body}");
    }
    y
}

/// The `web` entry point's URL. Read from the log here rather than `Gw::addrs`: the binary
/// may log "configuration applied" before "entry point listening", and the harness then
/// returns before it has seen the address.
fn web_url(gw: &Gw) -> String {
    if let Some(addr) = gw.addrs.get("web") {
        return format!("http://{addr}");
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let logs = gw.logs();
        let addr = logs
            .lines()
            .filter(|l| l.contains("entry point listening") && l.contains("entry_point=web"))
            .find_map(|l| l.split("address=").nth(1)?.split_whitespace().next());
        if let Some(addr) = addr {
            return format!("http://{addr}");
        }
        assert!(
            Instant::now() < deadline,
            "no listening entry point:\n{logs}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The first log line containing every one of `parts`, waited for: the harness reads the
/// gateway's stderr on another thread, so a line may arrive after the response.
async fn log_line(gw: &Gw, parts: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let logs = gw.logs();
        if let Some(line) = logs.lines().find(|l| parts.iter().all(|p| l.contains(p))) {
            return line.to_string();
        }
        assert!(
            Instant::now() < deadline,
            "no log line with {parts:?}:\n{logs}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn status_and_body(gw: &Gw, host: &str) -> (u16, String) {
    let r = get(
        &client(),
        &format!("{}/", web_url(gw)),
        &format!("{host}.test"),
    )
    .await;
    (r.status, r.body)
}

#[tokio::test(flavor = "multi_thread")]
async fn backend_certificate_is_verified() {
    let ca = ca();
    let b = backend(&ca, &["http/1.1"], None).await;
    let url = format!("https://127.0.0.1:{}", b.addr.port());
    let roots = format!("      rootCAs: [\"{}\"]\n", ca_file(&ca));
    let transports = [
        ("roots", roots.clone()),
        ("inline", format!("      rootCAs: [{}]\n", quoted(&ca.pem))),
        ("insecure", "      insecureSkipVerify: true\n".to_string()),
        ("named", format!("{roots}      serverName: backend.test\n")),
        ("misnamed", format!("{roots}      serverName: other.test\n")),
        ("uri", format!("{roots}      peerCertURI: {PEER_URI}\n")),
        (
            "wronguri",
            format!("{roots}      peerCertURI: spiffe://waygate.test/other\n"),
        ),
    ];
    let routes = [
        ("system", ""),
        ("roots", "roots"),
        ("inline", "inline"),
        ("insecure", "insecure"),
        ("named", "named"),
        ("misnamed", "misnamed"),
        ("uri", "uri"),
        ("wronguri", "wronguri"),
    ];
    let gw = Gw::start(LOCAL_EP, &dynamic(&url, &routes, &transports));
    for (host, want) in [
        ("system", 502),
        ("roots", 200),
        ("inline", 200),
        ("insecure", 200),
        ("named", 200),
        ("misnamed", 502),
        ("uri", 200),
        ("wronguri", 502),
    ] {
        let (status, body) = status_and_body(&gw, host).await;
        assert_eq!(status, want, "{host}: {body}\n{}", gw.logs());
        if want == 200 {
            assert_eq!(body, "HTTP/1.1", "{host}");
        }
    }
    // Connections are reused: a second round gives the same answers.
    assert_eq!(status_and_body(&gw, "roots").await.0, 200);
    assert_eq!(status_and_body(&gw, "system").await.0, 502);
    // Each refusal is logged at error level with the service and rustls' reason.
    for (service, reason) in [
        ("system", "invalid peer certificate: UnknownIssuer"),
        ("misnamed", "certificate not valid for name \"other.test\""),
        (
            "wronguri",
            "peerCertURI `spiffe://waygate.test/other` does not match",
        ),
    ] {
        log_line(&gw, &["ERROR", &format!("service={service}@file"), reason]).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn client_certificate_for_mtls_backends() {
    let ca = ca();
    let client_ca = self::ca();
    let b = backend(&ca, &["h2", "http/1.1"], Some(&client_ca)).await;
    let url = format!("https://127.0.0.1:{}", b.addr.port());
    let (_, _, cert_pem, key_pem) = leaf(&client_ca, &["gateway.test"]);
    let dir = temp_dir();
    std::fs::write(dir.join("client.pem"), &cert_pem).expect("write");
    let roots = format!("      rootCAs: [\"{}\"]\n", ca_file(&ca));
    let transports = [
        ("nocert", roots.clone()),
        (
            "cert",
            format!(
                "{roots}      certificates:\n        - certFile: \"{}\"\n          keyFile: {}\n",
                dir.join("client.pem").display(),
                quoted(&key_pem)
            ),
        ),
    ];
    let routes = [("nocert", "nocert"), ("cert", "cert")];
    let gw = Gw::start(LOCAL_EP, &dynamic(&url, &routes, &transports));
    assert_eq!(status_and_body(&gw, "nocert").await.0, 502);
    assert_eq!(
        status_and_body(&gw, "cert").await,
        (200, "HTTP/2.0".to_string())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn alpn_chooses_http2_unless_disabled() {
    let ca = ca();
    let h2 = backend(&ca, &["h2", "http/1.1"], None).await;
    let url = format!("https://127.0.0.1:{}", h2.addr.port());
    let roots = format!("      rootCAs: [\"{}\"]\n", ca_file(&ca));
    let transports = [
        ("h2", roots.clone()),
        ("h1", format!("{roots}      disableHTTP2: true\n")),
    ];
    let routes = [("h2", "h2"), ("h1", "h1")];
    let gw = Gw::start(LOCAL_EP, &dynamic(&url, &routes, &transports));
    for _ in 0..3 {
        assert_eq!(
            status_and_body(&gw, "h2").await,
            (200, "HTTP/2.0".to_string())
        );
        assert_eq!(
            status_and_body(&gw, "h1").await,
            (200, "HTTP/1.1".to_string())
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn static_defaults_apply_to_default_transport() {
    let ca = ca();
    let b = backend(&ca, &["http/1.1"], None).await;
    let url = format!("https://127.0.0.1:{}", b.addr.port());
    let static_yaml = format!(
        "{LOCAL_EP}serversTransport:\n  rootCAs: [\"{}\"]\n",
        ca_file(&ca)
    );
    let gw = Gw::start(&static_yaml, &dynamic(&url, &[("default", "")], &[]));
    assert_eq!(
        status_and_body(&gw, "default").await,
        (200, "HTTP/1.1".to_string())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn health_checks_use_the_services_tls_transport() {
    let ca = ca();
    let b = backend(&ca, &["h2", "http/1.1"], None).await;
    let url = format!("https://127.0.0.1:{}", b.addr.port());
    let transports = [("roots", format!("      rootCAs: [\"{}\"]\n", ca_file(&ca)))];
    // `trusted` checks with the CA that signed the backend; `untrusted` with the system
    // roots, so its checks fail the TLS verification and its server leaves the rotation.
    let routes = [("trusted", "roots"), ("untrusted", "")];
    let dynamic = dynamic(&url, &routes, &transports).replace(
        "        servers:",
        "        healthCheck: {path: /health, interval: 100ms, timeout: 1s}\n        servers:",
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !gw.logs().contains("service=untrusted@file") || !gw.logs().contains("DOWN") {
        assert!(
            Instant::now() < deadline,
            "no DOWN for untrusted:\n{}",
            gw.logs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = status_and_body(&gw, "untrusted").await;
    assert_eq!(status, 503, "untrusted: {body}");
    // Each failed check says why, as Traefik's "Health check failed." does.
    let line = log_line(
        &gw,
        &["health check failed", "service=untrusted@file", "WARN"],
    )
    .await;
    assert!(line.contains(&format!("url={url}")), "{line}");
    assert!(
        line.contains("invalid peer certificate: UnknownIssuer"),
        "{line}"
    );
    // The trusted server stays in rotation, over HTTP/2 as ALPN chose.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = status_and_body(&gw, "trusted").await;
    assert_eq!((status, body.as_str()), (200, "HTTP/2.0"), "{}", gw.logs());
    assert!(
        !gw.logs()
            .lines()
            .any(|l| l.contains("service=trusted@file") && l.contains("DOWN")),
        "{}",
        gw.logs()
    );
}

/// A self-signed certificate for 127.0.0.1 that says CA:TRUE, as test ACME servers and
/// internal backends often present: (DER, key, PEM).
fn self_signed_ca() -> (CertificateDer<'static>, PrivateKeyDer<'static>, String) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "self-signed backend");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("cert");
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        cert.pem(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_signed_ca_certificate_listed_in_root_cas_is_trusted() {
    let (cert, key, pem) = self_signed_ca();
    let b = serve(cert, key, &["http/1.1"], None).await;
    let url = format!("https://127.0.0.1:{}", b.addr.port());
    let other = ca();
    let transports = [
        ("listed", format!("      rootCAs: [{}]\n", quoted(&pem))),
        (
            "unlisted",
            format!("      rootCAs: [\"{}\"]\n", ca_file(&other)),
        ),
    ];
    let routes = [("listed", "listed"), ("unlisted", "unlisted")];
    let gw = Gw::start(LOCAL_EP, &dynamic(&url, &routes, &transports));
    assert_eq!(
        status_and_body(&gw, "listed").await,
        (200, "HTTP/1.1".to_string()),
        "{}",
        gw.logs()
    );
    assert_eq!(status_and_body(&gw, "unlisted").await.0, 502);
    // At error level (the default log shows it), naming the service, the server and
    // rustls' reason instead of a bare "client error (Connect)".
    let line = log_line(&gw, &["502 Bad Gateway", "service=unlisted"]).await;
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains(&format!("server={url}")), "{line}");
    assert!(
        line.contains(&format!("TLS handshake with 127.0.0.1:{}", b.addr.port())),
        "{line}"
    );
    // webpki's reason: a CA certificate as the server's own, which only a listed copy makes
    // trusted.
    assert!(
        line.contains("invalid peer certificate: CaUsedAsEndEntity (the server presents a CA"),
        "{line}"
    );
}
