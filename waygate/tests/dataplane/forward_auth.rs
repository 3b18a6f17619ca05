//! `forwardAuth` end to end: a scripted auth server and backend ([`scripted`]), what the
//! client sees, what the auth server and the backend receive, and the failure paths (auth
//! server down, body too large, answer too large).

mod scripted;

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;

use self::scripted::{Reply, Scripted, Seen, reply, values};
use crate::support::{Gw, LOCAL_EP, Resp, client, eventually, send};

/// The auth server: the `Authorization` header decides.
fn verdict(seen: &Seen) -> Reply {
    let token = seen
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match token {
        "Bearer good" => reply(
            200,
            &[
                ("x-auth-user", "alice"),
                ("x-user-id", "42"),
                ("x-auth-role", "admin"),
                ("x-auth-role", "ops"),
                ("x-secret", "not for the backend"),
                ("set-cookie", "session=from-auth; Path=/"),
                ("set-cookie", "tracker=t"),
            ],
            "ok",
        ),
        "Bearer away" => reply(302, &[("location", "/login?next=%2F")], "go away"),
        "Bearer forbidden" => reply(
            403,
            &[("x-reason", "role"), ("x-auth-user", "bob")],
            "forbidden\n",
        ),
        "Bearer big" => reply(401, &[], &"x".repeat(100)),
        _ => reply(
            401,
            &[
                ("www-authenticate", "Bearer realm=\"app\""),
                ("content-type", "text/plain; charset=utf-8"),
                ("x-reason", "no token"),
            ],
            "denied by the auth server\n",
        ),
    }
}

/// The backend: sets two cookies.
fn backend(_: &Seen) -> Reply {
    reply(
        200,
        &[
            ("set-cookie", "session=from-backend"),
            ("set-cookie", "theme=dark"),
        ],
        "backend",
    )
}

/// One router per `(host, middleware body)`, all to `backend_url`.
fn dynamic(backend_url: &str, routes: &[(&str, &str)]) -> String {
    let mut out = String::from("http:\n  routers:\n");
    for (i, (host, _)) in routes.iter().enumerate() {
        out += &format!(
            "    r{i}:\n      rule: Host(`{host}`)\n      service: s\n      middlewares: [auth{i}]\n"
        );
    }
    out += "  middlewares:\n";
    for (i, (_, mw)) in routes.iter().enumerate() {
        out += &format!("    auth{i}:\n      forwardAuth:\n{mw}");
    }
    out += &format!(
        "  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{backend_url}\"}}]\n"
    );
    out
}

async fn call(gw: &Gw, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    let mut req = http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", gw.url("web")));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("request");
    send(&client(), req).await
}

#[tokio::test(flavor = "multi_thread")]
async fn forward_auth_lets_allowed_requests_on_with_the_granted_headers() {
    let auth = Scripted::start(verdict).await;
    let be = Scripted::start(backend).await;
    let mw = format!(
        "        address: {}/verify?app=1\n        trustForwardHeader: false\n        authResponseHeaders: [X-Auth-User]\n        authResponseHeadersRegex: ^X-Auth-R\n",
        auth.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic(&be.url(), &[("app.test", &mw)]));
    let r = call(
        &gw,
        "POST",
        "/api/x?y=1",
        &[
            ("host", "app.test"),
            ("authorization", "Bearer good"),
            ("x-auth-user", "mallory"),
            ("user-agent", "test/1"),
        ],
        "payload",
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, "backend");

    // What the auth server was asked.
    let asked = auth.last();
    assert_eq!(asked.method, "GET", "preserveRequestMethod is off");
    assert_eq!(asked.target, "/verify?app=1");
    assert_eq!(values(&asked.headers, "host"), [auth.addr.to_string()]);
    assert_eq!(values(&asked.headers, "x-forwarded-method"), ["POST"]);
    assert_eq!(values(&asked.headers, "x-forwarded-uri"), ["/api/x?y=1"]);
    assert_eq!(values(&asked.headers, "x-forwarded-host"), ["app.test"]);
    assert_eq!(values(&asked.headers, "x-forwarded-proto"), ["http"]);
    assert_eq!(values(&asked.headers, "x-forwarded-port"), ["80"]);
    assert_eq!(values(&asked.headers, "x-forwarded-for"), ["127.0.0.1"]);
    assert_eq!(values(&asked.headers, "user-agent"), ["test/1"]);
    assert_eq!(values(&asked.headers, "x-auth-user"), ["mallory"]);
    assert!(asked.body.is_empty(), "forwardBody is off");
    assert!(!asked.headers.contains_key("content-length"));
    // Set by the entry point, removed with trustForwardHeader: false.
    assert!(!asked.headers.contains_key("x-real-ip"));
    assert!(!asked.headers.contains_key("x-forwarded-server"));

    // What the backend got: the granted headers replace the client's, the others do not pass.
    let got = be.last();
    assert_eq!(got.method, "POST");
    assert_eq!(got.body, "payload");
    assert_eq!(values(&got.headers, "x-auth-user"), ["alice"]);
    assert_eq!(values(&got.headers, "x-auth-role"), ["admin", "ops"]);
    assert!(!got.headers.contains_key("x-secret"));
    assert_eq!(values(&got.headers, "authorization"), ["Bearer good"]);

    // The auth server set cookies but none is listed: the backend's go through alone.
    assert_eq!(
        values(&r.headers, "set-cookie"),
        ["session=from-backend", "theme=dark"]
    );

    // The client to the auth server keeps its connections (sequential requests reuse them;
    // as for backends, a connection may be replaced once if the server is slow to be ready).
    for _ in 0..9 {
        let r = call(&gw, "GET", "/", &[("host", "app.test")], "").await;
        assert_eq!(r.status, 401);
    }
    assert_eq!(auth.count(), 10);
    assert!(
        auth.connections() <= 2,
        "{} connections",
        auth.connections()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forward_auth_denials_reach_the_client_verbatim() {
    let auth = Scripted::start(verdict).await;
    let be = Scripted::start(backend).await;
    let mw = format!(
        "        address: {}/verify\n        headerField: X-Auth-User\n",
        auth.url()
    );
    let dir = Gw::dir();
    let log = dir.join("access.log");
    let st = format!(
        "{LOCAL_EP}accessLog:\n  filePath: {}\n  format: json\n",
        log.display()
    );
    let gw = Gw::start_in_dir(dir, &st, &dynamic(&be.url(), &[("app.test", &mw)]));

    let r = call(&gw, "GET", "/", &[("host", "app.test")], "").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        values(&r.headers, "www-authenticate"),
        ["Bearer realm=\"app\""]
    );
    assert_eq!(values(&r.headers, "x-reason"), ["no token"]);
    assert_eq!(
        values(&r.headers, "content-type"),
        ["text/plain; charset=utf-8"]
    );
    assert_eq!(r.body, "denied by the auth server\n");

    let forbidden = [("host", "app.test"), ("authorization", "Bearer forbidden")];
    let r = call(&gw, "DELETE", "/x", &forbidden, "").await;
    assert_eq!(r.status, 403);
    assert_eq!(values(&r.headers, "x-reason"), ["role"]);
    assert_eq!(r.body, "forbidden\n");

    // A relative Location is resolved against the auth server's address.
    let away = [("host", "app.test"), ("authorization", "Bearer away")];
    let r = call(&gw, "GET", "/", &away, "").await;
    assert_eq!(r.status, 302);
    assert_eq!(
        values(&r.headers, "location"),
        [format!("{}/login?next=%2F", auth.url())]
    );
    assert_eq!(r.body, "go away");

    assert_eq!(auth.count(), 3);
    assert_eq!(be.count(), 0, "the backend is never asked");

    // headerField names the client in the access log, whatever the verdict.
    let good = [("host", "app.test"), ("authorization", "Bearer good")];
    assert_eq!(call(&gw, "GET", "/", &good, "").await.status, 200);
    let read = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json line"))
            .collect::<Vec<_>>()
    };
    eventually(Duration::from_secs(10), "4 access log lines", || async {
        read().len() >= 4
    })
    .await;
    let users: Vec<String> = read()
        .iter()
        .map(|l| l["ClientUsername"].as_str().unwrap_or("?").to_string())
        .collect();
    assert_eq!(users, ["-", "bob", "-", "alice"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn forward_auth_location_signin_and_auth_cookies() {
    let auth = Scripted::start(verdict).await;
    let be = Scripted::start(backend).await;
    let base = format!("        address: {}/verify\n", auth.url());
    let preserve = format!("{base}        preserveLocationHeader: true\n");
    let signin = format!(
        "{base}        authSigninURL: https://login.test/signin?from=gw\n        addAuthCookiesToResponse: [session]\n"
    );
    let gw = Gw::start(
        LOCAL_EP,
        &dynamic(
            &be.url(),
            &[("keep.test", &preserve), ("signin.test", &signin)],
        ),
    );

    let r = call(
        &gw,
        "GET",
        "/",
        &[("host", "keep.test"), ("authorization", "Bearer away")],
        "",
    )
    .await;
    assert_eq!(r.status, 302);
    assert_eq!(values(&r.headers, "location"), ["/login?next=%2F"]);

    // A 401 becomes a redirect to authSigninURL (Go's http.Redirect), other denials do not.
    let r = call(&gw, "GET", "/", &[("host", "signin.test")], "").await;
    assert_eq!(r.status, 302);
    assert_eq!(
        values(&r.headers, "location"),
        ["https://login.test/signin?from=gw"]
    );
    assert!(!r.headers.contains_key("www-authenticate"));
    assert_eq!(
        r.body,
        "<a href=\"https://login.test/signin?from=gw\">Found</a>.\n\n"
    );
    let forbidden = [
        ("host", "signin.test"),
        ("authorization", "Bearer forbidden"),
    ];
    let r = call(&gw, "GET", "/", &forbidden, "").await;
    assert_eq!(r.status, 403);

    // The listed cookie comes from the auth server, replacing the backend's.
    let good = [("host", "signin.test"), ("authorization", "Bearer good")];
    let r = call(&gw, "GET", "/", &good, "").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        values(&r.headers, "set-cookie"),
        ["theme=dark", "session=from-auth; Path=/"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forward_auth_server_down_is_a_500_and_a_log_line() {
    let be = Scripted::start(backend).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let mw = format!(
        "        address: http://user:s3cret@127.0.0.1:{port}/verify\n        trustForwardHeader: true\n"
    );
    let gw = Gw::start(LOCAL_EP, &dynamic(&be.url(), &[("app.test", &mw)]));
    let r = call(&gw, "GET", "/", &[("host", "app.test")], "").await;
    assert_eq!(r.status, 500);
    assert_eq!(r.body, "");
    assert_eq!(be.count(), 0);
    let wanted = "error calling the authentication server";
    eventually(Duration::from_secs(5), "the failure is logged", || async {
        gw.logs().contains(wanted)
    })
    .await;
    let logs = gw.logs();
    let line = logs.lines().find(|l| l.contains(wanted)).expect("line");
    assert!(line.contains(&format!("127.0.0.1:{port}/verify")), "{line}");
    assert!(!logs.contains("s3cret"), "no password in the logs");
}

#[tokio::test(flavor = "multi_thread")]
async fn forward_auth_forwards_the_body_up_to_max_body_size() {
    let auth = Scripted::start(verdict).await;
    let be = Scripted::start(backend).await;
    let mw = format!(
        "        address: {}/verify\n        forwardBody: true\n        maxBodySize: 16\n        preserveRequestMethod: true\n        maxResponseBodySize: 64\n",
        auth.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic(&be.url(), &[("app.test", &mw)]));
    let good = [("host", "app.test"), ("authorization", "Bearer good")];

    let r = call(&gw, "PUT", "/up", &good, "sixteen bytes ok").await;
    assert_eq!(r.status, 200, "{r:?}");
    let asked = auth.last();
    assert_eq!(asked.method, "PUT", "preserveRequestMethod");
    assert_eq!(asked.body, "sixteen bytes ok");
    assert_eq!(values(&asked.headers, "content-length"), ["16"]);
    assert_eq!(
        be.last().body,
        "sixteen bytes ok",
        "the backend gets it too"
    );

    // One byte over: Traefik's 401, nobody asked.
    let (asked_before, served_before) = (auth.count(), be.count());
    let r = call(&gw, "PUT", "/up", &good, "seventeen bytes!!").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body, "");
    assert_eq!(auth.count(), asked_before);
    assert_eq!(be.count(), served_before);

    // An answer over maxResponseBodySize: 401 without the answer.
    let big = [("host", "app.test"), ("authorization", "Bearer big")];
    let r = call(&gw, "GET", "/", &big, "").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body, "");
}

#[tokio::test(flavor = "multi_thread")]
async fn forward_auth_trust_forward_header_and_auth_request_headers() {
    let auth = Scripted::start(verdict).await;
    let be = Scripted::start(backend).await;
    let base = format!("        address: {}/verify\n", auth.url());
    let routes = [
        (
            "trust.test",
            format!("{base}        trustForwardHeader: true\n"),
        ),
        (
            "strip.test",
            format!("{base}        trustForwardHeader: false\n"),
        ),
        ("legacy.test", base.clone()),
        (
            "filter.test",
            format!(
                "{base}        trustForwardHeader: false\n        authRequestHeaders: [Authorization]\n"
            ),
        ),
    ];
    let routes: Vec<(&str, &str)> = routes.iter().map(|(h, m)| (*h, m.as_str())).collect();
    // The entry point believes the client's X-Forwarded-*, as behind a trusted proxy.
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    forwardedHeaders:\n      insecure: true\n";
    let gw = Gw::start(st, &dynamic(&be.url(), &routes));
    let ask = |host: &'static str| {
        let gw = &gw;
        let auth = &auth;
        async move {
            let headers = [
                ("host", host),
                ("authorization", "Bearer good"),
                ("x-forwarded-for", "203.0.113.9"),
                ("x-forwarded-uri", "/spoofed"),
                ("x-forwarded-prefix", "/p"),
                ("x-custom", "c"),
            ];
            let r = call(gw, "GET", "/real", &headers, "").await;
            assert_eq!(r.status, 200, "{host}: {r:?}");
            auth.last().headers
        }
    };

    let h = ask("trust.test").await;
    assert_eq!(values(&h, "x-forwarded-for"), ["203.0.113.9, 127.0.0.1"]);
    assert_eq!(values(&h, "x-forwarded-uri"), ["/spoofed"]);
    assert_eq!(values(&h, "x-forwarded-prefix"), ["/p"]);
    assert_eq!(values(&h, "x-forwarded-method"), ["GET"]);

    let h = ask("strip.test").await;
    assert_eq!(values(&h, "x-forwarded-for"), ["127.0.0.1"]);
    assert_eq!(values(&h, "x-forwarded-uri"), ["/real"]);
    assert!(!h.contains_key("x-forwarded-prefix"));

    let h = ask("legacy.test").await;
    assert_eq!(values(&h, "x-forwarded-for"), ["127.0.0.1"]);
    assert_eq!(values(&h, "x-forwarded-uri"), ["/real"]);
    assert_eq!(values(&h, "x-forwarded-prefix"), ["/p"], "passed untouched");

    let h = ask("filter.test").await;
    let mut names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "authorization",
            "host",
            "x-forwarded-for",
            "x-forwarded-host",
            "x-forwarded-method",
            "x-forwarded-port",
            "x-forwarded-proto",
            "x-forwarded-uri",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forward_auth_example_protects_the_api() {
    let auth = Scripted::start(verdict).await;
    let api = Scripted::start(backend).await;
    // examples/forward-auth as written, its two services pointed at the scripted servers.
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/forward-auth/dynamic.yml"),
    )
    .expect("example");
    let dynamic = example
        .replace("http://auth-service:9000", &auth.url())
        .replace("http://go-api:8080", &api.url());
    assert_ne!(dynamic, example);
    let gw = Gw::start(LOCAL_EP, &dynamic);

    let r = call(&gw, "GET", "/v1/orders", &[("host", "api.example.com")], "").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body, "denied by the auth server\n");
    assert_eq!(api.count(), 0);

    let good = [
        ("host", "api.example.com"),
        ("authorization", "Bearer good"),
        ("x-user-id", "1"),
        ("user-agent", "test/1"),
    ];
    let r = call(&gw, "GET", "/v1/orders", &good, "").await;
    assert_eq!(r.status, 200);
    let asked = auth.last();
    assert_eq!(asked.target, "/verify");
    assert_eq!(values(&asked.headers, "x-forwarded-uri"), ["/v1/orders"]);
    assert!(
        !asked.headers.contains_key("user-agent"),
        "authRequestHeaders"
    );
    let got = api.last();
    assert_eq!(
        values(&got.headers, "x-user-id"),
        ["42"],
        "the client's is replaced"
    );
    assert_eq!(
        values(&r.headers, "set-cookie"),
        ["theme=dark", "session=from-auth; Path=/"]
    );

    // The verification service's own endpoints are public.
    let r = call(
        &gw,
        "POST",
        "/auth/login",
        &[("host", "api.example.com")],
        "",
    )
    .await;
    assert_eq!(r.status, 401, "answered by the service itself");
    assert_eq!(auth.last().target, "/auth/login");
    assert_eq!(auth.last().method, "POST");
}

/// A certificate for `names` signed by `ca` (`None`: a CA itself): (PEM, DER, key).
fn certificate(
    names: &[&str],
    ca: Option<&rcgen::Issuer<'static, rcgen::KeyPair>>,
) -> (
    String,
    rcgen::Certificate,
    rcgen::KeyPair,
    rcgen::CertificateParams,
) {
    let key = rcgen::KeyPair::generate().expect("key");
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = rcgen::CertificateParams::new(names).expect("params");
    let cert = match ca {
        None => {
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            params.self_signed(&key).expect("self-signed")
        }
        Some(ca) => params.signed_by(&key, ca).expect("signed"),
    };
    (cert.pem(), cert, key, params)
}

#[tokio::test(flavor = "multi_thread")]
async fn forward_auth_speaks_tls_with_the_configured_ca_and_client_certificate() {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    use std::sync::Arc;

    let (ca_pem, ca_cert, ca_key, ca_params) = certificate(&[], None);
    let ca = rcgen::Issuer::new(ca_params, ca_key);
    let (_, server_cert, server_key, _) = certificate(&["localhost"], Some(&ca));
    let (client_pem, _, client_key, _) = certificate(&["client.test"], Some(&ca));
    let dir = Gw::dir();
    std::fs::write(dir.join("ca.pem"), &ca_pem).expect("ca");
    std::fs::write(dir.join("client.pem"), &client_pem).expect("client cert");
    std::fs::write(dir.join("client.key"), client_key.serialize_pem()).expect("client key");

    // The auth server wants a client certificate from the same CA.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca_cert.der().clone()).expect("root");
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .expect("verifier");
    let server_tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from(server_cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
        )
        .expect("server config");
    let auth = Scripted::start_with(verdict, Some(Arc::new(server_tls))).await;
    let be = Scripted::start(backend).await;

    let d = dir.display();
    let address = format!(
        "        address: https://localhost:{}/verify\n",
        auth.port()
    );
    let client = format!("          cert: {d}/client.pem\n          key: {d}/client.key\n");
    let routes = [
        (
            "mtls.test",
            format!("{address}        tls:\n          ca: {d}/ca.pem\n{client}"),
        ),
        (
            "insecure.test",
            format!("{address}        tls:\n          insecureSkipVerify: true\n{client}"),
        ),
        (
            "nocert.test",
            format!("{address}        tls:\n          ca: {d}/ca.pem\n"),
        ),
        ("system.test", address.clone()),
    ];
    let routes: Vec<(&str, &str)> = routes.iter().map(|(h, m)| (*h, m.as_str())).collect();
    let gw = Gw::start_in_dir(dir, LOCAL_EP, &dynamic(&be.url(), &routes));
    let status = |host: &'static str| {
        let gw = &gw;
        async move {
            let headers = [("host", host), ("authorization", "Bearer good")];
            call(gw, "GET", "/", &headers, "").await.status
        }
    };
    assert_eq!(status("mtls.test").await, 200);
    assert_eq!(
        values(&auth.last().headers, "x-forwarded-host"),
        ["mtls.test"]
    );
    assert_eq!(status("insecure.test").await, 200);
    // No client certificate, or a server certificate no system root vouches for.
    assert_eq!(status("nocert.test").await, 500);
    assert_eq!(status("system.test").await, 500);
    assert_eq!(be.count(), 2);
}
