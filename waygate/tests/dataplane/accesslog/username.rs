//! `ClientUsername` as Traefik's authentication middlewares leave it: `basicAuth` names the
//! user of the credential, right or wrong, and `""` without one; `digestAuth` names the
//! authenticated user, or the `username` a refused request claimed; `-` when no
//! authentication middleware ran. Also through `retry` (which copies the request).

use std::process::Command;

use super::{json, wait_lines};
use crate::support::{Gw, backend, request};

/// `alice:secret` (htpasswd -s: `{SHA}`, checked in place).
const ALICE: &str = "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=";

fn dynamic(url: &str) -> String {
    format!(
        r#"
http:
  routers:
    basic:
      rule: PathPrefix(`/basic`)
      service: app
      middlewares: [basic]
    retried:
      rule: PathPrefix(`/retried`)
      service: app
      middlewares: [retry, basic]
    digest:
      rule: PathPrefix(`/digest`)
      service: app
      middlewares: [digest]
    open:
      rule: PathPrefix(`/open`)
      service: app
  middlewares:
    basic:
      basicAuth:
        users: ['{ALICE}']
    retry:
      retry:
        attempts: 2
    digest:
      digestAuth:
        users: ['test:traefik:a2688e031edb4be6a3797f3882655c05']
  services:
    app:
      loadBalancer:
        servers:
          - url: {url}
"#
    )
}

/// `curl --digest -u credentials` (a 401 round without credentials, then the answer).
fn curl_digest(url: &str, credentials: &str) -> String {
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--digest",
            "-u",
        ])
        .args([credentials, url])
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_username_from_basic_and_digest_auth() {
    let b = backend("a").await;
    let dir = Gw::dir();
    let log = dir.join("access.log");
    let st = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\n\
         accessLog:\n  filePath: {}\n  format: json\n",
        log.display()
    );
    let gw = Gw::start_in_dir(dir, &st, &dynamic(&b.url()));
    let web = gw.url("web");
    let basic = |path: &str, value: &'static str| {
        let url = format!("{web}{path}");
        async move {
            let headers: &[(&str, &str)] = if value.is_empty() {
                &[]
            } else {
                &[("authorization", value)]
            };
            request("GET", &url, "h", headers).await.status
        }
    };
    // (path, status, ClientUsername), one request each, in this order.
    let mut expected = vec![
        ("/basic/right", 200, "alice"),
        ("/basic/wrong", 401, "alice"),
        ("/basic/none", 401, ""),
        ("/basic/garbled", 401, ""),
        ("/retried", 200, "alice"),
        ("/open", 200, "-"),
    ];
    assert_eq!(basic("/basic/right", "Basic YWxpY2U6c2VjcmV0").await, 200);
    assert_eq!(basic("/basic/wrong", "Basic YWxpY2U6d3Jvbmc=").await, 401);
    assert_eq!(basic("/basic/none", "").await, 401);
    assert_eq!(basic("/basic/garbled", "Basic !!").await, 401);
    assert_eq!(basic("/retried", "Basic YWxpY2U6c2VjcmV0").await, 200);
    assert_eq!(basic("/open", "Basic YWxpY2U6c2VjcmV0").await, 200);
    // Each curl call: the challenge round (no credentials: not named), then the answer.
    let url = format!("{web}/digest/right");
    assert_eq!(curl_digest(&url, "test:test"), "200");
    expected.extend([("/digest/right", 401, "-"), ("/digest/right", 200, "test")]);
    let url = format!("{web}/digest/wrong");
    assert_eq!(curl_digest(&url, "test:wrong"), "401");
    expected.extend([("/digest/wrong", 401, "-"), ("/digest/wrong", 401, "test")]);

    let lines = wait_lines(&log, expected.len()).await;
    let got: Vec<(String, i64, String)> = lines
        .iter()
        .map(|l| {
            let v = json(l);
            (
                v["RequestPath"].as_str().unwrap_or_default().to_string(),
                v["DownstreamStatus"].as_i64().unwrap_or_default(),
                v["ClientUsername"]
                    .as_str()
                    .unwrap_or("(absent)")
                    .to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, i64, String)> = expected
        .into_iter()
        .map(|(p, s, u)| (p.to_string(), s, u.to_string()))
        .collect();
    assert_eq!(got, expected, "{lines:#?}");
}
