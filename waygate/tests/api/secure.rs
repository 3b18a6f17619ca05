//! Secure mode (a user router to `api@internal`, with its middlewares), `api.basePath`, and the
//! insecure dashboard router's redirect.

use crate::support::{backend, client, get};
use crate::{Api, assert_error};

/// No `api.insecure`: the API is reachable only through the routers the user writes.
const SECURE_STATIC: &str =
    "entryPoints:\n  web:\n    address: 127.0.0.1:0\napi:\n  basePath: /traefik\n";

const SECURE_DYNAMIC: &str = r#"
http:
  routers:
    dashboard:
      entryPoints: [web]
      rule: Host(`gw.test`) && (PathPrefix(`/traefik/api`) || PathPrefix(`/traefik/dashboard`) || Path(`/traefik`))
      service: api@internal
      middlewares: [guard]
    locked:
      entryPoints: [web]
      rule: Host(`locked.test`)
      service: api@internal
      middlewares: [only-admins]
    local:
      entryPoints: [web]
      rule: Host(`local.test`)
      service: api@internal
      middlewares: [only-local]
  middlewares:
    guard:
      headers:
        customResponseHeaders: {X-Api-Guard: "on"}
    only-admins:
      ipAllowList:
        sourceRange: [10.0.0.0/8]
    only-local:
      ipAllowList:
        sourceRange: [127.0.0.1/32]
"#;

#[tokio::test(flavor = "multi_thread")]
async fn secure_mode_under_base_path() {
    let api = Api::start(SECURE_STATIC, SECURE_DYNAMIC);
    let c = client();
    let web = api.gw.url("web");
    let at = |path: &str| format!("{web}{path}");

    // Through the user's router, its middlewares applied.
    let r = get(
        &c,
        &at("/traefik/api/http/routers/dashboard@file"),
        "gw.test",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.headers["x-api-guard"], "on",
        "the router's middleware chain applies"
    );
    let router: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(router["service"], "api@internal");
    assert_eq!(router["middlewares"], serde_json::json!(["guard"]));
    // Everything moved under the base path; the old paths are not the API any more.
    let r = get(&c, &at("/traefik/api/overview"), "gw.test").await;
    assert_eq!(r.status, 200);
    let r = get(&c, &at("/traefik/api/nope"), "gw.test").await;
    assert_eq!((r.status, r.body.as_str()), (404, "404 page not found\n"));
    let r = get(&c, &at("/api/overview"), "gw.test").await;
    assert_eq!(r.status, 404);
    // The base path redirects to the dashboard (302), which is served below it.
    let r = get(&c, &at("/traefik"), "gw.test").await;
    assert_eq!(r.status, 302);
    assert_eq!(r.headers["location"], "/traefik/dashboard/");
    let r = get(&c, &at("/traefik/dashboard/"), "gw.test").await;
    assert_eq!(r.status, 200);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    // No insecure routers, no `traefik` entry point.
    let names = serde_json::from_str::<serde_json::Value>(
        &get(&c, &at("/traefik/api/http/routers"), "gw.test")
            .await
            .body,
    )
    .unwrap();
    let names: Vec<&str> = names
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dashboard@file", "local@file", "locked@file"]);
    assert!(!api.gw.addrs.contains_key("traefik"));

    // ipAllowList protects the API: a client outside the range never gets it (403, or 404
    // while a build without the middleware disables the router: it fails closed); a client
    // inside gets it once the router serves.
    let r = get(&c, &at("/traefik/api/overview"), "locked.test").await;
    assert!(matches!(r.status, 403 | 404), "{} {}", r.status, r.body);
    let r = get(&c, &at("/traefik/api/http/routers/local@file"), "gw.test").await;
    let local: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let expected = if local["status"] == "disabled" {
        404
    } else {
        200
    };
    let r = get(&c, &at("/traefik/api/overview"), "local.test").await;
    assert_eq!(r.status, expected, "{local}");
}

#[tokio::test(flavor = "multi_thread")]
async fn insecure_dashboard_and_api_errors() {
    let b = backend("b").await;
    let api = Api::standard(&b.url());
    let c = client();
    let base = api.gw.url("traefik");

    // dashboard@internal on PathPrefix(`/`): `/` redirects (301) to the dashboard.
    let r = get(&c, &format!("{base}/"), "gw.test:8080").await;
    assert_eq!(r.status, 301);
    assert_eq!(r.headers["location"], "http://gw.test:8080/dashboard/");
    let r = get(&c, &format!("{base}/dashboard/"), "gw.test").await;
    assert_eq!(r.status, 200);
    // api@internal: basePath `/` redirects with 302 too (Traefik's api router's own route),
    // but insecure mode's `/` goes to the dashboard router first.
    assert_error(
        &api.get("/api/http/routers?page=x").await,
        400,
        "invalid request: page: 0",
    );
    let got = api.get("/api/http/routers/a%2Fb@file").await;
    assert_error(&got, 404, "router not found: a/b@file");
}
