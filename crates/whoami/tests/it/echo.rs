//! The request-describing endpoints: `/`, `/api`, `/health`, `?status=`, h2c.

use hyper::{Request, StatusCode};

use crate::support::{client, empty, get, h2c_client, post, send, server};

#[tokio::test]
async fn echo_text_has_host_headers_and_name() {
    let srv = server("alpha").await;
    let url = format!("{}/some/path?x=1", srv.url());
    let req = Request::get(&url)
        .header("x-forwarded-for", "10.0.0.1")
        .header("x-multi", "a")
        .header("x-multi", "b")
        .body(empty())
        .unwrap();
    let resp = send(&client(), req).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.headers["x-whoami-name"], "alpha");
    let body = resp.body;
    assert!(
        body.starts_with("Hostname: alpha\nIP: 127.0.0.1\nRemoteAddr: 127.0.0.1:"),
        "{body}"
    );
    assert!(body.contains("\nGET /some/path?x=1 HTTP/1.1\n"), "{body}");
    assert!(
        body.contains(&format!("\nHost: {}\n", srv.addr())),
        "{body}"
    );
    assert!(body.contains("\nX-Forwarded-For: 10.0.0.1\n"), "{body}");
    assert!(body.contains("\nX-Multi: a\nX-Multi: b\n"), "{body}");
    assert_eq!(srv.requests(), 1);
}

#[tokio::test]
async fn api_json_describes_request() {
    let srv = server("beta").await;
    let req = Request::get(format!("{}/api?x", srv.url()))
        .header("x-test", "1")
        .body(empty())
        .unwrap();
    let resp = send(&client(), req).await;
    assert_eq!(resp.headers["content-type"], "application/json");
    assert_eq!(resp.headers["x-whoami-name"], "beta");
    let v: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
    assert_eq!(v["hostname"], "beta");
    assert_eq!(v["ip"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(v["headers"]["X-Test"], serde_json::json!(["1"]));
    assert_eq!(v["url"], "/api?x");
    assert_eq!(v["host"], srv.addr().to_string());
    assert_eq!(v["method"], "GET");
    assert_eq!(v["proto"], "HTTP/1.1");
    assert!(v["remoteAddr"].as_str().unwrap().starts_with("127.0.0.1:"));
}

#[tokio::test]
async fn health_set_by_post_then_get() {
    let srv = server("h").await;
    let c = client();
    let url = format!("{}/health", srv.url());
    let resp = get(&c, &url).await;
    assert_eq!((resp.status, resp.body.as_str()), (StatusCode::OK, "OK"));

    assert_eq!(post(&c, &url, "503").await.status, StatusCode::OK);
    let resp = get(&c, &url).await;
    assert_eq!(resp.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.body, "Service Unavailable");

    assert_eq!(post(&c, &url, "nope").await.status, StatusCode::BAD_REQUEST);
    srv.set_health(200);
    assert_eq!(get(&c, &url).await.status, StatusCode::OK);
    assert_eq!(get(&c, &format!("{}/healthz", srv.url())).await.body, "ok");
    assert_eq!(
        get(&c, &format!("{}/readyz", srv.url())).await.body,
        "ready"
    );
}

#[tokio::test]
async fn status_query_sets_status() {
    let srv = server("s").await;
    let resp = get(&client(), &format!("{}/?status=502", srv.url())).await;
    assert_eq!(resp.status, StatusCode::BAD_GATEWAY);
    assert_eq!(resp.headers["x-whoami-name"], "s");
}

#[tokio::test]
async fn h2c_prior_knowledge() {
    let srv = server("two").await;
    let resp = get(&h2c_client(), &format!("{}/api", srv.url())).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.headers["x-whoami-name"], "two");
    let v: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
    assert_eq!(v["proto"], "HTTP/2.0");
    assert_eq!(v["host"], srv.addr().to_string());

    let text = get(&h2c_client(), &format!("{}/x?y=1", srv.url()))
        .await
        .body;
    assert!(text.contains("\nGET /x?y=1 HTTP/2.0\n"), "{text}");
}
