//! Certificates the cases name (`certs/…` in each case's directory), made once per run with
//! rcgen: a CA, a second CA, server certificates for the names Traefik's HTTPS fixtures use
//! (`snitest.com`, `*.snitest.com`, …) signed by the CA, and a client certificate. Inline PEM
//! is written in a case as `@@PEM certs/<file>@@` and expanded by [`crate::prepare`].

use std::path::Path;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// Server certificates: file stem and subject alternative names.
const SERVERS: &[(&str, &[&str])] = &[
    ("snitest.com", &["snitest.com"]),
    ("snitest.org", &["snitest.org"]),
    ("www.snitest.com", &["www.snitest.com"]),
    ("wildcard.snitest.com", &["*.snitest.com"]),
    ("wildcard.www.snitest.com", &["*.www.snitest.com"]),
    ("local", &["localhost", "127.0.0.1"]),
    ("example.com", &["example.com", "*.example.com"]),
];

/// Writes every certificate into `dir` (`<stem>.crt` + `<stem>.key`).
pub(crate) fn generate(dir: &Path) {
    std::fs::create_dir_all(dir).expect("certs dir");
    let (ca_pem, issuer) = ca("corpus CA");
    std::fs::write(dir.join("ca.crt"), &ca_pem).expect("write ca");
    let (ca2_pem, _) = ca("corpus CA 2");
    std::fs::write(dir.join("ca2.crt"), &ca2_pem).expect("write ca2");
    std::fs::write(dir.join("ca1and2.crt"), format!("{ca_pem}{ca2_pem}")).expect("write ca1and2");
    for (stem, names) in SERVERS {
        leaf(
            dir,
            stem,
            names,
            ExtendedKeyUsagePurpose::ServerAuth,
            &issuer,
        );
    }
    leaf(
        dir,
        "client",
        &["client.snitest.com"],
        ExtendedKeyUsagePurpose::ClientAuth,
        &issuer,
    );
}

fn ca(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).expect("ca");
    (cert.pem(), Issuer::new(params, key))
}

fn leaf(
    dir: &Path,
    stem: &str,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
    ca: &Issuer<'static, KeyPair>,
) {
    let key = KeyPair::generate().expect("key");
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("params");
    params.extended_key_usages = vec![usage];
    let cert = params.signed_by(&key, ca).expect("sign");
    std::fs::write(dir.join(format!("{stem}.crt")), cert.pem()).expect("write crt");
    std::fs::write(dir.join(format!("{stem}.key")), key.serialize_pem()).expect("write key");
}
