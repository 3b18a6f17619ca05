//! The response rules on bodies made here: what is compressed, what is left alone, and the
//! headers either way.

use std::io::Read;

use http_body_util::BodyExt;
use waygate_config::dynamic::middleware::Compress as Config;

use super::*;

fn cfg(edit: impl FnOnce(&mut Config)) -> Compress {
    let mut c = Config::default();
    edit(&mut c);
    Compress::new(&c).expect("config")
}

fn resp(headers: &[(&str, &str)], body: &str) -> Response {
    let mut r = Response::new(Body::full(body.to_string()));
    for (k, v) in headers {
        r.headers_mut().append(
            HeaderName::from_bytes(k.as_bytes()).expect("name"),
            HeaderValue::from_str(v).expect("value"),
        );
    }
    r
}

async fn run(c: &Compress, coding: Coding, r: Response) -> (http::response::Parts, Vec<u8>) {
    let (parts, body) = respond(c, coding, true, r).await.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes().to_vec();
    (parts, bytes)
}

fn gunzip(data: &[u8]) -> String {
    let mut s = String::new();
    flate2::read::GzDecoder::new(data)
        .read_to_string(&mut s)
        .expect("gzip");
    s
}

fn vary(parts: &http::response::Parts) -> Vec<&str> {
    parts
        .headers
        .get_all(VARY)
        .iter()
        .map(|v| v.to_str().expect("vary"))
        .collect()
}

#[tokio::test]
async fn compresses_from_the_minimum_and_rewrites_the_headers() {
    let c = cfg(|_| {});
    let big = "x".repeat(2000);
    let (p, out) = run(
        &c,
        Coding::Gzip,
        resp(
            &[
                ("content-type", "text/plain"),
                ("content-length", "2000"),
                ("accept-ranges", "bytes"),
                ("vary", "Origin"),
            ],
            &big,
        ),
    )
    .await;
    assert_eq!(p.headers[CONTENT_ENCODING], "gzip");
    assert!(!p.headers.contains_key(CONTENT_LENGTH));
    assert!(
        !p.headers.contains_key(ACCEPT_RANGES),
        "gzip drops Accept-Ranges"
    );
    assert_eq!(vary(&p), ["Accept-Encoding", "Origin"]);
    assert_eq!(gunzip(&out), big);
    // brotli keeps Accept-Ranges, as Traefik's handler does.
    let (p, _) = run(
        &c,
        Coding::Br,
        resp(
            &[("content-type", "text/plain"), ("accept-ranges", "bytes")],
            &big,
        ),
    )
    .await;
    assert_eq!(p.headers[CONTENT_ENCODING], "br");
    assert_eq!(p.headers[ACCEPT_RANGES], "bytes");
}

#[tokio::test]
async fn leaves_alone_small_encoded_and_excluded_bodies_with_vary() {
    let c = cfg(|c| c.excluded_content_types = vec!["image/png".into()]);
    let big = "y".repeat(4000);
    type Case<'a> = (Coding, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case<'_>] = &[
        (Coding::Gzip, &[("content-type", "text/plain")], "small"),
        (Coding::Zstd, &[("content-type", "text/plain")], "small"),
        (Coding::Gzip, &[("content-encoding", "br")], &big),
        (Coding::Br, &[("content-encoding", "gzip")], &big),
        (Coding::Gzip, &[("content-type", "application/grpc")], &big),
        (Coding::Zstd, &[("content-type", "application/grpc")], &big),
        (Coding::Br, &[("content-type", "image/png")], &big),
        (Coding::Gzip, &[("content-type", "image/png; x=1")], &big),
        (
            Coding::Gzip,
            &[("content-range", "bytes 0-3999/9000")],
            &big,
        ),
        (Coding::Gzip, &[("no-gzip-compression", "1")], &big),
        (Coding::Br, &[("content-type", "text/plain; bad")], &big),
    ];
    for (coding, headers, body) in cases {
        let (p, out) = run(&c, *coding, resp(headers, body)).await;
        assert!(
            p.headers
                .get(CONTENT_ENCODING)
                .is_none_or(|v| v != coding.name()),
            "{coding:?} {headers:?}"
        );
        assert_eq!(out, body.as_bytes(), "{coding:?} {headers:?}");
        assert_eq!(vary(&p), ["Accept-Encoding"]);
        assert!(!p.headers.contains_key(NO_GZIP), "never sent on");
    }
}

#[tokio::test]
async fn the_two_handlers_differ_as_in_traefik() {
    let big = "z".repeat(4000);
    // A range is compressed by brotli/zstd, not by gzip.
    let c = cfg(|_| {});
    let range = [("content-range", "bytes 0-3999/9000")];
    let (p, _) = run(&c, Coding::Zstd, resp(&range, &big)).await;
    assert_eq!(p.headers[CONTENT_ENCODING], "zstd");
    // An unparsable type is compressed by gzip (excluded list), not by brotli.
    let bad = [("content-type", "text/plain; bad")];
    let (p, _) = run(&c, Coding::Gzip, resp(&bad, &big)).await;
    assert_eq!(p.headers[CONTENT_ENCODING], "gzip");
    // Included types: gzip sniffs an untyped body, brotli compresses it whatever it is.
    let html = cfg(|c| c.included_content_types = vec!["text/html".into()]);
    let (p, _) = run(&html, Coding::Gzip, resp(&[], &big)).await;
    assert!(
        !p.headers.contains_key(CONTENT_ENCODING),
        "sniffed text/plain"
    );
    assert!(
        !p.headers.contains_key(CONTENT_TYPE),
        "the sniffed type is not sent"
    );
    let page = format!("<html>{big}");
    let (p, out) = run(&html, Coding::Gzip, resp(&[], &page)).await;
    assert_eq!(p.headers[CONTENT_ENCODING], "gzip", "sniffed text/html");
    assert_eq!(gunzip(&out), page);
    let (p, _) = run(&html, Coding::Br, resp(&[], &big)).await;
    assert_eq!(p.headers[CONTENT_ENCODING], "br");
    let (p, _) = run(
        &html,
        Coding::Br,
        resp(&[("content-type", "text/css")], &big),
    )
    .await;
    assert!(!p.headers.contains_key(CONTENT_ENCODING));
    // gzip: a Content-Length below the minimum is final.
    let (p, _) = run(&c, Coding::Gzip, resp(&[("content-length", "10")], &big)).await;
    assert!(!p.headers.contains_key(CONTENT_ENCODING));
}

#[tokio::test]
async fn not_accepted_gzip_and_empty_bodies_only_get_vary() {
    let c = cfg(|_| {});
    let big = "w".repeat(4000);
    let (p, body) = respond(&c, Coding::Gzip, false, resp(&[], &big))
        .await
        .into_parts();
    assert_eq!(vary(&p), ["Accept-Encoding"]);
    assert!(!p.headers.contains_key(CONTENT_ENCODING));
    assert_eq!(
        body.collect().await.expect("body").to_bytes(),
        big.as_bytes()
    );
    let mut r = resp(&[], "");
    *r.status_mut() = StatusCode::NOT_MODIFIED;
    let (p, out) = run(&c, Coding::Br, r).await;
    assert_eq!(p.status, StatusCode::NOT_MODIFIED);
    assert!(out.is_empty() && !p.headers.contains_key(CONTENT_ENCODING));
    assert_eq!(vary(&p), ["Accept-Encoding"]);
}
