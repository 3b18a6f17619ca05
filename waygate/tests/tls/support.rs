//! The TLS tests' harness: the `waygate` binary on a config in a temp dir (port-0 entry
//! points read from its log, as in `dataplane/support.rs`), certificates made with rcgen,
//! and a rustls client (aws-lc-rs, as the gateway) speaking HTTP/1.1 or HTTP/2 over it.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme, SupportedProtocolVersion};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// A running gateway process.
/// The gateway process harness, shared with the data-plane tests.
#[path = "../dataplane/support.rs"]
#[allow(dead_code)]
mod shared;

#[allow(unused_imports)] // not every test binary that includes this file uses all of them
pub(crate) use shared::{Gw, backend, eventually};

pub(crate) fn cert_files(
    dir: &std::path::Path,
    stem: &str,
    names: &[&str],
) -> (String, String, CertificateDer<'static>) {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let ck = rcgen::generate_simple_self_signed(names).expect("rcgen");
    let cert = dir.join(format!("{stem}.crt"));
    let key = dir.join(format!("{stem}.key"));
    std::fs::write(&cert, ck.cert.pem()).expect("write cert");
    std::fs::write(&key, ck.signing_key.serialize_pem()).expect("write key");
    (
        cert.display().to_string(),
        key.display().to_string(),
        ck.cert.der().clone(),
    )
}

/// A client CA: its PEM certificate and an issuer.
pub(crate) fn ca() -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "test client CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).expect("ca");
    (cert.pem(), Issuer::new(params, key))
}

/// A client certificate signed by `issuer`.
pub(crate) fn client_cert(
    issuer: &Issuer<'static, KeyPair>,
) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["client.test".to_string()]).expect("params");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, issuer).expect("sign");
    (
        cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    )
}

/// How the test client connects.
pub(crate) struct Client {
    pub(crate) versions: &'static [&'static SupportedProtocolVersion],
    pub(crate) alpn: &'static [&'static str],
    pub(crate) cert: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
}

const BOTH: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13, &rustls::version::TLS12];

impl Default for Client {
    fn default() -> Self {
        Self {
            versions: BOTH,
            alpn: &["h2", "http/1.1"],
            cert: None,
        }
    }
}

impl Client {
    /// Connects and completes the handshake with `sni`.
    pub(crate) async fn connect(
        self,
        addr: SocketAddr,
        sni: &str,
    ) -> std::io::Result<TlsStream<TcpStream>> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(self.versions)
            .map_err(std::io::Error::other)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServerCert));
        let mut cfg = match self.cert {
            Some((cert, key)) => builder
                .with_client_auth_cert(vec![cert], key)
                .map_err(std::io::Error::other)?,
            None => builder.with_no_client_auth(),
        };
        cfg.alpn_protocols = self.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
        let stream = TcpStream::connect(addr).await?;
        let name = ServerName::try_from(sni.to_string()).map_err(std::io::Error::other)?;
        tokio_rustls::TlsConnector::from(Arc::new(cfg))
            .connect(name, stream)
            .await
    }
}

/// The leaf certificate the server presented.
pub(crate) fn peer_cert(tls: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    tls.get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .expect("a server certificate")
        .clone()
        .into_owned()
}

/// The subject CN of a certificate.
pub(crate) fn common_name(cert: &CertificateDer<'_>) -> String {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).expect("x509");
    parsed
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or("")
        .to_string()
}

/// A response: status, HTTP version, the backend that answered (`x-whoami-name`).
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) version: http::Version,
    pub(crate) backend: Option<String>,
    pub(crate) body: String,
}

/// `GET /` with `Host: host` on a TLS stream, in HTTP/2 if ALPN chose it, else HTTP/1.1.
pub(crate) async fn get(tls: TlsStream<TcpStream>, host: &str) -> Result<Resp, String> {
    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
    let io = TokioIo::new(tls);
    let (uri, version) = if h2 {
        (format!("https://{host}/"), http::Version::HTTP_2)
    } else {
        ("/".to_string(), http::Version::HTTP_11)
    };
    let req = http::Request::get(uri)
        .version(version)
        .header("host", host)
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let resp = if h2 {
        let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        send.send_request(req).await.map_err(|e| e.to_string())?
    } else {
        let (mut send, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        send.send_request(req).await.map_err(|e| e.to_string())?
    };
    let status = resp.status().as_u16();
    let version = resp.version();
    let backend = resp
        .headers()
        .get("x-whoami-name")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    Ok(Resp {
        status,
        version,
        backend,
        body: String::from_utf8_lossy(&body.to_bytes()).into_owned(),
    })
}

/// Plain HTTP/1.1 `GET /` with `Host: host`.
pub(crate) async fn get_plain(addr: SocketAddr, host: &str) -> Resp {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let req = http::Request::get("/")
        .header("host", host)
        .body(Empty::<Bytes>::new())
        .expect("request");
    let resp = send.send_request(req).await.expect("response");
    let status = resp.status().as_u16();
    let backend = resp
        .headers()
        .get("x-whoami-name")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    Resp {
        status,
        version: http::Version::HTTP_11,
        backend,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

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
        let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(m, c, d, &algs)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(m, c, d, &algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}
