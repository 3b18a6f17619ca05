//! TLS termination end to end, through the real binary and real sockets: certificate
//! selection by SNI (and the default certificate), `sniStrict`, ALPN (h2 and http/1.1), TLS
//! options chosen per router host, client certificates, plain HTTP and TLS on one entry
//! point, and certificates reloaded from the dynamic configuration.

#[path = "tls/support.rs"]
mod support;

use std::time::Duration;

use crate::support::{
    Client, Gw, backend, ca, cert_files, client_cert, common_name, eventually, get, get_plain,
    peer_cert,
};

const TLS12_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];

const EP: &str = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n";

fn service(name: &str, url: &str) -> String {
    format!("    {name}:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn sni_selects_the_certificate_else_the_default() {
    let a = backend("a").await;
    let dir = Gw::dir();
    let (a_crt, a_key, a_der) = cert_files(&dir, "a", &["a.test"]);
    let (w_crt, w_key, w_der) = cert_files(&dir, "wild", &["*.wild.test"]);
    let dynamic = format!(
        r#"
tls:
  certificates:
    - {{certFile: "{a_crt}", keyFile: "{a_key}"}}
    - {{certFile: "{w_crt}", keyFile: "{w_key}"}}
http:
  routers:
    a:
      rule: Host(`a.test`) || HostRegexp(`.+`)
      service: a
      tls: {{}}
  services:
{}"#,
        service("a", &a.url())
    );
    let gw = Gw::start_in_dir(dir, EP, &dynamic);
    let addr = gw.addrs["web"];

    let tls = Client::default()
        .connect(addr, "a.test")
        .await
        .expect("handshake");
    assert_eq!(peer_cert(&tls), a_der);
    let r = get(tls, "a.test").await.expect("response");
    assert_eq!((r.status, r.backend.as_deref()), (200, Some("a")), "{r:?}");

    let tls = Client::default()
        .connect(addr, "X.Wild.Test")
        .await
        .expect("wildcard");
    assert_eq!(peer_cert(&tls), w_der);

    let tls = Client::default()
        .connect(addr, "unknown.test")
        .await
        .expect("default");
    assert_eq!(common_name(&peer_cert(&tls)), "WAYGATE DEFAULT CERT");
    // The router matches any host, so the default certificate still serves the request.
    let r = get(tls, "unknown.test").await.expect("response");
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn sni_strict_refuses_unknown_names() {
    let a = backend("a").await;
    let dir = Gw::dir();
    let (crt, key, _) = cert_files(&dir, "a", &["a.test"]);
    let dynamic = format!(
        r#"
tls:
  certificates:
    - {{certFile: "{crt}", keyFile: "{key}"}}
  options:
    default:
      sniStrict: true
http:
  routers:
    a:
      rule: Host(`a.test`)
      service: a
      tls: {{}}
  services:
{}"#,
        service("a", &a.url())
    );
    let gw = Gw::start_in_dir(dir, EP, &dynamic);
    let addr = gw.addrs["web"];
    assert!(Client::default().connect(addr, "a.test").await.is_ok());
    assert!(
        Client::default()
            .connect(addr, "unknown.test")
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn alpn_h2_and_http11_fallback() {
    let a = backend("a").await;
    let dir = Gw::dir();
    let (crt, key, _) = cert_files(&dir, "a", &["a.test"]);
    let dynamic = format!(
        r#"
tls:
  certificates:
    - {{certFile: "{crt}", keyFile: "{key}"}}
http:
  routers:
    a:
      rule: Host(`a.test`)
      service: a
      tls: {{}}
  services:
{}"#,
        service("a", &a.url())
    );
    let gw = Gw::start_in_dir(dir, EP, &dynamic);
    let addr = gw.addrs["web"];

    let tls = Client::default().connect(addr, "a.test").await.expect("h2");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let r = get(tls, "a.test").await.expect("response");
    assert_eq!((r.status, r.version), (200, http::Version::HTTP_2), "{r:?}");

    let http11 = Client {
        alpn: &["http/1.1"],
        ..Client::default()
    };
    let tls = http11.connect(addr, "a.test").await.expect("http/1.1");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
    let r = get(tls, "a.test").await.expect("response");
    assert_eq!(
        (r.status, r.version),
        (200, http::Version::HTTP_11),
        "{r:?}"
    );

    // No ALPN at all: HTTP/1.1.
    let none = Client {
        alpn: &[],
        ..Client::default()
    };
    let r = get(
        none.connect(addr, "a.test").await.expect("no alpn"),
        "a.test",
    )
    .await
    .expect("response");
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_options_per_router_host() {
    let a = backend("a").await;
    let dir = Gw::dir();
    let (crt, key, _) = cert_files(&dir, "ab", &["modern.test", "legacy.test"]);
    let dynamic = format!(
        r#"
tls:
  certificates:
    - {{certFile: "{crt}", keyFile: "{key}"}}
  options:
    modern:
      minVersion: VersionTLS13
http:
  routers:
    modern:
      rule: Host(`modern.test`)
      service: a
      tls: {{options: modern}}
    legacy:
      rule: Host(`legacy.test`)
      service: a
      tls: {{}}
  services:
{}"#,
        service("a", &a.url())
    );
    let gw = Gw::start_in_dir(dir, EP, &dynamic);
    let addr = gw.addrs["web"];
    let tls12 = || Client {
        versions: TLS12_ONLY,
        ..Client::default()
    };
    assert!(
        tls12().connect(addr, "modern.test").await.is_err(),
        "minVersion TLS13 must refuse a TLS 1.2-only client"
    );
    let tls = tls12()
        .connect(addr, "legacy.test")
        .await
        .expect("default option");
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    let tls = Client::default()
        .connect(addr, "modern.test")
        .await
        .expect("1.3");
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    assert_eq!(get(tls, "modern.test").await.expect("response").status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn require_and_verify_client_cert() {
    let a = backend("a").await;
    let dir = Gw::dir();
    let (crt, key, _) = cert_files(&dir, "a", &["mtls.test"]);
    let (ca_pem, issuer) = ca();
    let ca_file = dir.join("ca.crt");
    std::fs::write(&ca_file, ca_pem).expect("write ca");
    let dynamic = format!(
        r#"
tls:
  certificates:
    - {{certFile: "{crt}", keyFile: "{key}"}}
  options:
    mtls:
      clientAuth:
        caFiles: ["{}"]
        clientAuthType: RequireAndVerifyClientCert
http:
  routers:
    a:
      rule: Host(`mtls.test`)
      service: a
      tls: {{options: mtls}}
  services:
{}"#,
        ca_file.display(),
        service("a", &a.url())
    );
    let gw = Gw::start_in_dir(dir, EP, &dynamic);
    let addr = gw.addrs["web"];

    // TLS 1.3 clients learn of the rejection on their first read: try a request.
    let without = async {
        let tls = Client::default().connect(addr, "mtls.test").await?;
        get(tls, "mtls.test").await.map_err(std::io::Error::other)
    };
    assert!(without.await.is_err(), "a client without a certificate");

    let (stranger, stranger_key) = {
        let (other_ca, other) = ca();
        let _ = other_ca;
        client_cert(&other)
    };
    let foreign = async {
        let c = Client {
            cert: Some((stranger, stranger_key)),
            ..Client::default()
        };
        let tls = c.connect(addr, "mtls.test").await?;
        get(tls, "mtls.test").await.map_err(std::io::Error::other)
    };
    assert!(foreign.await.is_err(), "a certificate from another CA");

    let with = Client {
        cert: Some(client_cert(&issuer)),
        ..Client::default()
    };
    let tls = with.connect(addr, "mtls.test").await.expect("handshake");
    let r = get(tls, "mtls.test").await.expect("response");
    assert_eq!((r.status, r.backend.as_deref()), (200, Some("a")));
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_and_tls_on_one_entry_point() {
    let plain = backend("plain").await;
    let secure = backend("secure").await;
    let dir = Gw::dir();
    let (crt, key, _) = cert_files(&dir, "a", &["site.test"]);
    let dynamic = format!(
        r#"
tls:
  certificates:
    - {{certFile: "{crt}", keyFile: "{key}"}}
http:
  routers:
    plain:
      rule: Host(`site.test`)
      service: plain
      entryPoints: [web]
    secure:
      rule: Host(`site.test`)
      service: secure
      entryPoints: [web]
      tls: {{}}
    only-tls:
      rule: Host(`only.test`)
      service: secure
      entryPoints: [web]
      tls: {{}}
    modelled:
      rule: Host(`site.test`)
      service: secure
      entryPoints: [websecure]
  services:
{}{}"#,
        service("plain", &plain.url()),
        service("secure", &secure.url())
    );
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n  websecure:\n    address: 127.0.0.1:0\n    http:\n      tls: {}\n";
    let gw = Gw::start_in_dir(dir, st, &dynamic);
    let web = gw.addrs["web"];

    let r = get_plain(web, "site.test").await;
    assert_eq!(
        (r.status, r.backend.as_deref()),
        (200, Some("plain")),
        "{r:?}"
    );
    let tls = Client::default()
        .connect(web, "site.test")
        .await
        .expect("tls");
    let r = get(tls, "site.test").await.expect("response");
    assert_eq!(
        (r.status, r.backend.as_deref()),
        (200, Some("secure")),
        "{r:?}"
    );
    assert!(r.body.contains("X-Forwarded-Proto: https"), "{}", r.body);
    assert!(r.body.contains("X-Forwarded-Port: 443"), "{}", r.body);
    // A TLS router does not serve plain connections.
    let r = get_plain(web, "only.test").await;
    assert_eq!((r.status, r.body.as_str()), (404, "404 page not found\n"));

    // `http.tls` on the entry point makes its routers TLS routers.
    let websecure = gw.addrs["websecure"];
    assert_eq!(get_plain(websecure, "site.test").await.status, 404);
    let tls = Client::default()
        .connect(websecure, "site.test")
        .await
        .expect("tls");
    let r = get(tls, "site.test").await.expect("response");
    assert_eq!(
        (r.status, r.backend.as_deref()),
        (200, Some("secure")),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn certificates_reload_without_restart() {
    let a = backend("a").await;
    let dir = Gw::dir();
    let (crt, key, der) = cert_files(&dir, "new", &["new.test"]);
    let routers = format!(
        r#"
http:
  routers:
    a:
      rule: Host(`new.test`)
      service: a
      tls: {{}}
  services:
{}"#,
        service("a", &a.url())
    );
    let gw = Gw::start_in_dir(dir, EP, &routers);
    let addr = gw.addrs["web"];
    let pid = gw.pid();
    let tls = Client::default()
        .connect(addr, "new.test")
        .await
        .expect("default");
    assert_eq!(common_name(&peer_cert(&tls)), "WAYGATE DEFAULT CERT");

    gw.write_dynamic(&format!(
        "tls:\n  certificates:\n    - {{certFile: \"{crt}\", keyFile: \"{key}\"}}\n{routers}"
    ));
    eventually(
        Duration::from_secs(5),
        "the new certificate is served",
        || {
            let der = der.clone();
            async move {
                match Client::default().connect(addr, "new.test").await {
                    Ok(tls) => peer_cert(&tls) == der,
                    Err(_) => false,
                }
            }
        },
    )
    .await;
    assert_eq!(gw.pid(), pid);
    let tls = Client::default()
        .connect(addr, "new.test")
        .await
        .expect("tls");
    assert_eq!(get(tls, "new.test").await.expect("response").status, 200);
    assert!(!gw.logs().contains("panicked"), "{}", gw.logs());
}
