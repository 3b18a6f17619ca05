//! `httpreq` against a local HTTP server standing for the user's endpoint (by design the
//! provider talks to a server the user runs): the exact requests (path, method, JSON body,
//! basic auth) in default and RAW mode, and an endpoint error reaching the DnsError.

#[path = "support/http_stub.rs"]
mod http_stub;

use std::collections::HashMap;

use base64::Engine as _;
use http_stub::StubServer;
use serde_json::json;
use waygate_acme::dns::{DnsProvider, TxtRecord};

fn record() -> TxtRecord {
    TxtRecord {
        domain: "www.example.com".into(),
        fqdn: "_acme-challenge.www.example.com.".into(),
        value: "LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmtoM".into(),
        token: "tok".into(),
        key_auth: "tok.thumb".into(),
    }
}

fn provider(vars: &[(&str, String)]) -> DnsProvider {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    DnsProvider::from_env("httpreq", &move |k| map.get(k).cloned()).expect("httpreq provider")
}

#[tokio::test]
async fn default_mode_posts_fqdn_and_value_with_basic_auth() {
    let server = StubServer::start(|_| (200, String::new())).await;
    let dns = provider(&[
        (
            "HTTPREQ_ENDPOINT",
            format!("{}/dns/api?ignored=1", server.url()),
        ),
        ("HTTPREQ_USERNAME", "acme".into()),
        ("HTTPREQ_PASSWORD", "s3cret".into()),
    ]);
    dns.present(&record()).await.expect("present");
    dns.cleanup(&record()).await.expect("cleanup");

    let requests = server.requests();
    let paths: Vec<_> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        paths,
        [("POST", "/dns/api/present"), ("POST", "/dns/api/cleanup")]
    );
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("acme:s3cret")
    );
    for req in &requests {
        assert_eq!(req.header("authorization"), Some(basic.as_str()));
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(
            req.json(),
            json!({"fqdn": "_acme-challenge.www.example.com.", "value": "LHDhK3oGRvkiefQnx7OOczTY5Tic_xZ6HcMOc_gmtoM"})
        );
    }
}

#[tokio::test]
async fn raw_mode_posts_domain_token_and_key_auth() {
    let server = StubServer::start(|_| (204, String::new())).await;
    // A username without a password: no Authorization header (lego needs both).
    let dns = provider(&[
        ("HTTPREQ_ENDPOINT", server.url()),
        ("HTTPREQ_MODE", "RAW".into()),
        ("HTTPREQ_USERNAME", "acme".into()),
    ]);
    dns.present(&record()).await.expect("present");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/present");
    assert_eq!(requests[0].header("authorization"), None);
    assert_eq!(
        requests[0].json(),
        json!({"domain": "www.example.com", "token": "tok", "keyAuth": "tok.thumb"})
    );
}

#[tokio::test]
async fn an_endpoint_error_is_reported_with_status_and_body() {
    let server = StubServer::start(|_| (500, "zone is locked".into())).await;
    let dns = provider(&[("HTTPREQ_ENDPOINT", server.url())]);
    let err = dns
        .present(&record())
        .await
        .expect_err("500 must fail")
        .to_string();
    assert!(err.starts_with("httpreq: POST http://"), "{err}");
    assert!(
        err.contains("500") && err.contains("zone is locked"),
        "{err}"
    );

    // Nothing listening: a connect error, not a hang.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let dns = provider(&[
        ("HTTPREQ_ENDPOINT", format!("http://{closed}")),
        ("HTTPREQ_HTTP_TIMEOUT", "5".into()),
    ]);
    let err = dns
        .present(&record())
        .await
        .expect_err("no server")
        .to_string();
    assert!(err.contains("httpreq: POST"), "{err}");
}
