//! X-Forwarded-* and X-Real-Ip as the backend sees them, with and without trusted IPs.

use crate::support::{Gw, backend, client, send};

fn api_route(url: &str) -> String {
    format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    )
}

async fn seen_headers(gw: &Gw) -> serde_json::Value {
    seen_headers_of(gw, http::Method::GET, "").await
}

/// The headers the backend saw for a `method` request with `body`.
async fn seen_headers_of(gw: &Gw, method: http::Method, body: &'static str) -> serde_json::Value {
    let req = http::Request::builder()
        .method(method)
        .uri(format!("{}/api", gw.url("web")))
        .header("host", "app.test:8080")
        .header("x-forwarded-for", "6.6.6.6")
        .header("x-forwarded-proto", "https")
        .header("x-real-ip", "6.6.6.6")
        .header("connection", "keep-alive, x-hop")
        .header("x-hop", "secret")
        .body(http_body_util::Full::new(bytes::Bytes::from_static(
            body.as_bytes(),
        )))
        .expect("request");
    let r = send(&client(), req).await;
    assert_eq!(r.status, 200, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    v["headers"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn untrusted_clients_cannot_spoof() {
    let a = backend("a").await;
    let gw = Gw::start(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\n",
        &api_route(&a.url()),
    );
    let h = seen_headers(&gw).await;
    assert_untrusted_replaced(&h);
}

/// What an untrusted client's request reaches the backend with (see `seen_headers_of`).
fn assert_untrusted_replaced(h: &serde_json::Value) {
    assert_eq!(h["X-Forwarded-For"][0], "127.0.0.1");
    assert_eq!(h["X-Real-Ip"][0], "127.0.0.1");
    assert_eq!(h["X-Forwarded-Proto"][0], "http");
    assert_eq!(h["X-Forwarded-Host"][0], "app.test:8080");
    assert_eq!(h["X-Forwarded-Port"][0], "8080");
    assert!(
        h["X-Forwarded-Server"][0]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(
        h.get("X-Hop").is_none(),
        "headers listed in Connection are hop-by-hop: {h}"
    );
}

/// The fields a request without middlewares gets are written with the head on the HTTP/1.1
/// fast path and inserted into the request on every other way out: the backend sees the
/// same either way (here over h2c, and a request with a body over hyper's client).
#[tokio::test(flavor = "multi_thread")]
async fn every_way_out_carries_the_same_forwarded_fields() {
    let a = backend("a").await;
    let h2 = backend("h2").await;
    for url in [format!("h2c://{}", h2.addr()), a.url()] {
        let gw = Gw::start(
            "entryPoints:\n  web:\n    address: 127.0.0.1:0\n",
            &api_route(&url),
        );
        for (method, body) in [(http::Method::GET, ""), (http::Method::POST, "a body")] {
            let h = seen_headers_of(&gw, method.clone(), body).await;
            assert_untrusted_replaced(&h);
            for name in ["X-Forwarded-For", "X-Real-Ip", "X-Forwarded-Proto"] {
                assert_eq!(
                    h[name].as_array().map(Vec::len),
                    Some(1),
                    "{url} {method}: one {name}: {h}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn trusted_proxies_are_believed() {
    let a = backend("a").await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    forwardedHeaders:\n      trustedIPs: [127.0.0.1/32]\n";
    let gw = Gw::start(st, &api_route(&a.url()));
    let h = seen_headers(&gw).await;
    assert_eq!(h["X-Forwarded-For"][0], "6.6.6.6, 127.0.0.1");
    assert_eq!(h["X-Real-Ip"][0], "6.6.6.6");
    assert_eq!(h["X-Forwarded-Proto"][0], "https");
}
