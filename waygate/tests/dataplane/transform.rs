//! Request and response transforming middlewares end to end (`replacePath`,
//! `replacePathRegex`, `stripPrefixRegex`, `redirectRegex`, `encodedCharacters`,
//! `contentType`, `headers` CORS and host checks, `passTLSClientCert`): what the client sees
//! and what the whoami backend receives.

use bytes::Bytes;
use http_body_util::Full;

use crate::support::{Gw, LOCAL_EP, Resp, backend, client, send};

/// One router per `(host, middlewares)` on `web`, all to `url`.
pub(crate) fn routers(url: &str, routes: &[(&str, &str)], middlewares: &str) -> String {
    let mut out = String::from("http:\n  routers:\n");
    for (i, (host, mw)) in routes.iter().enumerate() {
        out.push_str(&format!(
            "    r{i}:\n      rule: Host(`{host}`)\n      service: s\n      middlewares: [{mw}]\n"
        ));
    }
    out.push_str(&format!(
        "  middlewares:\n{middlewares}  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    ));
    out
}

pub(crate) async fn request(method: &str, url: &str, host: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = http::Request::builder()
        .method(method)
        .uri(url)
        .header("host", host);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(
        &client(),
        req.body(Full::new(Bytes::new())).expect("request"),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn path_rewrites_as_traefik() {
    let a = backend("a").await;
    let mws = r#"    replace:
      replacePath:
        path: /new path
    replace-re:
      replacePathRegex:
        regex: ^/api/(\d+)/(.*)
        replacement: /v$1/$2
    doubled:
      replacePathRegex:
        regex: ^/(.*)
        replacement: //$1
    strip-re:
      stripPrefixRegex:
        regex: ["/[a-z]+/[0-9]+/"]
"#;
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            &[
                ("rp.test", "replace"),
                ("rpr.test", "replace-re"),
                ("spr.test", "strip-re"),
                ("bad.test", "doubled"),
            ],
            mws,
        ),
    );
    let web = gw.url("web");
    let r = request("GET", &format!("{web}/old/a%2Fb?q=1"), "rp.test", &[]).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.body.contains("GET /new%20path?q=1 HTTP/1.1"),
        "{}",
        r.body
    );
    assert!(r.body.contains("X-Replaced-Path: /old/a%2Fb"), "{}", r.body);

    let r = request("GET", &format!("{web}/api/2/users/7"), "rpr.test", &[]).await;
    assert!(r.body.contains("GET /v2/users/7 HTTP/1.1"), "{}", r.body);
    assert!(
        r.body.contains("X-Replaced-Path: /api/2/users/7"),
        "{}",
        r.body
    );
    let r = request("GET", &format!("{web}/api/x/users"), "rpr.test", &[]).await;
    assert!(
        r.body.contains("GET /api/x/users HTTP/1.1"),
        "no match: {}",
        r.body
    );
    assert!(!r.body.contains("X-Replaced-Path"), "{}", r.body);
    // A rewrite leaving an empty segment is refused, as Traefik's JoinPath check (the
    // entry point already cleaned the incoming path).
    let r = request("GET", &format!("{web}/etc"), "bad.test", &[]).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.body, "Bad Request\n");

    let r = request("GET", &format!("{web}/shop/42/cart?x=y"), "spr.test", &[]).await;
    assert!(r.body.contains("GET /cart?x=y HTTP/1.1"), "{}", r.body);
    assert!(
        r.body.contains("X-Forwarded-Prefix: /shop/42/"),
        "{}",
        r.body
    );
    let r = request("GET", &format!("{web}/x/shop/42/cart"), "spr.test", &[]).await;
    assert!(
        r.body.contains("GET /x/shop/42/cart HTTP/1.1"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn redirect_regex_statuses_and_location() {
    let a = backend("a").await;
    let mws = r#"    to-www:
      redirectRegex:
        regex: ^http://example\.test(:\d+)?/(.*)
        replacement: https://www.example.test/${2}
    moved:
      redirectRegex:
        regex: ^http://old\.test(:\d+)?/(.*)
        replacement: http://new.test$1/$2
        permanent: true
"#;
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            &[
                ("example.test", "to-www"),
                ("old.test", "moved"),
                ("www.example.test", "to-www"),
            ],
            mws,
        ),
    );
    let web = gw.url("web");
    let r = request("GET", &format!("{web}/a/b?c=d"), "example.test", &[]).await;
    assert_eq!(r.status, 302, "{r:?}");
    assert_eq!(r.headers["location"], "https://www.example.test/a/b?c=d");
    assert_eq!(r.body, "Found");
    assert!(!r.headers.contains_key("content-type"), "{r:?}");
    let r = request("POST", &format!("{web}/form"), "example.test", &[]).await;
    assert_eq!(r.status, 307, "{r:?}");
    let r = request("GET", &format!("{web}/x"), "old.test:8080", &[]).await;
    assert_eq!(r.status, 301, "{r:?}");
    assert_eq!(r.headers["location"], "http://new.test:8080/x");
    assert_eq!(r.body, "Moved Permanently");
    let r = request("PUT", &format!("{web}/x"), "old.test", &[]).await;
    assert_eq!(r.status, 308, "{r:?}");
    // No match: served.
    let r = request("GET", &format!("{web}/x"), "www.example.test", &[]).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("GET /x HTTP/1.1"), "{}", r.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn encoded_characters_refuses_what_is_not_allowed() {
    let a = backend("a").await;
    let mws = "    strict:\n      encodedCharacters: {}\n    slash:\n      encodedCharacters:\n        allowEncodedSlash: true\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            &[("strict.test", "strict"), ("slash.test", "slash")],
            mws,
        ),
    );
    let web = gw.url("web");
    let r = request("GET", &format!("{web}/a%2Fb"), "strict.test", &[]).await;
    assert_eq!((r.status, r.body.as_str()), (400, ""), "{r:?}");
    let r = request("GET", &format!("{web}/a%3bb"), "slash.test", &[]).await;
    assert_eq!(r.status, 400, "{r:?}");
    let r = request("GET", &format!("{web}/a%2Fb%20c?x=%3B"), "slash.test", &[]).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.body.contains("GET /a%2Fb%20c?x=%3B HTTP/1.1"),
        "{}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn content_type_sniffs_only_when_enabled() {
    let a = backend("a").await;
    // whoami always types its answers: `untyped` removes the type on the way back.
    let mws = "    untyped:\n      headers:\n        customResponseHeaders:\n          Content-Type: \"\"\n    sniff:\n      contentType: {}\n    off:\n      contentType:\n        autoDetect: false\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            &[
                ("plain.test", "untyped"),
                ("sniff.test", "sniff, untyped"),
                ("off.test", "off, untyped"),
            ],
            mws,
        ),
    );
    let web = gw.url("web");
    let r = request("GET", &format!("{web}/data?size=3000"), "plain.test", &[]).await;
    assert_eq!(r.status, 200);
    assert!(
        !r.headers.contains_key("content-type"),
        "no sniffing by default: {r:?}"
    );
    let r = request("GET", &format!("{web}/data?size=3000"), "sniff.test", &[]).await;
    assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(r.body.len(), 3000, "the sniffed bytes are still sent");
    assert!(r.body.starts_with("abcdefghijklmnopqrstuvwxyz"));
    let r = request("GET", &format!("{web}/data?size=3000"), "off.test", &[]).await;
    assert!(
        !r.headers.contains_key("content-type"),
        "autoDetect: false: {r:?}"
    );
}
