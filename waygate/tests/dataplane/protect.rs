//! Traffic protection middlewares end to end: `ipAllowList` / `ipWhiteList`, through the
//! binary and real sockets.

use bytes::Bytes;
use http_body_util::Full;

use crate::support::{Gw, LOCAL_EP, Resp, backend, client, get, send};

/// One router per `(host, middleware)` on `entry_points`, all to `url`.
fn routers(url: &str, eps: &str, routes: &[(&str, &str)], middlewares: &str) -> String {
    let mut out = String::from("http:\n  routers:\n");
    for (i, (host, mw)) in routes.iter().enumerate() {
        out.push_str(&format!(
            "    r{i}:\n      rule: Host(`{host}`)\n      entryPoints: [{eps}]\n      service: s\n      middlewares: [{mw}]\n"
        ));
    }
    out.push_str(&format!(
        "  middlewares:\n{middlewares}  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{url}\"}}]\n"
    ));
    out
}

async fn get_with(url: &str, host: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = http::Request::get(url).header("host", host);
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
async fn ip_allow_list_depth_believes_x_forwarded_for_from_a_trusted_hop_only() {
    let a = backend("a").await;
    let st = "entryPoints:\n  trusted:\n    address: 127.0.0.1:0\n    forwardedHeaders:\n      trustedIPs: [127.0.0.1/32]\n  direct:\n    address: 127.0.0.1:0\n";
    let mws = "    depth1:\n      ipAllowList:\n        sourceRange: [6.6.6.6]\n        rejectStatusCode: 401\n        ipStrategy:\n          depth: 1\n    depth2:\n      ipAllowList:\n        sourceRange: [5.5.5.0/24]\n        ipStrategy:\n          depth: 2\n";
    let gw = Gw::start(
        st,
        &routers(
            &a.url(),
            "trusted, direct",
            &[("d1.test", "depth1"), ("d2.test", "depth2")],
            mws,
        ),
    );
    let trusted = format!("{}/api", gw.url("trusted"));
    let direct = format!("{}/api", gw.url("direct"));
    let xff = |v| [("x-forwarded-for", v)];

    // Depth 1 is the address the trusted hop saw; the gateway's own peer is not counted.
    let r = get_with(&trusted, "d1.test", &xff("6.6.6.6")).await;
    assert_eq!(r.status, 200, "{r:?}");
    let seen: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(
        seen["headers"]["X-Forwarded-For"][0], "6.6.6.6, 127.0.0.1",
        "the backend still gets the hop appended"
    );
    let r = get_with(&trusted, "d1.test", &xff("6.6.6.6, 7.7.7.7")).await;
    assert_eq!((r.status, r.body.as_str()), (401, "Unauthorized"));
    let r = get_with(&trusted, "d1.test", &[]).await;
    assert_eq!(r.status, 401, "no header: no client IP");
    // From a hop that is not trusted, X-Forwarded-For is dropped before the middleware.
    let r = get_with(&direct, "d1.test", &xff("6.6.6.6")).await;
    assert_eq!(r.status, 401, "{r:?}");

    let r = get_with(&trusted, "d2.test", &xff("5.5.5.9, 10.0.0.1")).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = get_with(&trusted, "d2.test", &xff("10.0.0.1, 5.5.5.9")).await;
    assert_eq!((r.status, r.body.as_str()), (403, "Forbidden"));
    let r = get_with(&direct, "d2.test", &xff("5.5.5.9, 10.0.0.1")).await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn ip_allow_list_and_white_list_check_the_remote_address() {
    let a = backend("a").await;
    let mws = "    local-only:\n      ipWhiteList:\n        sourceRange: [127.0.0.1/32]\n    lan-only:\n      ipAllowList:\n        sourceRange: [10.0.0.0/8, 192.168.0.0/16]\n";
    let gw = Gw::start(
        LOCAL_EP,
        &routers(
            &a.url(),
            "web",
            &[("local.test", "local-only"), ("lan.test", "lan-only")],
            mws,
        ),
    );
    let url = format!("{}/", gw.url("web"));
    assert_eq!(get(&client(), &url, "local.test").await.status, 200);
    // A spoofed header changes nothing without ipStrategy.
    let r = get_with(&url, "lan.test", &[("x-forwarded-for", "10.0.0.1")]).await;
    assert_eq!((r.status, r.body.as_str()), (403, "Forbidden"));
    assert_eq!(r.headers["content-type"], "text/plain; charset=utf-8");
}
