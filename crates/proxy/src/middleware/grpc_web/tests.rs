use bytes::Bytes;
use http_body_util::BodyExt;

use super::body::trailer_frame;
use super::*;

fn web_request(ct: &str, body: &'static [u8]) -> Request {
    let mut req = Request::new(Body::full(Bytes::from_static(body)));
    *req.method_mut() = Method::POST;
    *req.uri_mut() = "/test.Echo/Who".parse().expect("uri");
    req.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).expect("ct"));
    req.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    req
}

#[tokio::test]
async fn requests_become_grpc() {
    let (req, text) = to_grpc(web_request("application/grpc-web+proto", b"\0\0\0\0\x01a"));
    assert!(!text);
    assert_eq!(req.headers()["content-type"], "application/grpc+proto");
    assert_eq!(req.headers()["te"], "trailers");
    assert!(req.headers().get("content-length").is_none());
    let body = req.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(&body[..], b"\0\0\0\0\x01a");

    // Two padded parts, split across frames and lines.
    let (req, text) = to_grpc(web_request(
        "application/grpc-web-text",
        b"AAAAAAFh\r\nYQ==YWI=",
    ));
    assert!(text);
    assert_eq!(req.headers()["content-type"], "application/grpc");
    let body = req.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(&body[..], b"\0\0\0\0\x01aaab");

    let (req, _) = to_grpc(web_request("application/grpc-web-text", b"AA*A"));
    assert!(req.into_body().collect().await.is_err(), "not base64");
    let (req, _) = to_grpc(web_request("application/grpc-web-text", b"AAA"));
    assert!(req.into_body().collect().await.is_err(), "truncated");
}

#[test]
fn only_grpc_web_posts_and_their_preflights_are_wrapped() {
    let mw = GrpcWeb::new(&Config {
        allow_origins: vec!["*".into()],
    });
    let wrapped = |req: &Request| matches!(mw.request(req), Flow::Wrap);
    assert!(wrapped(&web_request("application/grpc-web", b"")));
    assert!(wrapped(&web_request(
        "application/grpc-web-text+proto",
        b""
    )));
    assert!(!wrapped(&web_request("application/grpc", b"")));
    let mut get = web_request("application/grpc-web", b"");
    *get.method_mut() = Method::GET;
    assert!(!wrapped(&get));
    let mut pre = Request::new(Body::Empty);
    *pre.method_mut() = Method::OPTIONS;
    pre.headers_mut().insert(
        header::ACCESS_CONTROL_REQUEST_HEADERS,
        HeaderValue::from_static("content-type,X-Grpc-Web"),
    );
    assert!(wrapped(&pre));
}

#[tokio::test]
async fn answers_become_grpc_web_with_trailers_in_the_body() {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    trailers.insert("grpc-message", HeaderValue::from_static(" ok\t "));
    trailers.append("x-b", HeaderValue::from_static("1"));
    trailers.append("x-b", HeaderValue::from_static("2"));
    let frame = trailer_frame(&trailers);
    let block = b"grpc-message: ok\r\ngrpc-status: 0\r\nx-b: 1\r\nx-b: 2\r\n";
    assert_eq!(frame[0], 0x80);
    assert_eq!(&frame[1..5], (block.len() as u32).to_be_bytes());
    assert_eq!(&frame[5..], block);
    assert_eq!(&trailer_frame(&HeaderMap::new())[..], [0x80, 0, 0, 0, 0]);

    let mut resp = Response::new(Body::full(Bytes::from_static(b"\0\0\0\0\x01a")));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    let cors = vec![(header::VARY, HeaderValue::from_static("Origin"))];
    let web = to_grpc_web(resp, true, cors);
    assert_eq!(web.headers()["content-type"], "application/grpc-web-text");
    assert_eq!(
        web.headers()["access-control-expose-headers"],
        "Content-Type, Vary, grpc-status, grpc-message"
    );
    let mut body = web.into_body();
    let mut parts = Vec::new();
    while let Some(frame) = body.frame().await {
        parts.push(frame.expect("frame").into_data().expect("data"));
    }
    assert_eq!(
        parts,
        ["AAAAAAFh", "gAAAAAA="],
        "each frame padded on its own"
    );
}
