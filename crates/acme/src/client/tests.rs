//! The ACME client against a local HTTPS server whose certificate is self-signed with
//! CA:TRUE, as test ACME servers' often are: trusted when listed in `caCertificates`, else an
//! error naming the request and rustls' reason.

use std::sync::Arc;

use bytes::Bytes;
use instant_acme::{BodyWrapper, HttpClient};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use waygate_config::static_config::Acme;

use super::AcmeHttp;

/// A self-signed CA:TRUE certificate for 127.0.0.1: (PEM, DER, key).
fn ca_as_leaf() -> (
    String,
    rustls_pki_types::CertificateDer<'static>,
    PrivateKeyDer<'static>,
) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("cert");
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    (cert.pem(), cert.der().clone(), der)
}

/// An HTTPS server on 127.0.0.1 answering `204` to every request; returns its URL and the
/// PEM of its certificate.
async fn server() -> (String, String) {
    let (pem, cert, key) = ca_as_leaf();
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("cert");
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                if tls.read(&mut buf).await.is_ok() {
                    let _ = tls
                        .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                        .await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    (format!("https://{addr}/dir"), pem)
}

async fn get(ca_certificates: Vec<String>, url: &str) -> Result<u16, String> {
    let cfg = Acme {
        ca_certificates,
        ..Acme::default()
    };
    let client = AcmeHttp::new(&cfg)?;
    let req = http::Request::get(url)
        .body(BodyWrapper::<Bytes>::from(Vec::new()))
        .expect("request");
    client
        .request(req)
        .await
        .map(|r| r.parts.status.as_u16())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_listed_self_signed_ca_certificate_is_trusted() {
    let (url, pem) = server().await;
    assert_eq!(get(vec![pem], &url).await, Ok(204));
}

#[tokio::test]
async fn errors_name_the_request_and_the_tls_reason() {
    let (url, _) = server().await;
    let (other, _, _) = ca_as_leaf();
    let err = get(vec![other], &url).await.expect_err("untrusted");
    assert!(err.starts_with(&format!("GET {url}: ")), "{err}");
    assert!(
        err.contains("invalid peer certificate: CaUsedAsEndEntity"),
        "{err}"
    );
}
