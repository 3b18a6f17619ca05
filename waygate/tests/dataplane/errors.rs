//! `errors` end to end: a whoami backend answers the status asked in `?status=`, another
//! whoami serves the error pages (its echo shows the page request it received).

use crate::support::{Gw, LOCAL_EP, backend, request};

#[tokio::test(flavor = "multi_thread")]
async fn error_pages_as_traefik_serves_them() {
    let app = backend("app").await;
    let pages = backend("pages").await;
    let dynamic = format!(
        r#"http:
  routers:
    plain:
      rule: Host(`err.test`)
      service: app
      middlewares: [pages]
    rewritten:
      rule: Host(`rw.test`)
      service: app
      middlewares: [rewrite]
    only:
      rule: Host(`hdr.test`)
      service: app
      middlewares: [only-some]
    down:
      rule: Host(`down.test`)
      service: app
      middlewares: [to-nowhere]
  middlewares:
    pages:
      errors:
        status: ["404", "500-503"]
        service: pages
        query: "/{{status}}.html?orig={{originalStatus}}&u={{url}}"
    rewrite:
      errors:
        status: ["500-599"]
        statusRewrites: {{"503": 502, "504-599": 500}}
        service: pages
        query: /{{status}}-{{originalStatus}}.html
    only-some:
      errors:
        status: ["404"]
        service: pages
        errorRequestHeaders: [X-Keep]
    to-nowhere:
      errors:
        status: ["500"]
        service: nowhere
        query: /x
  services:
    app:
      loadBalancer:
        servers: [{{url: "{}"}}]
    pages:
      loadBalancer:
        servers: [{{url: "{}"}}]
    nowhere:
      loadBalancer:
        servers: [{{url: "http://127.0.0.1:1"}}]
"#,
        app.url(),
        pages.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let web = gw.url("web");

    // A caught status: the page of `pages`, with the status caught; the page request is a
    // GET of the query, with the placeholders filled and the original headers and Host.
    let r = request(
        "POST",
        &format!("{web}/shop/cart?status=404&a=b%20c"),
        "err.test",
        &[("x-custom", "yes"), ("content-length", "0")],
    )
    .await;
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(r.headers["x-whoami-name"], "pages", "{r:?}");
    assert!(
        r.body.contains(
            "GET /404.html?orig=404&u=http%3A%2F%2Ferr.test%2Fshop%2Fcart%3Fstatus%3D404%26a%3Db%2520c HTTP/1.1"
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains("Host: err.test"), "{}", r.body);
    assert!(r.body.contains("X-Custom: yes"), "{}", r.body);
    assert!(r.body.contains("X-Forwarded-Host: err.test"), "{}", r.body);
    assert!(!r.body.contains("Content-Length"), "{}", r.body);
    // Go's proxy appends no X-Forwarded-For for a request without a remote address.
    assert!(!r.body.contains("X-Forwarded-For"), "{}", r.body);

    for (status, page) in [("500", "/500.html?orig=500"), ("503", "/503.html?orig=503")] {
        let r = request("GET", &format!("{web}/?status={status}"), "err.test", &[]).await;
        assert_eq!(r.status.to_string(), status, "{r:?}");
        assert!(r.body.contains(&format!("GET {page}&u=")), "{}", r.body);
    }

    // Statuses outside `status` pass untouched, body and all.
    for status in [200, 403, 504] {
        let r = request("GET", &format!("{web}/?status={status}"), "err.test", &[]).await;
        assert_eq!(r.status, status, "{r:?}");
        assert_eq!(r.headers["x-whoami-name"], "app", "{r:?}");
        assert!(
            r.body.contains(&format!("GET /?status={status} ")),
            "{}",
            r.body
        );
    }

    // `statusRewrites`: the rewritten status is sent and is `{status}`.
    for (status, sent) in [(503, 502), (507, 500), (500, 500)] {
        let r = request("GET", &format!("{web}/?status={status}"), "rw.test", &[]).await;
        assert_eq!(r.status, sent, "{r:?}");
        assert!(
            r.body
                .contains(&format!("GET /{sent}-{status}.html HTTP/1.1")),
            "{}",
            r.body
        );
    }

    // `errorRequestHeaders`: only these original headers (and Host); no query is `/`.
    let r = request(
        "GET",
        &format!("{web}/?status=404"),
        "hdr.test",
        &[("x-keep", "k"), ("x-drop", "d")],
    )
    .await;
    assert_eq!(r.status, 404, "{r:?}");
    assert!(r.body.contains("GET / HTTP/1.1"), "{}", r.body);
    assert!(r.body.contains("X-Keep: k"), "{}", r.body);
    assert!(!r.body.contains("X-Drop"), "{}", r.body);
    assert!(!r.body.contains("X-Forwarded-Host"), "{}", r.body);

    // The error service fails: its error answer, with the caught status.
    let r = request("GET", &format!("{web}/?status=500"), "down.test", &[]).await;
    assert_eq!(r.status, 500, "{r:?}");
    assert_eq!(r.body, "Bad Gateway", "{r:?}");
    let r = request("GET", &format!("{web}/?status=200"), "down.test", &[]).await;
    assert_eq!(r.status, 200, "{r:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_service_that_does_not_exist_disables_the_router() {
    let app = backend("app").await;
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: Host(`x.test`)\n      service: app\n      middlewares: [e]\n  middlewares:\n    e:\n      errors:\n        status: [\"500\"]\n        service: missing\n  services:\n    app:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        app.url()
    );
    let gw = Gw::start(LOCAL_EP, &dynamic);
    let r = request("GET", &format!("{}/", gw.url("web")), "x.test", &[]).await;
    assert_eq!(r.status, 404, "{r:?}");
    assert!(
        gw.logs()
            .contains("errors.service: service `missing` does not exist"),
        "{}",
        gw.logs()
    );
}
