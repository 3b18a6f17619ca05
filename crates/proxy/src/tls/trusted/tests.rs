//! A self-signed CA:TRUE certificate used as a server certificate: refused by webpki,
//! accepted when it is one of the configured certificates, still within Go's leaf checks.

use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use rustls::client::danger::ServerCertVerifier;
use rustls::{CertificateError, RootCertStore};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::TrustedVerifier;
use crate::tls::provider;

/// A self-signed certificate for `backend.test` that says CA:TRUE (as test ACME servers'
/// and internal backends' often do), valid until 2031, with `eku` if not empty.
fn ca_as_leaf(eku: Vec<ExtendedKeyUsagePurpose>) -> CertificateDer<'static> {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["backend.test".to_string()]).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "backend.test");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.extended_key_usages = eku;
    params.not_after = rcgen::date_time_ymd(2031, 1, 1);
    params.self_signed(&key).expect("cert").der().clone()
}

fn verifier(configured: &[&CertificateDer<'static>]) -> Arc<TrustedVerifier> {
    let mut roots = RootCertStore::empty();
    for c in configured {
        roots.add((*c).clone()).expect("root");
    }
    let configured = configured.iter().map(|c| (*c).clone()).collect();
    TrustedVerifier::new(Arc::new(roots), configured, Arc::new(provider())).expect("verifier")
}

fn verify(
    v: &TrustedVerifier,
    cert: &CertificateDer<'_>,
    name: &str,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    let name = ServerName::try_from(name.to_string()).expect("name");
    v.verify_server_cert(cert, &[], &name, &[], now).map(|_| ())
}

fn is_cert_error(r: &Result<(), rustls::Error>, want: fn(&CertificateError) -> bool) -> bool {
    matches!(r, Err(rustls::Error::InvalidCertificate(e)) if want(e))
}

#[test]
fn a_configured_ca_certificate_is_its_own_anchor() {
    let cert = ca_as_leaf(vec![]);
    let v = verifier(&[&cert]);
    let now = UnixTime::now();
    let name = ServerName::try_from("backend.test").expect("name");
    let webpki = v.webpki.verify_server_cert(&cert, &[], &name, &[], now);
    assert!(
        matches!(
            webpki,
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                _
            )))
        ),
        "webpki alone refuses it (CaUsedAsEndEntity): {webpki:?}"
    );
    assert_eq!(verify(&v, &cert, "backend.test", now), Ok(()));
    // Go still checks the name (SANs) ...
    let r = verify(&v, &cert, "other.test", now);
    assert!(
        is_cert_error(&r, |e| matches!(
            e,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        )),
        "{r:?}"
    );
    // ... and the validity period.
    // 2033-05-18, after its notAfter.
    let later = UnixTime::since_unix_epoch(Duration::from_secs(2_000_000_000));
    let r = verify(&v, &cert, "backend.test", later);
    assert!(
        is_cert_error(&r, |e| matches!(e, CertificateError::ExpiredContext { .. })),
        "{r:?}"
    );
}

#[test]
fn only_an_exact_configured_certificate_is_an_anchor() {
    let configured = ca_as_leaf(vec![]);
    let other = ca_as_leaf(vec![]);
    let v = verifier(&[&configured]);
    let r = verify(&v, &other, "backend.test", UnixTime::now());
    assert!(r.is_err(), "{r:?}");
}

#[test]
fn an_extended_key_usage_must_allow_server_auth() {
    let client_only = ca_as_leaf(vec![ExtendedKeyUsagePurpose::ClientAuth]);
    let v = verifier(&[&client_only]);
    let r = verify(&v, &client_only, "backend.test", UnixTime::now());
    assert!(
        is_cert_error(&r, |e| matches!(e, CertificateError::InvalidPurpose)),
        "{r:?}"
    );
    let server = ca_as_leaf(vec![ExtendedKeyUsagePurpose::ServerAuth]);
    let v = verifier(&[&server]);
    assert_eq!(verify(&v, &server, "backend.test", UnixTime::now()), Ok(()));
}
