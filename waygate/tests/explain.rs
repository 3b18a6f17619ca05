//! `waygate explain` through the real binary, checked against the real gateway: on the same
//! files, the router `explain` names is the one whose backend answers (priority ties
//! included), a request no router takes gets the nearest routers and a 404, for an
//! `https://` URL the TLS option and certificate named are the ones the handshake gets, and
//! `GET /api/explain` answers the same from the serving table.

#[path = "tls/support.rs"]
#[allow(dead_code)] // the shared harness: this target uses part of it
mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

use crate::support::{Client, Gw, backend, cert_files, common_name, get, peer_cert};

const EP: &str = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n";

/// Runs `waygate explain --configFile=<gw's static file> args…`: (exit code, stdout).
fn explain(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_waygate"))
        .arg("explain")
        .arg(format!(
            "--configFile={}",
            dir.join("traefik.yml").display()
        ))
        .args(args)
        .output()
        .expect("run waygate explain");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("error"), "{stderr}");
    let code = out.status.code().unwrap_or(-1);
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The winner on entry point `web` (JSON output), or `None`.
fn winner(dir: &Path, req: &str, headers: &[&str]) -> Option<String> {
    let mut args = vec![req, "--format", "json", "--entryPoint=web"];
    for h in headers {
        args.extend(["-H", h]);
    }
    let (code, out) = explain(dir, &args);
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let w = json["entryPoints"][0]["winner"]["router"].as_str();
    assert_eq!(code, if w.is_some() { 0 } else { 1 }, "{out}");
    w.map(str::to_string)
}

/// Plain HTTP/1.1 `GET path` with `Host` and extra headers: (status, backend).
async fn send(addr: SocketAddr, host: &str, path: &str, headers: &[&str]) -> (u16, String) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let mut req = http::Request::get(path).header("host", host);
    for h in headers {
        let (k, v) = h.split_once(':').expect("K: V");
        req = req.header(k.trim(), v.trim());
    }
    let resp = send
        .send_request(req.body(Empty::<Bytes>::new()).expect("request"))
        .await
        .expect("response");
    let backend = resp
        .headers()
        .get("x-whoami-name")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (resp.status().as_u16(), backend)
}

/// `GET path` on `addr`: (status, body).
async fn fetch(addr: SocketAddr, path: &str) -> (u16, String) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let req = http::Request::get(path)
        .header("host", "gw")
        .body(Empty::<Bytes>::new())
        .expect("request");
    let resp = send.send_request(req).await.expect("response");
    let status = resp.status().as_u16();
    let body = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn lb(name: &str, url: &str) -> String {
    format!("    {name}:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_router_explain_names_is_the_one_that_answers() {
    let (a, b, c) = (backend("a").await, backend("b").await, backend("c").await);
    // `tie-a` and `tie-b` have the same priority: the data plane orders them by name.
    let dynamic = format!(
        "http:\n  routers:\n\
        \x20   tie-b:\n      rule: PathPrefix(`/api`)\n      priority: 50\n      service: b\n\
        \x20   tie-a:\n      rule: Host(`app.test`)\n      priority: 50\n      service: a\n\
        \x20   canary:\n      rule: Host(`app.test`) && Header(`X-Env`, `canary`)\n      priority: 60\n      service: c\n\
        \x20   clean:\n      rule: Path(`/static/app.js`)\n      priority: 100\n      service: c\n\
        \x20 services:\n{}{}{}",
        lb("a", &a.url()),
        lb("b", &b.url()),
        lb("c", &c.url())
    );
    let gw = Gw::start(EP, &dynamic);
    let addr = gw.addrs["web"];
    let cases: &[(&str, &str, &[&str])] = &[
        // Both tie-a and tie-b match: the first name wins.
        ("app.test", "/api/v1?x=1", &[]),
        ("other.test", "/api/v1", &[]),
        ("app.test", "/", &[]),
        ("app.test", "/api", &["X-Env: canary"]),
        ("app.test", "/api", &["X-Env: prod"]),
        // The routers see the cleaned path.
        ("x.test", "/img/../static/./app.js", &[]),
        ("other.test", "/web", &[]),
    ];
    for (host, path, headers) in cases {
        let said = winner(&gw.dir, &format!("GET http://{host}{path}"), headers);
        let (status, answered) = send(addr, host, path, headers).await;
        let case = format!("{host}{path} {headers:?}: explain said {said:?}");
        match said.as_deref() {
            None => assert_eq!(status, 404, "{case}"),
            Some(router) => {
                let service = match router {
                    "tie-a@file" => "a",
                    "tie-b@file" => "b",
                    "canary@file" | "clean@file" => "c",
                    other => panic!("unexpected winner {other}"),
                };
                assert_eq!((status, answered.as_str()), (200, service), "{case}");
            }
        }
    }
    assert_eq!(
        winner(&gw.dir, "GET http://app.test/api/v1", &[]).as_deref(),
        Some("tie-a@file")
    );
    let (_, text) = explain(&gw.dir, &["http://app.test/api/v1"]);
    assert!(
        text.contains("priority tie with tie-b@file (50): the first name wins"),
        "{text}"
    );
    assert!(text.contains("· tie-b@file (priority 50)  not reached (would match)"));
    assert!(text.contains(&format!(
        "server: {} (next in weighted round robin)",
        a.url()
    )));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_match_lists_the_nearest_routers() {
    let a = backend("a").await;
    let dynamic = format!(
        "http:\n  routers:\n\
        \x20   api:\n      rule: Host(`api.example.com`) && PathPrefix(`/v1`)\n      service: a\n\
        \x20   admin:\n      rule: Host(`admin.example.com`) && Method(`POST`) && ClientIP(`10.0.0.0/8`)\n      service: a\n\
        \x20 services:\n{}",
        lb("a", &a.url())
    );
    let gw = Gw::start(EP, &dynamic);
    let (code, text) = explain(&gw.dir, &["GET http://app.example.com/v1/users"]);
    assert_eq!(code, 1, "{text}");
    let nearest = text
        .split("  nearest:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        nearest,
        "    api@file:\n      Host(`api.example.com`) failed: host is `app.example.com`, \
         wanted `api.example.com`\n\
         \x20   admin@file:\n      Host(`admin.example.com`) failed: host is `app.example.com`, \
         wanted `admin.example.com`\n      Method(`POST`) failed: method is `GET`, wanted `POST`\n      \
         ClientIP(`10.0.0.0/8`) failed: the client IP is unknown\n",
        "{text}"
    );
    let (status, _) = send(gw.addrs["web"], "app.example.com", "/v1/users", &[]).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn https_names_the_tls_option_and_certificate_the_handshake_gets() {
    let (a, b) = (backend("a").await, backend("b").await);
    let dir = Gw::dir();
    let (crt, key, der) = cert_files(&dir, "app", &["app.test", "www.app.test"]);
    let dynamic = format!(
        "http:\n  routers:\n\
        \x20   secure:\n      rule: Host(`app.test`)\n      service: a\n      tls:\n        options: modern\n\
        \x20   plain:\n      rule: Host(`app.test`)\n      service: b\n\
        \x20   other:\n      rule: Host(`other.test`)\n      service: b\n      tls: {{}}\n\
        \x20 services:\n{}{}\
        tls:\n  options:\n    modern:\n      minVersion: VersionTLS13\n\
        \x20 certificates:\n    - certFile: {crt}\n      keyFile: {key}\n",
        lb("a", &a.url()),
        lb("b", &b.url())
    );
    let gw = Gw::start_in_dir(dir, EP, &dynamic);
    let addr = gw.addrs["web"];

    let (code, out) = explain(&gw.dir, &["GET https://app.test/", "--format=json"]);
    assert_eq!(code, 0, "{out}");
    let json: Value = serde_json::from_str(&out).expect("json");
    let ep = &json["entryPoints"][0];
    assert_eq!(ep["tls"]["sni"], "app.test");
    assert_eq!(ep["tls"]["option"], "modern@file");
    let cert = &ep["tls"]["certificate"];
    assert_eq!(
        cert["sans"],
        serde_json::json!(["app.test", "www.app.test"])
    );
    assert_eq!(cert["coversSni"], true);
    assert_eq!(ep["winner"]["router"], "secure@file");
    // The handshake: TLS 1.3 only (option `modern`), the listed certificate, router `secure`.
    let tls = Client::default()
        .connect(addr, "app.test")
        .await
        .expect("tls");
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    assert_eq!(peer_cert(&tls), der);
    assert_eq!(
        get(tls, "app.test").await.expect("get").backend.as_deref(),
        Some("a")
    );

    // No certificate covers other.test: the default option and the generated certificate.
    let (_, text) = explain(&gw.dir, &["https://other.test/"]);
    assert!(
        text.contains("tls: SNI other.test → option default; certificate CN=WAYGATE DEFAULT CERT"),
        "{text}"
    );
    assert!(text.contains("(the generated default certificate: none covers the SNI)"));
    let tls = Client::default()
        .connect(addr, "other.test")
        .await
        .expect("tls");
    assert_eq!(common_name(&peer_cert(&tls)), "WAYGATE DEFAULT CERT");

    // Plain http:// goes to the routers without TLS.
    assert_eq!(
        winner(&gw.dir, "GET http://app.test/", &[]).as_deref(),
        Some("plain@file")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_explains_with_the_serving_table() {
    let (a, b) = (backend("a").await, backend("b").await);
    let dynamic = format!(
        "http:\n  routers:\n\
        \x20   tie-b:\n      rule: PathPrefix(`/`)\n      priority: 5\n      service: b\n      entryPoints: [web]\n\
        \x20   tie-a:\n      rule: Host(`app.test`)\n      priority: 5\n      service: a\n      entryPoints: [web]\n\
        \x20 services:\n{}{}",
        lb("a", &a.url()),
        lb("b", &b.url())
    );
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n  traefik:\n    address: 127.0.0.1:0\n\
              api:\n  insecure: true\n";
    let gw = Gw::start(st, &dynamic);
    let api = gw.addrs["traefik"];
    let (status, body) = fetch(
        api,
        "/api/explain?url=http%3A%2F%2Fapp.test%2Fx&header=X-Env:+canary&entryPoint=web",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).expect("json");
    let ep = &json["entryPoints"][0];
    assert_eq!(ep["entryPoint"], "web");
    assert_eq!(ep["winner"]["router"], "tie-a@file");
    assert_eq!(ep["candidates"][1]["router"], "tie-b@file");
    assert_eq!(ep["candidates"][1]["reached"], false);
    // Same answer as the CLI, and as the gateway.
    assert_eq!(
        winner(&gw.dir, "GET http://app.test/x", &[]).as_deref(),
        Some("tie-a@file")
    );
    let (_, answered) = send(gw.addrs["web"], "app.test", "/x", &[]).await;
    assert_eq!(answered, "a");
    let (status, body) = fetch(api, "/api/explain?url=ftp%3A%2F%2Fx%2F").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("is not an http:// or https:// URL"), "{body}");
    let (status, _) = fetch(api, "/api/explain").await;
    assert_eq!(status, 400);
}

#[test]
fn bad_requests_are_usage_errors() {
    let dir = std::env::temp_dir().join(format!("waygate-explain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("traefik.yml"), EP).expect("write");
    for args in [
        &["ftp://x/"][..],
        &["GET http://x/", "--entryPoint=nope"],
        &["GET http://x/", "-H", "no colon"],
        &[],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_waygate"))
            .arg("explain")
            .arg(format!(
                "--configFile={}",
                dir.join("traefik.yml").display()
            ))
            .args(args)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("waygate explain: "));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
