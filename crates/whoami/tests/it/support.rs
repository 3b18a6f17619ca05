//! Shared helpers: start a server, build HTTP/1.1 and h2c clients, fetch a whole response.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use whoami::{Config, Server};

pub(crate) type ReqBody = BoxBody<Bytes, Infallible>;
pub(crate) type HttpClient = Client<HttpConnector, ReqBody>;

pub(crate) struct Fetched {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

pub(crate) async fn server(name: &str) -> Server {
    let config = Config {
        name: name.to_owned(),
        ..Config::default()
    };
    Server::start(config).await.unwrap()
}

pub(crate) fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

pub(crate) fn h2c_client() -> HttpClient {
    Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http()
}

pub(crate) fn empty() -> ReqBody {
    Empty::new().boxed()
}

pub(crate) fn full(data: impl Into<Bytes>) -> ReqBody {
    Full::new(data.into()).boxed()
}

pub(crate) async fn send(client: &HttpClient, req: Request<ReqBody>) -> Fetched {
    let resp = client.request(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let data = resp.into_body().collect().await.unwrap().to_bytes();
    Fetched {
        status,
        headers,
        body: String::from_utf8(data.to_vec()).unwrap(),
    }
}

pub(crate) async fn get(client: &HttpClient, url: &str) -> Fetched {
    let req = Request::get(url).body(empty()).unwrap();
    send(client, req).await
}

pub(crate) async fn post(client: &HttpClient, url: &str, body: &'static str) -> Fetched {
    let req = Request::builder()
        .method(Method::POST)
        .uri(url)
        .body(full(body))
        .unwrap();
    send(client, req).await
}
