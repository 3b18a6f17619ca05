//! The dashboard in a real browser: the gateway serves `api.insecure` on the `traefik` entry
//! point, headless Chromium (Debian's `chromium`) loads `/dashboard/` through the DevTools
//! protocol, and the test checks what a user sees — the routers table with traffic figures,
//! a router added to the dynamic file appearing without a reload, a broken router marked
//! disabled whose page shows its error and where it was written — and that no page logged a
//! console error. Screenshots are kept as artifacts: `target/dashboard-screenshot.png` (the
//! routers table), `target/dashboard-detail.png` (the broken router) and
//! `target/dashboard-overview.png`.
//!
//! Without Chromium the test is skipped with a message, except under CI (`CI` set), where it
//! fails: `./test.sh` installs `chromium`.

#[path = "../dataplane/support.rs"]
#[allow(dead_code)]
mod support;

mod cdp;
mod explain;

use std::path::PathBuf;
use std::time::Duration;

use cdp::Browser;
use support::Gw;

/// How long a change may take to show: generous, since CI runs this beside the whole suite
/// on two cores (each wait ends as soon as the page shows it).
const PATIENCE: Duration = Duration::from_secs(30);

const STATIC: &str = "entryPoints:
  web:
    address: 127.0.0.1:0
  traefik:
    address: 127.0.0.1:0
api:
  insecure: true
  dashboard: true
";

fn dynamic(backend: &str, extra: &str) -> String {
    format!(
        "http:
  routers:
    whoami:
      rule: Host(`whoami.test`)
      service: whoami
      entryPoints: [web]
{extra}  services:
    whoami:
      loadBalancer:
        servers:
          - url: {backend}
"
    )
}

const ADDED: &str = "    added:
      rule: Host(`added.test`)
      service: whoami
      entryPoints: [web]
";

const BROKEN: &str = "    broken:
      rule: Host(`broken.test`)
      service: nope
      entryPoints: [web]
";

/// The cargo target directory (the test binary is `target/<profile>/deps/<name>`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.ancestors().nth(3).expect("target dir").to_path_buf()
}

fn row(name: &str) -> String {
    format!("document.querySelector('tr[data-name=\"{name}\"]')")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_in_chromium() {
    let Some(chromium) = cdp::find_chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed: CI must run ./test.sh, which installs it"
        );
        eprintln!(
            "SKIPPED dashboard_in_chromium: chromium is not installed (apt-get install chromium)"
        );
        return;
    };
    let backend = support::backend("dash").await;
    let gw = Gw::start(STATIC, &dynamic(&backend.url(), ""));
    let client = support::client();
    for _ in 0..20 {
        let r = support::get(&client, &format!("{}/", gw.url("web")), "whoami.test").await;
        assert_eq!(r.status, 200);
    }

    let mut b = Browser::launch(&chromium, gw.dir.join("chromium-profile")).await;
    let dashboard = format!("{}/dashboard/", gw.url("traefik"));

    // The overview, then the routers table with the traffic just sent.
    b.navigate(&dashboard).await;
    b.wait_for(
        "document.querySelectorAll('.card').length === 8 && !!document.querySelector('[data-section=\"http/routers\"] .total')",
        PATIENCE,
        "the overview's cards",
    )
    .await;
    let routers = b
        .eval("document.querySelector('[data-section=\"http/routers\"] .total').textContent")
        .await;
    b.screenshot(&target_dir().join("dashboard-overview.png"))
        .await;
    assert!(
        routers
            .as_str()
            .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n >= 1)),
        "{routers}"
    );
    b.navigate(&format!("{dashboard}#/http/routers")).await;
    b.wait_for(
        &format!(
            "!!{} && {}.querySelector('td[data-col=p95]').textContent !== '—'",
            row("whoami@file"),
            row("whoami@file")
        ),
        PATIENCE,
        "whoami@file listed with its p95",
    )
    .await;

    // Live: a router written to the file shows up in the open page, which is not reloaded.
    b.eval("window.__notReloaded = true").await;
    gw.write_dynamic(&dynamic(&backend.url(), ADDED));
    b.wait_for(
        &format!("!!{}", row("added@file")),
        PATIENCE,
        "added@file listed without a reload",
    )
    .await;
    assert_eq!(
        b.eval("window.__notReloaded === true").await,
        true,
        "the page reloaded"
    );

    // A broken router: disabled in the table, its error (with file and line) on its page.
    gw.write_dynamic(&dynamic(&backend.url(), &format!("{ADDED}{BROKEN}")));
    b.wait_for(
        &format!("{}?.dataset.status === 'disabled'", row("broken@file")),
        PATIENCE,
        "broken@file listed as disabled",
    )
    .await;
    // Filtering by status keeps only it.
    b.eval("{ const s = document.getElementById('status'); s.value = 'disabled'; s.dispatchEvent(new Event('change')); }").await;
    b.wait_for(
        "document.querySelectorAll('tbody tr').length === 1 && !!document.querySelector('tr[data-name=\"broken@file\"]')",
        PATIENCE,
        "the status filter",
    )
    .await;
    b.eval("document.getElementById('status').value = ''; document.getElementById('status').dispatchEvent(new Event('change'))").await;
    b.wait_for(
        &format!("!!{}", row("whoami@file")),
        PATIENCE,
        "filter cleared",
    )
    .await;
    b.screenshot(&target_dir().join("dashboard-screenshot.png"))
        .await;

    b.eval(&format!(
        "{}.querySelector('a').click()",
        row("broken@file")
    ))
    .await;
    b.wait_for(
        "[...document.querySelectorAll('ul.issues li')].some(li => li.textContent.includes('nope'))",
        PATIENCE,
        "the broken router's error on its page",
    )
    .await;
    let issue = b
        .eval("document.querySelector('ul.issues li').textContent")
        .await;
    let where_ = b
        .eval("document.querySelector('ul.issues li .where')?.textContent ?? ''")
        .await;
    assert!(
        where_.as_str().is_some_and(|w| w.contains("dynamic.yml:")),
        "the error says where it was written: {issue}"
    );
    assert_eq!(
        b.eval("window.__notReloaded === true").await,
        true,
        "the page reloaded"
    );
    b.screenshot(&target_dir().join("dashboard-detail.png"))
        .await;

    // The gateway's own counters on a serving router's page: the 20 requests sent above.
    b.eval("location.hash = '#/http/routers/whoami%40file'")
        .await;
    b.wait_for(
        "[...document.querySelectorAll('dt')].some(dt => dt.textContent === 'Requests' && dt.nextElementSibling.textContent === '20')",
        PATIENCE,
        "whoami@file's request count",
    )
    .await;

    // One more poll's worth of time, so errors from the live loop are seen too.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    b.eval("1").await;
    assert!(
        b.errors.is_empty(),
        "the dashboard logged errors:\n{}",
        b.errors.join("\n")
    );
}
