//! Key pairs made with the openssl CLI: what Go serves and rustls can (X.509 v1), what it
//! cannot (RSA-1024), and the messages that say which.

use std::path::{Path, PathBuf};

use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

use super::{certified_key, rsa_bits};
use crate::tls::provider;
use crate::tls::testing::{openssl, self_signed_pem, temp_dir};

/// A self-signed certificate `<name>.crt` / `<name>.key` (PKCS#8) with an RSA key of `bits`;
/// `v1` makes an X.509 v1 certificate (no extensions).
fn rsa_pair(dir: &Path, name: &str, bits: u32, v1: bool) -> (PathBuf, PathBuf) {
    let key = format!("-newkey rsa:{bits} -nodes -keyout {name}.key");
    if v1 {
        openssl(
            dir,
            &format!("req -new {key} -out {name}.csr -subj /CN={name}.test"),
        );
        openssl(
            dir,
            &format!("x509 -req -in {name}.csr -signkey {name}.key -out {name}.crt -days 2"),
        );
    } else {
        openssl(
            dir,
            &format!(
                "req -x509 {key} -out {name}.crt -days 2 -subj /CN={name}.test \
                 -addext subjectAltName=DNS:{name}.test"
            ),
        );
    }
    (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    )
}

fn load(cert: &Path, key: &Path) -> Result<(), String> {
    certified_key(
        &cert.display().to_string(),
        &key.display().to_string(),
        &provider(),
    )
    .map(|_| ())
}

#[test]
fn x509_v1_certificates_serve() {
    let dir = temp_dir("keypair");
    let (crt, key) = rsa_pair(&dir, "v1", 2048, true);
    let text = std::fs::read_to_string(&crt).expect("read");
    let der = rustls_pki_types::CertificateDer::from_pem_slice(text.as_bytes()).expect("pem");
    // webpki, and so rustls' own check, refuses it.
    assert!(rustls::server::ParsedCertificate::try_from(&der).is_err());
    assert_eq!(load(&crt, &key), Ok(()));
}

#[test]
fn small_rsa_keys_name_the_file_and_the_limit() {
    let dir = temp_dir("keypair");
    let (crt, key) = rsa_pair(&dir, "small", 1024, false);
    let err = load(&crt, &key).expect_err("1024-bit RSA");
    assert!(err.contains(&format!("`{}`", key.display())), "{err}");
    assert!(err.contains("RSA key of 1024 bits"), "{err}");
    assert!(err.contains("2048 to 8192 bits"), "{err}");
    // The same key in PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    openssl(&dir, "rsa -in small.key -traditional -out small.pkcs1.key");
    let err = load(&crt, &dir.join("small.pkcs1.key")).expect_err("PKCS#1");
    assert!(err.contains("RSA key of 1024 bits"), "{err}");
}

#[test]
fn rsa_sizes_are_read_from_both_encodings() {
    let dir = temp_dir("keypair");
    let (_, key) = rsa_pair(&dir, "big", 2048, false);
    openssl(&dir, "rsa -in big.key -traditional -out big.pkcs1.key");
    for file in [key, dir.join("big.pkcs1.key")] {
        let der = PrivateKeyDer::from_pem_file(&file).expect("key");
        assert_eq!(rsa_bits(&der), Some(2048), "{}", file.display());
    }
    let (_, ec) = self_signed_pem(&["ec.test"]);
    let der = PrivateKeyDer::from_pem_slice(ec.as_bytes()).expect("key");
    assert_eq!(rsa_bits(&der), None);
}

#[test]
fn a_key_of_another_certificate_is_a_mismatch() {
    let (cert, _) = self_signed_pem(&["a.test"]);
    let (_, other) = self_signed_pem(&["b.test"]);
    let err = certified_key(&cert, &other, &provider())
        .map(|_| ())
        .expect_err("mismatch");
    assert!(err.contains("do not match"), "{err}");
    let (cert, key) = self_signed_pem(&["a.test"]);
    assert!(certified_key(&cert, &key, &provider()).is_ok());
}
