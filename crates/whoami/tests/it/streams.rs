//! Streaming endpoints: `/data`, `/16k`, `/upload`, `/echo`.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::{Method, Request, StatusCode};

use crate::support::{HttpClient, client, empty, full, get, h2c_client, send, server};

/// Fetches `url` and counts body bytes frame by frame; returns (content-length, counted).
async fn count(client: &HttpClient, url: &str) -> (u64, u64) {
    let resp = client
        .request(Request::get(url).body(empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    let declared = resp.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut body = resp.into_body();
    let mut counted = 0u64;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame.unwrap().data_ref() {
            counted += data.len() as u64;
        }
    }
    (declared, counted)
}

#[tokio::test]
async fn data_returns_exact_size() {
    let srv = server("d").await;
    let url = format!("{}/data?size=5000000", srv.url());
    assert_eq!(count(&client(), &url).await, (5_000_000, 5_000_000));
    assert_eq!(count(&h2c_client(), &url).await, (5_000_000, 5_000_000));
    let url = format!("{}/data", srv.url());
    assert_eq!(count(&client(), &url).await, (1024, 1024));
    let url = format!("{}/16k", srv.url());
    assert_eq!(count(&client(), &url).await, (16384, 16384));
    let bad = get(&client(), &format!("{}/data?size=-1", srv.url())).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn upload_counts_streamed_body() {
    let srv = server("u").await;
    let chunk = Bytes::from(vec![7u8; 64 * 1024]);
    let frames = (0..160).map(move |_| Ok::<_, Infallible>(Frame::data(chunk.clone())));
    let body = StreamBody::new(futures_util::stream::iter(frames)).boxed();
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/upload", srv.url()))
        .body(body)
        .unwrap();
    let resp = send(&client(), req).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.body, r#"{"bytes":10485760}"#);
}

#[tokio::test]
async fn echo_round_trip() {
    let srv = server("e").await;
    for c in [client(), h2c_client()] {
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("{}/echo", srv.url()))
            .header("content-type", "text/x-test")
            .body(full("hello, echo"))
            .unwrap();
        let resp = send(&c, req).await;
        assert_eq!(resp.status, StatusCode::OK);
        assert_eq!(resp.headers["content-type"], "text/x-test");
        assert_eq!(resp.body, "hello, echo");
    }
}
