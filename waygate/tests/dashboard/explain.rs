//! The dashboard's route-explain form in headless Chromium: a request typed into the form is
//! answered from `/api/explain` — the winner of a priority tie (by name, as the data plane
//! orders routers; checked against the backend that answers), the tie noted, the router after
//! it not reached — and a request no router takes lists the nearest routers and what failed. Screenshot:
//! `target/dashboard-explain.png`.

use std::time::Duration;

use crate::cdp::{self, Browser};
use crate::support::{self, Gw};

const STATIC: &str = "entryPoints:
  web:
    address: 127.0.0.1:0
  traefik:
    address: 127.0.0.1:0
api:
  insecure: true
  dashboard: true
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_form_in_chromium() {
    let Some(chromium) = cdp::find_chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed: CI must run ./test.sh, which installs it"
        );
        eprintln!(
            "SKIPPED explain_form_in_chromium: chromium is not installed (apt-get install chromium)"
        );
        return;
    };
    let (a, b) = (support::backend("a").await, support::backend("b").await);
    let dynamic = format!(
        "http:
  routers:
    tie-b:
      rule: PathPrefix(`/api`)
      priority: 5
      service: b
      entryPoints: [web]
    tie-a:
      rule: Host(`app.test`)
      priority: 5
      service: a
      entryPoints: [web]
  services:
    a:
      loadBalancer:
        servers: [{{url: \"{}\"}}]
    b:
      loadBalancer:
        servers: [{{url: \"{}\"}}]
",
        a.url(),
        b.url()
    );
    let gw = Gw::start(STATIC, &dynamic);
    let answered = support::get(
        &support::client(),
        &format!("{}/api/x", gw.url("web")),
        "app.test",
    )
    .await
    .headers
    .get("x-whoami-name")
    .map(|v| v.to_str().unwrap_or("").to_string());
    assert_eq!(answered.as_deref(), Some("a"));

    let mut b = Browser::launch(&chromium, gw.dir.join("chromium-profile")).await;
    b.navigate(&format!("{}/dashboard/#/explain", gw.url("traefik")))
        .await;
    b.wait_for(
        "!!document.getElementById('explain-form')",
        Duration::from_secs(15),
        "the explain form",
    )
    .await;
    b.eval(
        "document.getElementById('explain-url').value = 'http://app.test/api/x';
         document.getElementById('explain-entrypoint').value = 'web';
         document.getElementById('explain-headers').value = 'X-Env: canary';
         document.getElementById('explain-form').requestSubmit()",
    )
    .await;
    b.wait_for(
        "document.querySelector('section[data-entrypoint=web] .explain-winner h2 a')?.textContent === 'tie-a@file'",
        Duration::from_secs(10),
        "tie-a@file named the winner",
    )
    .await;
    let page = b.eval("document.getElementById('main').innerText").await;
    let page = page.as_str().unwrap_or_default().to_string();
    assert!(
        page.contains("Priority tie with tie-b@file (5): the first name wins"),
        "{page}"
    );
    assert!(page.contains("not reached (would match)"), "{page}");
    assert!(page.contains("host is `app.test`"), "{page}");
    assert!(
        page.contains(&format!("{} (next in weighted round robin)", a.url())),
        "{page}"
    );
    // The question is in the hash, headers included.
    let hash = b.eval("location.hash").await;
    assert!(
        hash.as_str().is_some_and(|h| h.contains("header=X-Env")),
        "{hash}"
    );
    b.screenshot(&crate::target_dir().join("dashboard-explain.png"))
        .await;

    // Nothing takes other.test/x: the nearest routers and what failed.
    b.eval("location.hash = '#/explain?url=http%3A%2F%2Fother.test%2Fx&entryPoint=web'")
        .await;
    b.wait_for(
        "!!document.querySelector('.explain-nearest li')",
        Duration::from_secs(10),
        "the nearest routers",
    )
    .await;
    let nearest = b
        .eval("document.querySelector('.explain-nearest').innerText")
        .await;
    assert!(
        nearest
            .as_str()
            .is_some_and(|t| t.contains("host is `other.test`, wanted `app.test`")
                && t.contains("path `/x` does not start with `/api`")),
        "{nearest}"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    b.eval("1").await;
    assert!(
        b.errors.is_empty(),
        "the dashboard logged errors:\n{}",
        b.errors.join("\n")
    );
}
