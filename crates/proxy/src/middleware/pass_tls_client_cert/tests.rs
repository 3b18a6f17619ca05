use rcgen::string::Ia5String;
use rcgen::{CertificateParams, DnType, KeyPair, SanType};

use super::*;
use crate::middleware::test_request;

/// A self-signed certificate with every DN part twice where Go keeps them all, and SANs of
/// every kind in a mixed order.
fn cert() -> CertificateDer<'static> {
    let key = KeyPair::generate().expect("key");
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    let dn = &mut p.distinguished_name;
    dn.push(
        DnType::CustomDnType(vec![0, 9, 2342, 19_200_300, 100, 1, 25]),
        "org",
    );
    dn.push(DnType::CountryName, "FR");
    dn.push(DnType::StateOrProvinceName, "Occitanie");
    dn.push(DnType::LocalityName, "Lyon");
    dn.push(DnType::OrganizationName, "Cheese");
    dn.push(DnType::OrganizationalUnitName, "Cheese Section");
    dn.push(DnType::CommonName, "client.test");
    p.subject_alt_names = vec![
        SanType::URI(Ia5String::try_from("spiffe://x/y").expect("ia5")),
        SanType::IpAddress("10.0.0.1".parse().expect("ip")),
        SanType::Rfc822Name(Ia5String::try_from("a@b.test").expect("ia5")),
        SanType::DnsName(Ia5String::try_from("client.test").expect("ia5")),
        SanType::IpAddress("::1".parse().expect("ip")),
    ];
    p.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x01, 0x02]));
    p.not_before = rcgen::date_time_ymd(2024, 1, 2);
    p.not_after = rcgen::date_time_ymd(2030, 1, 2);
    p.self_signed(&key).expect("cert").der().clone()
}

fn run(cfg: Config, certs: Option<Vec<CertificateDer<'static>>>) -> Request {
    let m = PassTlsClientCert::new(&cfg);
    let mut req = test_request("/");
    if let Some(c) = certs {
        req.extensions_mut().insert(ClientCerts(c.into()));
    }
    m.request(&mut req);
    req
}

#[test]
fn pem_is_base64_der_joined() {
    let c = cert();
    let req = run(
        Config {
            pem: true,
            info: None,
        },
        Some(vec![c.clone(), c.clone()]),
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(c.as_ref());
    assert_eq!(req.headers()[CERT], format!("{b64},{b64}").as_str());
    assert!(!req.headers().contains_key(CERT_INFO));
    // Without a client certificate, nothing is set (nor removed).
    let mut req = test_request("/");
    req.headers_mut()
        .insert(CERT, HeaderValue::from_static("from-client"));
    PassTlsClientCert::new(&Config {
        pem: true,
        info: None,
    })
    .request(&mut req);
    assert_eq!(req.headers()[CERT], "from-client");
}

#[test]
fn info_as_traefik_formats_it() {
    let all_subject = TlsCertSubjectInfo {
        country: true,
        province: true,
        locality: true,
        organization: true,
        organizational_unit: true,
        common_name: true,
        serial_number: true,
        domain_component: true,
    };
    let info = TlsClientCertInfo {
        not_after: true,
        not_before: true,
        sans: true,
        serial_number: true,
        subject: Some(all_subject),
        issuer: Some(TlsCertIssuerInfo {
            common_name: true,
            organization: true,
            ..TlsCertIssuerInfo::default()
        }),
    };
    let raw = info_value(&info, &[cert()]);
    assert_eq!(
        raw,
        "Subject=\"DC=org,C=FR,ST=Occitanie,L=Lyon,O=Cheese,OU=Cheese Section,CN=client.test\";\
         Issuer=\"O=Cheese,CN=client.test\";SerialNumber=\"258\";NB=\"1704153600\";\
         NA=\"1893542400\";SAN=\"client.test,a@b.test,10.0.0.1,::1,spiffe://x/y\""
    );
    let req = run(
        Config {
            pem: false,
            info: Some(info),
        },
        Some(vec![cert()]),
    );
    let header = req.headers()[CERT_INFO].to_str().expect("ascii");
    assert_eq!(header, query_escape(&raw));
    assert!(
        header.starts_with("Subject%3D%22DC%3Dorg%2CC%3DFR"),
        "{header}"
    );
    assert!(
        header.contains("OU%3DCheese+Section"),
        "space as +: {header}"
    );
    // Only what is asked, fields separated by `;`, certificates by `,`.
    let only = TlsClientCertInfo {
        not_after: true,
        ..TlsClientCertInfo::default()
    };
    assert_eq!(
        info_value(&only, &[cert(), cert()]),
        "NA=\"1893542400\",NA=\"1893542400\""
    );
}

#[test]
fn go_formats() {
    assert_eq!(query_escape("a b/c=d\"~"), "a+b%2Fc%3Dd%22~");
    assert_eq!(go_ip(&[10, 0, 0, 1]).as_deref(), Some("10.0.0.1"));
    let mapped = Ipv4Addr::new(1, 2, 3, 4).to_ipv6_mapped().octets();
    assert_eq!(go_ip(&mapped).as_deref(), Some("1.2.3.4"));
}
