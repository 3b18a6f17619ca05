//! Encoded dot segments must not carry a request past the router that guards a path: the
//! path is normalized and cleaned before routing, and the backend receives that same path.

use crate::raw::exchange;
use crate::recorder::{Mode, Recorder};
use crate::support::{Gw, LOCAL_EP};

/// `/public` → `public` (no middleware); `/admin` → `admin`, whose router adds a header that
/// proves its middleware chain ran.
async fn scene() -> (Gw, Recorder, Recorder) {
    let public = Recorder::start(Mode::KeepAlive).await;
    let admin = Recorder::start(Mode::KeepAlive).await;
    let dynamic = format!(
        r#"http:
  routers:
    public:
      rule: PathPrefix(`/public`)
      service: public
    admin:
      rule: PathPrefix(`/admin`)
      service: admin
      middlewares: [guard]
  middlewares:
    guard:
      headers:
        customRequestHeaders:
          X-Guarded: "yes"
  services:
    public:
      loadBalancer:
        servers: [{{url: "{}"}}]
    admin:
      loadBalancer:
        servers: [{{url: "{}"}}]
"#,
        public.url(),
        admin.url()
    );
    (Gw::start(LOCAL_EP, &dynamic), public, admin)
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n\r\n").into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_spelling_of_dot_dot_is_routed_as_the_cleaned_path() {
    let (gw, public, admin) = scene().await;
    let addr = gw.addrs["web"];
    for path in [
        "/public/%2e%2e/admin/x",
        "/public/%2E%2E/admin/x",
        "/public/%2e%2E/admin/x",
        "/public/.%2e/admin/x",
        "/public/.%2E/admin/x",
        "/public/%2e./admin/x",
        "/public/%2E./admin/x",
        "/public/../admin/x",
        "/public/a/%2e%2e/%2e%2e/admin/x",
        "/public/%2e/../admin/x",
        "/public//../admin/x",
    ] {
        let r = exchange(addr, &get(path)).await;
        assert_eq!(r.status, 200, "{path}: {r:?}");
        assert_eq!(
            r.header("x-seen-line").as_deref(),
            Some("GET /admin/x HTTP/1.1"),
            "{path}: the admin backend got the cleaned path"
        );
        assert!(
            admin.received().contains("X-Guarded: yes")
                || admin.received().contains("x-guarded: yes"),
            "{path}: the admin router's middleware ran"
        );
    }
    assert!(
        !public.received().contains("admin"),
        "nothing reached the public backend: {}",
        public.received()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn single_dots_double_encoding_and_encoded_slashes() {
    let (gw, public, _admin) = scene().await;
    let addr = gw.addrs["web"];
    for (path, want) in [
        ("/public/%2e/x", "/public/x"),
        ("/public/%2E/x", "/public/x"),
        ("/public/./x", "/public/x"),
        // `%25` is a percent sign: the double-encoded dot stays literal text.
        ("/public/%252e%252e/admin/x", "/public/%252e%252e/admin/x"),
        // An encoded slash is not a separator (Traefik's default allows it, encoded).
        ("/public/..%2fadmin/x", "/public/..%2Fadmin/x"),
        ("/public/%2e%2e%2fadmin/x", "/public/..%2Fadmin/x"),
        ("/public/%7euser", "/public/~user"),
    ] {
        let r = exchange(addr, &get(path)).await;
        assert_eq!(r.status, 200, "{path}: {r:?}");
        assert_eq!(
            r.header("x-seen-line"),
            Some(format!("GET {want} HTTP/1.1")),
            "{path}"
        );
    }
    assert!(public.served() >= 7);
    for bad in ["/public/%zz", "/public/%2", "/public/a%"] {
        let r = exchange(addr, &get(bad)).await;
        assert_eq!(r.status, 400, "{bad}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn encoded_characters_can_be_refused_per_entry_point() {
    let public = Recorder::start(Mode::KeepAlive).await;
    let st = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    http:\n      encodedCharacters:\n        allowEncodedSlash: false\n        allowEncodedHash: false\n";
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        public.url()
    );
    let gw = Gw::start(st, &dynamic);
    let addr = gw.addrs["web"];
    assert_eq!(exchange(addr, &get("/a%2fb")).await.status, 400);
    assert_eq!(exchange(addr, &get("/a%2Fb")).await.status, 400);
    assert_eq!(exchange(addr, &get("/a%23b")).await.status, 400);
    assert_eq!(exchange(addr, &get("/a%3bb")).await.status, 200);
    assert_eq!(exchange(addr, &get("/a/b")).await.status, 200);
    assert!(!public.received().contains("%2F"));
}
