//! `grpcWeb` end to end: gRPC-Web clients over HTTP/1.1 to the gateway, a real `grpcio`
//! server (the balancing tests' `grpc_server.py`) over h2c behind it; binary and text modes,
//! unary, server streaming, an error, and the CORS preflight.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::{Buf, Bytes};
use http_body_util::{BodyExt, Full};

use crate::balancing::grpc::GrpcServer;
use crate::support::{Gw, LOCAL_EP, client, request};

const ORIGIN: &str = "https://app.test";

/// A gRPC-Web answer, its body split into messages and the trailer block.
#[derive(Debug)]
struct WebCall {
    status: u16,
    headers: http::HeaderMap,
    messages: Vec<Bytes>,
    trailers: String,
}

/// `POST path` in gRPC-Web with one message, as `content_type` (`…-text` in base64).
async fn web_call(gw: &Gw, path: &str, content_type: &str, message: &[u8]) -> WebCall {
    let text = content_type.starts_with("application/grpc-web-text");
    let mut frame = vec![0u8];
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(message);
    let body = if text {
        STANDARD.encode(&frame).into_bytes()
    } else {
        frame
    };
    let req = http::Request::post(format!("{}{path}", gw.url("web")))
        .header("host", "grpc.test")
        .header("content-type", content_type)
        .header("x-grpc-web", "1")
        .header("origin", ORIGIN)
        .body(Full::new(Bytes::from(body)))
        .expect("request");
    let resp = client().request(req).await.expect("response");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let raw = resp.into_body().collect().await.expect("body").to_bytes();
    let mut body = if text { decode_padded_parts(&raw) } else { raw };
    let (mut messages, mut trailers) = (Vec::new(), None);
    while body.len() >= 5 {
        let flag = body.get_u8();
        let len = body.get_u32() as usize;
        let data = body.split_to(len);
        if flag & 0x80 != 0 {
            assert!(trailers.is_none(), "one trailer frame");
            trailers = Some(String::from_utf8_lossy(&data).into_owned());
        } else {
            assert!(trailers.is_none(), "the trailer frame is the last");
            messages.push(data);
        }
    }
    assert!(body.is_empty(), "whole frames: {body:?}");
    WebCall {
        status,
        headers,
        messages,
        trailers: trailers.expect("a trailer frame"),
    }
}

/// A text-mode body: base64 parts, each padded on its own.
fn decode_padded_parts(raw: &[u8]) -> Bytes {
    let mut out = Vec::new();
    let mut start = 0;
    for end in (4..=raw.len()).step_by(4) {
        if raw[end - 1] == b'=' || end == raw.len() {
            out.extend(STANDARD.decode(&raw[start..end]).expect("base64 part"));
            start = end;
        }
    }
    assert_eq!(start, raw.len(), "whole base64 quanta");
    Bytes::from(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_web_to_a_grpc_server() {
    let g = GrpcServer::start("g");
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: Host(`grpc.test`)\n      service: s\n      middlewares: [web]\n  middlewares:\n    web:\n      grpcWeb:\n        allowOrigins: [\"{ORIGIN}\"]\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        g.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);

    for ct in ["application/grpc-web", "application/grpc-web+proto"] {
        let unary = web_call(&gw, "/test.Echo/Who", ct, b"hello").await;
        assert_eq!(unary.status, 200, "{unary:?}");
        // The server's `application/grpc`, as gRPC-Web.
        assert_eq!(
            unary.headers["content-type"], "application/grpc-web",
            "{unary:?}"
        );
        assert_eq!(
            unary.messages,
            [Bytes::from_static(b"g:hello")],
            "{unary:?}"
        );
        assert!(
            unary.trailers.contains("grpc-status: 0\r\n")
                && unary.trailers.contains("x-served-by: g\r\n"),
            "{unary:?}"
        );
        // CORS for an allowed origin; every header and the trailers exposed.
        assert_eq!(unary.headers["access-control-allow-origin"], ORIGIN);
        assert_eq!(unary.headers["access-control-allow-credentials"], "true");
        let exposed = unary.headers["access-control-expose-headers"]
            .to_str()
            .expect("ascii");
        assert!(
            exposed.contains("Content-Type") && exposed.ends_with("grpc-status, grpc-message"),
            "{exposed}"
        );
    }

    let stream = web_call(&gw, "/test.Echo/Count", "application/grpc-web", b"").await;
    let names: Vec<&[u8]> = stream.messages.iter().map(|m| &m[..]).collect();
    assert_eq!(names, [&b"g-0"[..], b"g-1", b"g-2"], "{stream:?}");
    assert!(stream.trailers.contains("grpc-status: 0\r\n"), "{stream:?}");

    // Text mode: base64 both ways.
    let text = web_call(&gw, "/test.Echo/Who", "application/grpc-web-text", b"hi").await;
    assert_eq!(text.headers["content-type"], "application/grpc-web-text");
    assert_eq!(text.messages, [Bytes::from_static(b"g:hi")], "{text:?}");
    assert!(text.trailers.contains("grpc-status: 0\r\n"), "{text:?}");
    let stream = web_call(&gw, "/test.Echo/Count", "application/grpc-web-text", b"").await;
    assert_eq!(stream.messages.len(), 3, "{stream:?}");
    assert!(stream.trailers.contains("x-served-by: g\r\n"), "{stream:?}");

    // An error: its status in the trailer frame, or in the headers of a trailers-only
    // answer (then the trailer frame is empty).
    let denied = web_call(&gw, "/test.Echo/Fail", "application/grpc-web", b"").await;
    assert_eq!(denied.status, 200, "{denied:?}");
    assert!(denied.messages.is_empty(), "{denied:?}");
    let in_headers = denied.headers.get("grpc-status").is_some_and(|s| s == "7")
        && denied.headers["grpc-message"] == "denied by g";
    let in_trailers = denied.trailers.contains("grpc-status: 7\r\n")
        && denied.trailers.contains("grpc-message: denied by g\r\n");
    assert!(in_headers ^ in_trailers, "{denied:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_web_preflights_are_answered_by_the_gateway() {
    let g = GrpcServer::start("g");
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: Host(`grpc.test`)\n      service: s\n      middlewares: [web]\n  middlewares:\n    web:\n      grpcWeb:\n        allowOrigins: [\"{ORIGIN}\"]\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        g.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let url = format!("{}/test.Echo/Who", gw.url("web"));
    let preflight = |origin: &'static str| {
        let url = url.clone();
        async move {
            request(
                "OPTIONS",
                &url,
                "grpc.test",
                &[
                    ("origin", origin),
                    ("access-control-request-method", "POST"),
                    (
                        "access-control-request-headers",
                        "x-grpc-web,content-type,x-user-agent",
                    ),
                ],
            )
            .await
        }
    };
    let ok = preflight(ORIGIN).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.body, "", "{ok:?}");
    let h = &ok.headers;
    assert_eq!(h["access-control-allow-origin"], ORIGIN);
    assert_eq!(h["access-control-allow-methods"], "POST");
    assert_eq!(
        h["access-control-allow-headers"],
        "X-Grpc-Web, Content-Type, X-User-Agent"
    );
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert_eq!(h["access-control-max-age"], "600");
    let vary: Vec<&str> = h
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().expect("ascii"))
        .collect();
    assert_eq!(
        vary,
        [
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers"
        ]
    );

    // Another origin: answered, without any permission.
    let denied = preflight("https://evil.test").await;
    assert_eq!(denied.status, 200, "{denied:?}");
    assert!(
        denied.headers.get("access-control-allow-origin").is_none(),
        "{denied:?}"
    );
    assert_eq!(denied.headers.get_all("vary").iter().count(), 3);
}
