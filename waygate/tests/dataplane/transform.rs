//! Request and response transforming middlewares end to end (`replacePath`,
//! `replacePathRegex`, `stripPrefixRegex`, `redirectRegex`, `encodedCharacters`,
//! `contentType`, `headers` CORS and host checks, `passTLSClientCert`): what the client sees
//! and what the whoami backend receives.

use crate::support::{Gw, LOCAL_EP, backend, request};

/// One router per `(host, middlewares)` on `web`, all to `url`.
pub(crate) fn routers(url: &str, routes: &[(&str, &str)], middlewares: &str) -> String {
    let mut out = String::from("http:\n  routers:\n");
    for (i, (host, mw)) in routes.iter().enumerate() {
        out.push_str(&format!(
            "    r{i}:\n      rule: Host(`{host}`)\n      service: s\n      middlewares: [{mw}]\n"
        ));
    }
    out.push_str(&format!(
        "  middlewares:\n{middlewares}  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    ));
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn path_rewrites_as_traefik() {
    let a = backend("a").await;
    let mws = r#"    replace:
      replacePath:
        path: /new path
    replace-re:
      replacePathRegex:
        regex: ^/api/(\d+)/(.*)
        replacement: /v$1/$2
    doubled:
      replacePathRegex:
        regex: ^/(.*)
        replacement: //$1
    strip-re:
      stripPrefixRegex:
        regex: ["/[a-z]+/[0-9]+/"]
"#;
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            &[
                ("rp.test", "replace"),
                ("rpr.test", "replace-re"),
                ("spr.test", "strip-re"),
                ("bad.test", "doubled"),
            ],
            mws,
        ),
    );
    let web = gw.url("web");
    let r = request("GET", &format!("{web}/old/a%2Fb?q=1"), "rp.test", &[]).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.body.contains("GET /new%20path?q=1 HTTP/1.1"),
        "{}",
        r.body
    );
    assert!(r.body.contains("X-Replaced-Path: /old/a%2Fb"), "{}", r.body);

    let r = request("GET", &format!("{web}/api/2/users/7"), "rpr.test", &[]).await;
    assert!(r.body.contains("GET /v2/users/7 HTTP/1.1"), "{}", r.body);
    assert!(
        r.body.contains("X-Replaced-Path: /api/2/users/7"),
        "{}",
        r.body
    );
    let r = request("GET", &format!("{web}/api/x/users"), "rpr.test", &[]).await;
    assert!(
        r.body.contains("GET /api/x/users HTTP/1.1"),
        "no match: {}",
        r.body
    );
    assert!(!r.body.contains("X-Replaced-Path"), "{}", r.body);
    // A rewrite leaving an empty segment is refused, as Traefik's JoinPath check (the
    // entry point already cleaned the incoming path).
    let r = request("GET", &format!("{web}/etc"), "bad.test", &[]).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.body, "Bad Request\n");

    let r = request("GET", &format!("{web}/shop/42/cart?x=y"), "spr.test", &[]).await;
    assert!(r.body.contains("GET /cart?x=y HTTP/1.1"), "{}", r.body);
    assert!(
        r.body.contains("X-Forwarded-Prefix: /shop/42/"),
        "{}",
        r.body
    );
    let r = request("GET", &format!("{web}/x/shop/42/cart"), "spr.test", &[]).await;
    assert!(
        r.body.contains("GET /x/shop/42/cart HTTP/1.1"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_regex_statuses_and_location() {
    let a = backend("a").await;
    let mws = r#"    to-www:
      redirectRegex:
        regex: ^http://example\.test(:\d+)?/(.*)
        replacement: https://www.example.test/${2}
    moved:
      redirectRegex:
        regex: ^http://old\.test(:\d+)?/(.*)
        replacement: http://new.test$1/$2
        permanent: true
"#;
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            &[
                ("example.test", "to-www"),
                ("old.test", "moved"),
                ("www.example.test", "to-www"),
            ],
            mws,
        ),
    );
    let web = gw.url("web");
    let r = request("GET", &format!("{web}/a/b?c=d"), "example.test", &[]).await;
    assert_eq!(r.status, 302, "{r:?}");
    assert_eq!(r.headers["location"], "https://www.example.test/a/b?c=d");
    assert_eq!(r.body, "Found");
    assert!(!r.headers.contains_key("content-type"), "{r:?}");
    let r = request("POST", &format!("{web}/form"), "example.test", &[]).await;
    assert_eq!(r.status, 307, "{r:?}");
    let r = request("GET", &format!("{web}/x"), "old.test:8080", &[]).await;
    assert_eq!(r.status, 301, "{r:?}");
    assert_eq!(r.headers["location"], "http://new.test:8080/x");
    assert_eq!(r.body, "Moved Permanently");
    let r = request("PUT", &format!("{web}/x"), "old.test", &[]).await;
    assert_eq!(r.status, 308, "{r:?}");
    // No match: served.
    let r = request("GET", &format!("{web}/x"), "www.example.test", &[]).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("GET /x HTTP/1.1"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn encoded_characters_refuses_what_is_not_allowed() {
    let a = backend("a").await;
    let mws = "    strict:\n      encodedCharacters: {}\n    slash:\n      encodedCharacters:\n        allowEncodedSlash: true\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            &[("strict.test", "strict"), ("slash.test", "slash")],
            mws,
        ),
    );
    let web = gw.url("web");
    let r = request("GET", &format!("{web}/a%2Fb"), "strict.test", &[]).await;
    assert_eq!((r.status, r.body.as_str()), (400, ""), "{r:?}");
    let r = request("GET", &format!("{web}/a%3bb"), "slash.test", &[]).await;
    assert_eq!(r.status, 400, "{r:?}");
    let r = request("GET", &format!("{web}/a%2Fb%20c?x=%3B"), "slash.test", &[]).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.body.contains("GET /a%2Fb%20c?x=%3B HTTP/1.1"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn content_type_sniffs_only_when_enabled() {
    let a = backend("a").await;
    // whoami always types its answers: `untyped` removes the type on the way back.
    let mws = "    untyped:\n      headers:\n        customResponseHeaders:\n          Content-Type: \"\"\n    sniff:\n      contentType: {}\n    off:\n      contentType:\n        autoDetect: false\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            &[
                ("plain.test", "untyped"),
                ("sniff.test", "sniff, untyped"),
                ("off.test", "off, untyped"),
            ],
            mws,
        ),
    );
    let web = gw.url("web");
    let r = request("GET", &format!("{web}/data?size=3000"), "plain.test", &[]).await;
    assert_eq!(r.status, 200);
    assert!(
        !r.headers.contains_key("content-type"),
        "no sniffing by default: {r:?}"
    );
    let r = request("GET", &format!("{web}/data?size=3000"), "sniff.test", &[]).await;
    assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.body.len(), 3000, "the sniffed bytes are still sent");
    assert!(r.body.starts_with("abcdefghijklmnopqrstuvwxyz"));
    let r = request("GET", &format!("{web}/data?size=3000"), "off.test", &[]).await;
    assert!(
        !r.headers.contains_key("content-type"),
        "autoDetect: false: {r:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn headers_cors_hosts_and_ssl_proxy_headers() {
    let a = backend("a").await;
    let mws = r#"    cors:
      headers:
        accessControlAllowMethods: [GET, POST]
        accessControlAllowHeaders: [X-Custom]
        accessControlAllowOriginList: [https://app.test]
        accessControlAllowOriginListRegex: ['^https://[a-z]+\.apps\.test$']
        accessControlAllowCredentials: true
        accessControlExposeHeaders: [X-Total]
        accessControlMaxAge: 600
        addVaryHeader: true
    hosts-ok:
      headers:
        allowedHosts: [ok.test]
    hosts-no:
      headers:
        allowedHosts: [elsewhere.test]
    sts:
      headers:
        stsSeconds: 100
        sslProxyHeaders:
          X-Test-Proto: https
"#;
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            &[
                ("cors.test", "cors"),
                ("ok.test", "hosts-ok"),
                ("no.test", "hosts-no"),
                ("sts.test", "sts"),
            ],
            mws,
        ),
    );
    let web = gw.url("web");
    // The preflight is answered by the middleware: the backend never sees it.
    let r = request(
        "OPTIONS",
        &format!("{web}/api"),
        "cors.test",
        &[
            ("origin", "https://app.test"),
            ("access-control-request-method", "POST"),
        ],
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (200, ""), "{r:?}");
    let h = &r.headers;
    assert_eq!(h["access-control-allow-methods"], "GET,POST");
    assert_eq!(h["access-control-allow-headers"], "X-Custom");
    assert_eq!(h["access-control-allow-origin"], "https://app.test");
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert_eq!(h["access-control-max-age"], "600");
    assert_eq!(h["content-length"], "0");
    assert!(!h.contains_key("x-whoami-name"), "not forwarded");
    // An ordinary request goes through and gets the CORS headers.
    let r = request(
        "GET",
        &format!("{web}/api"),
        "cors.test",
        &[("origin", "https://x.apps.test")],
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.headers["x-whoami-name"], "a");
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "https://x.apps.test"
    );
    assert_eq!(r.headers["access-control-expose-headers"], "X-Total");
    assert_eq!(r.headers["vary"], "Origin");
    let r = request(
        "GET",
        &format!("{web}/"),
        "cors.test",
        &[("origin", "https://evil.test")],
    )
    .await;
    assert!(
        !r.headers.contains_key("access-control-allow-origin"),
        "{r:?}"
    );

    let r = request("GET", &format!("{web}/"), "ok.test", &[]).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = request("GET", &format!("{web}/"), "no.test", &[]).await;
    assert_eq!((r.status, r.body.as_str()), (500, "Bad Host\n"), "{r:?}");

    let r = request("GET", &format!("{web}/"), "sts.test", &[]).await;
    assert!(
        !r.headers.contains_key("strict-transport-security"),
        "{r:?}"
    );
    let r = request(
        "GET",
        &format!("{web}/"),
        "sts.test",
        &[("x-test-proto", "https")],
    )
    .await;
    assert_eq!(r.headers["strict-transport-security"], "max-age=100");
}

/// curl (OpenSSL) presents a client certificate: the backend gets it as Traefik passes it.
#[tokio::test(flavor = "multi_thread")]
async fn pass_tls_client_cert_through_curl() {
    use base64::Engine as _;
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, SanType,
    };
    let a = backend("a").await;
    let dir = Gw::dir();
    let write = |name: &str, data: &str| {
        let p = dir.join(name);
        std::fs::write(&p, data).expect("write");
        p.display().to_string()
    };
    // Server certificate, a client CA and a client certificate it signed.
    let server = rcgen::generate_simple_self_signed(vec!["mtls.test".into()]).expect("rcgen");
    let (srv_crt, srv_key) = (
        write("srv.crt", &server.cert.pem()),
        write("srv.key", &server.signing_key.serialize_pem()),
    );
    let ca_key = KeyPair::generate().expect("key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.distinguished_name.push(DnType::CommonName, "Test CA");
    ca.distinguished_name
        .push(DnType::OrganizationName, "Waygate");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).expect("ca");
    let ca_file = write("ca.crt", &ca_cert.pem());
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("key");
    let mut p = CertificateParams::new(vec!["client.test".into()]).expect("params");
    p.distinguished_name.push(DnType::CommonName, "client one");
    p.distinguished_name
        .push(DnType::OrganizationalUnitName, "QA");
    p.subject_alt_names
        .push(SanType::IpAddress("10.1.2.3".parse().expect("ip")));
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client = p.signed_by(&key, &issuer).expect("sign");
    let (cl_crt, cl_key) = (
        write("client.crt", &client.pem()),
        write("client.key", &key.serialize_pem()),
    );
    let st = "entryPoints:\n  websecure:\n    address: 127.0.0.1:0\n";
    let dynamic = format!(
        r#"tls:
  certificates:
    - {{certFile: "{srv_crt}", keyFile: "{srv_key}"}}
  options:
    mtls:
      clientAuth:
        caFiles: ["{ca_file}"]
        clientAuthType: VerifyClientCertIfGiven
http:
  routers:
    r:
      rule: Host(`mtls.test`)
      service: s
      middlewares: [pass]
      tls: {{options: mtls}}
  middlewares:
    pass:
      passTLSClientCert:
        pem: true
        info:
          notAfter: true
          sans: true
          subject: {{commonName: true, organizationalUnit: true}}
          issuer: {{commonName: true, organization: true}}
  services:
    s:
      loadBalancer:
        servers: [{{url: "{}"}}]
"#,
        a.url()
    );
    let gw = Gw::start_in_dir(dir.clone(), st, &dynamic);
    let port = gw.addrs["websecure"].port();
    let resolve = format!("mtls.test:{port}:127.0.0.1");
    let url = format!("https://mtls.test:{port}/");
    let curl = |extra: &[&str]| {
        let mut args = vec!["-sk", "--resolve", &resolve];
        args.extend_from_slice(extra);
        args.push(&url);
        let out = std::process::Command::new("curl")
            .args(&args)
            .output()
            .expect("curl (Debian's curl package) must be installed");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let body = curl(&["--cert", &cl_crt, "--key", &cl_key]);
    let pem = base64::engine::general_purpose::STANDARD.encode(client.der().as_ref());
    assert!(
        body.contains(&format!("X-Forwarded-Tls-Client-Cert: {pem}\n")),
        "{body}"
    );
    let info = body
        .lines()
        .find_map(|l| l.strip_prefix("X-Forwarded-Tls-Client-Cert-Info: "))
        .expect("info header");
    assert!(
        info.starts_with("Subject%3D%22OU%3DQA%2CCN%3Dclient+one%22%3BIssuer%3D%22O%3DWaygate%2CCN%3DTest+CA%22%3BNA%3D%22"),
        "{info}"
    );
    assert!(
        info.ends_with("%22%3BSAN%3D%22client.test%2C10.1.2.3%22"),
        "{info}"
    );
    // Without a client certificate: nothing is added.
    let body = curl(&[]);
    assert!(!body.contains("X-Forwarded-Tls-Client"), "{body}");
}
