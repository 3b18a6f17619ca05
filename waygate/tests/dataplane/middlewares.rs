//! Middlewares and entry-point redirections end to end.

use crate::support::{Gw, backend, client, get};

#[tokio::test(flavor = "multi_thread")]
async fn chain_of_headers_strip_and_add_prefix() {
    let a = backend("a").await;
    let dynamic = format!(
        r#"
http:
  routers:
    r:
      rule: PathPrefix(`/public`)
      service: s
      middlewares: [all]
  middlewares:
    all:
      chain:
        middlewares: [strip, add, hdr]
    strip:
      stripPrefix:
        prefixes: [/public]
    add:
      addPrefix:
        prefix: /api
    hdr:
      headers:
        customRequestHeaders:
          X-Added: "yes"
          User-Agent: ""
        customResponseHeaders:
          X-Whoami-Name: ""
          X-Frame: "set"
  services:
    s:
      loadBalancer:
        servers: [{{url: "{}"}}]
"#,
        a.url()
    );
    let gw = Gw::start("entryPoints:\n  web:\n    address: 127.0.0.1:0\n", &dynamic);
    let r = get(&client(), &format!("{}/public/x?q=1", gw.url("web")), "h").await;
    assert_eq!(r.status, 200, "{r:?}");
    // whoami's echo: the request line and headers as the backend received them.
    assert!(r.body.contains("GET /api/x?q=1 HTTP/1.1"), "{}", r.body);
    assert!(r.body.contains("X-Added: yes"), "{}", r.body);
    assert!(r.body.contains("X-Forwarded-Prefix: /public"), "{}", r.body);
    assert!(!r.body.contains("User-Agent:"), "{}", r.body);
    assert!(
        !r.headers.contains_key("x-whoami-name"),
        "empty value removes a response header"
    );
    assert_eq!(r.headers["x-frame"], "set");
}

#[tokio::test(flavor = "multi_thread")]
async fn entry_point_redirection_and_entry_point_middlewares() {
    let a = backend("a").await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    http:\n      redirections:\n        entryPoint:\n          to: other\n          scheme: https\n  other:\n    address: 127.0.0.1:0\n    http:\n      middlewares: [tag@file]\n";
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  middlewares:\n    tag:\n      headers:\n        customResponseHeaders:\n          X-Entry: other\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        a.url()
    );
    let gw = Gw::start(st, &dynamic);
    let other_port = gw.addrs["other"].port();
    let r = get(
        &client(),
        &format!("{}/path?x=1", gw.url("web")),
        "example.com",
    )
    .await;
    assert_eq!(r.status, 301, "{r:?}");
    assert_eq!(
        r.headers["location"],
        format!("https://example.com:{other_port}/path?x=1").as_str()
    );
    let r = get(&client(), &format!("{}/", gw.url("other")), "example.com").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["x-entry"], "other",
        "the entry point's middlewares run for its routers"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unsupported_middleware_disables_only_its_router() {
    let a = backend("a").await;
    let dynamic = format!(
        "http:\n  routers:\n    limited:\n      rule: Path(`/limited`)\n      service: s\n      middlewares: [rl]\n    fine:\n      rule: Path(`/fine`)\n      service: s\n  middlewares:\n    rl:\n      plugin:\n        demo:\n          answer: 42\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        a.url()
    );
    let gw = Gw::start("entryPoints:\n  web:\n    address: 127.0.0.1:0\n", &dynamic);
    assert_eq!(
        get(&client(), &format!("{}/fine", gw.url("web")), "h")
            .await
            .status,
        200
    );
    assert_eq!(
        get(&client(), &format!("{}/limited", gw.url("web")), "h")
            .await
            .status,
        404
    );
    assert!(gw.logs().contains("router disabled: middleware `rl@file`: middleware type `plugin` is not implemented by Waygate yet"), "{}", gw.logs());
}
