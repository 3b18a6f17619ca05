//! The access log (`accessLog`) and `log.filePath` through the real binary: each format
//! parsed field by field, filters, header modes, per-router and entry point switches, the
//! seeds' block as written, and logrotate's rename + SIGUSR1 losing no line.

mod dropped;
mod username;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::support::{Gw, backend, client, eventually, get, send};

const PATIENCE: Duration = Duration::from_secs(10);

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Waits until `path` holds `n` lines, and returns them.
async fn wait_lines(path: &Path, n: usize) -> Vec<String> {
    eventually(
        PATIENCE,
        &format!("{n} lines in {}", path.display()),
        || async { lines(path).len() >= n },
    )
    .await;
    lines(path)
}

fn json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
}

fn dynamic(url: &str) -> String {
    format!(
        r#"
http:
  routers:
    app:
      rule: PathPrefix(`/app`)
      service: app
    quiet:
      rule: PathPrefix(`/quiet`)
      service: app
      observability:
        accessLogs: false
    moved:
      rule: PathPrefix(`/moved`)
      service: app
      middlewares: [to-https]
  middlewares:
    to-https:
      redirectScheme:
        scheme: https
        permanent: true
  services:
    app:
      loadBalancer:
        servers:
          - url: {url}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_carry_traefiks_fields_and_header_modes() {
    let b = backend("a").await;
    let dir = Gw::dir();
    let log = dir.join("logs/access.log");
    let st = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\n\
         accessLog:\n  filePath: {}\n  format: json\n  fields:\n    names:\n      StartLocal: drop\n\
         \x20   headers:\n      defaultMode: keep\n      names:\n        Authorization: redact\n        X-Drop: drop\n",
        log.display()
    );
    let gw = Gw::start_in_dir(dir, &st, &dynamic(&b.url()));
    let c = client();
    let base = gw.url("web");
    let req = http::Request::get(format!("{base}/app/x?q=1"))
        .header("host", "example.com:8080")
        .header("user-agent", "probe/1")
        .header("authorization", "Basic c2VjcmV0")
        .header("x-drop", "gone")
        // A body (Content-Length: 5): `RequestContentSize` is its framing's length.
        .body(http_body_util::Full::new(bytes::Bytes::from_static(
            b"hello",
        )))
        .expect("request");
    assert_eq!(send(&c, req).await.status, 200);
    assert_eq!(
        get(&c, &format!("{base}/quiet"), "example.com")
            .await
            .status,
        200
    );
    assert_eq!(
        get(&c, &format!("{base}/nowhere"), "example.com")
            .await
            .status,
        404
    );
    assert_eq!(
        get(&c, &format!("{base}/moved"), "example.com")
            .await
            .status,
        301
    );
    let got = wait_lines(&log, 3).await;
    assert_eq!(got.len(), 3, "the quiet router does not log: {got:#?}");
    let ok = json(&got[0]);
    assert_eq!(ok["RouterName"], "app@file");
    assert_eq!(ok["ServiceName"], "app@file");
    assert_eq!(ok["ServiceURL"], b.url());
    assert_eq!(ok["ServiceAddr"], b.addr().to_string());
    assert_eq!(ok["OriginStatus"], 200);
    assert_eq!(ok["DownstreamStatus"], 200);
    assert_eq!(ok["RequestMethod"], "GET");
    assert_eq!(ok["RequestPath"], "/app/x?q=1");
    assert_eq!(ok["RequestProtocol"], "HTTP/1.1");
    assert_eq!(ok["RequestScheme"], "http");
    assert_eq!(ok["RequestAddr"], "example.com:8080");
    assert_eq!(ok["RequestHost"], "example.com");
    assert_eq!(ok["RequestPort"], "8080");
    assert_eq!(ok["ClientHost"], "127.0.0.1");
    assert_eq!(ok["ClientUsername"], "-");
    assert_eq!(ok["RetryAttempts"], 0);
    assert_eq!(ok["RequestContentSize"], 5, "{ok:#}");
    assert_eq!(
        json(&got[1])["RequestContentSize"],
        0,
        "{:#}",
        json(&got[1])
    );
    assert_eq!(ok["entryPointName"], "web");
    assert_eq!(ok["level"], "info");
    assert_eq!(ok["msg"], "");
    assert_eq!(ok["request_User-Agent"], "probe/1");
    assert_eq!(ok["request_Authorization"], "REDACTED");
    assert!(ok.get("request_X-Drop").is_none(), "{ok:#}");
    assert!(ok.get("StartLocal").is_none(), "{ok:#}");
    assert!(ok["origin_Content-Type"].is_string(), "{ok:#}");
    assert!(ok["downstream_Content-Length"].is_string(), "{ok:#}");
    let (d, o, over) = (
        ok["Duration"].as_i64().expect("Duration ns"),
        ok["OriginDuration"].as_i64().expect("OriginDuration ns"),
        ok["Overhead"].as_i64().expect("Overhead ns"),
    );
    assert!(d > 0 && o > 0 && o <= d && over == d - o, "{ok:#}");
    assert!(
        ok["StartUTC"].as_str().is_some_and(|s| s.ends_with('Z')),
        "{ok:#}"
    );
    let size = ok["DownstreamContentSize"].as_i64().expect("size");
    assert!(size > 0 && ok["OriginContentSize"] == size, "{ok:#}");
    assert_eq!(ok["RequestCount"], 1);

    let missing = json(&got[1]);
    assert_eq!(missing["DownstreamStatus"], 404);
    assert_eq!(missing["OriginStatus"], 0, "answered by the gateway");
    assert!(missing.get("RouterName").is_none() && missing.get("ServiceURL").is_none());
    // As Traefik's, RequestCount counts the requests the access log saw (not `/quiet`).
    assert_eq!(missing["RequestCount"], 2);

    let moved = json(&got[2]);
    assert_eq!(moved["RouterName"], "moved@file");
    assert_eq!(moved["DownstreamStatus"], 301);
    assert_eq!(moved["OriginStatus"], 0, "the redirect middleware answered");
    assert!(moved["downstream_Location"].is_string(), "{moved:#}");
}

/// `OriginContentSize` is the body bytes the service sent, as Traefik's
/// (`capt.ResponseSize()`): 0 for a HEAD answer, whatever its `Content-Length` says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origin_content_size_counts_body_bytes_not_the_length_field() {
    let b = backend("a").await;
    let dir = Gw::dir();
    let log = dir.join("logs/access.log");
    let st = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\n\
         accessLog:\n  filePath: {}\n  format: json\n  fields:\n    headers:\n      defaultMode: keep\n",
        log.display()
    );
    let gw = Gw::start_in_dir(dir, &st, &dynamic(&b.url()));
    let c = client();
    let url = format!("{}/app/head", gw.url("web"));
    let head = http::Request::head(&url)
        .header("host", "example.com")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .expect("request");
    assert_eq!(send(&c, head).await.status, 200);
    assert_eq!(get(&c, &url, "example.com").await.status, 200);
    let got = wait_lines(&log, 2).await;
    let (head, get) = (json(&got[0]), json(&got[1]));
    let length = head["origin_Content-Length"]
        .as_str()
        .and_then(|v| v.parse::<u64>().ok());
    assert!(
        length.is_some_and(|n| n > 0),
        "the backend says a length: {head:#}"
    );
    assert_eq!(head["OriginContentSize"], 0, "{head:#}");
    assert_eq!(head["DownstreamContentSize"], 0, "{head:#}");
    let size = get["DownstreamContentSize"].as_u64().expect("size");
    assert!(size > 0 && get["OriginContentSize"] == size, "{get:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn common_and_generic_clf_lines() {
    let b = backend("a").await;
    for (format, tail) in [("common", true), ("genericCLF", false)] {
        let dir = Gw::dir();
        let log = dir.join("access.log");
        let st = format!(
            "entryPoints:\n  web:\n    address: 127.0.0.1:0\n\
             accessLog:\n  filePath: {}\n  format: {format}\n  fields:\n    headers:\n      names:\n        User-Agent: keep\n",
            log.display()
        );
        let gw = Gw::start_in_dir(dir, &st, &dynamic(&b.url()));
        let c = client();
        let req = http::Request::get(format!("{}/app/a%20b?x=%22y%22", gw.url("web")))
            .header("host", "example.com")
            .header("user-agent", "probe \"1\"")
            .header("referer", "http://elsewhere/")
            .body(Default::default())
            .expect("request");
        let resp = send(&c, req).await;
        assert_eq!(resp.status, 200);
        let line = wait_lines(&log, 1).await.remove(0);
        // 127.0.0.1 - - [03/Dec/2026:02:50:00 +0000] "GET /app/a%20b?x="y" HTTP/1.1" 200 N "-" "probe \"1\"" 1 "app@file" "http://…" 0ms
        let (head, rest) = line.split_once(" [").expect("timestamp");
        assert_eq!(head, "127.0.0.1 - -", "{line}");
        let (stamp, rest) = rest.split_once("] ").expect("timestamp end");
        assert_eq!(stamp.len(), "03/Dec/2026:02:50:00 +0000".len(), "{line}");
        assert!(stamp.ends_with(" +0000"), "{line}");
        let expect = format!(
            "\"GET /app/a%20b?x=%22y%22 HTTP/1.1\" 200 {} \"-\" \"probe \\\"1\\\"\"",
            resp.body.len()
        );
        assert!(rest.starts_with(&expect), "{line}\nexpected: {expect}");
        let after = &rest[expect.len()..];
        if tail {
            let want = format!(" 1 \"app@file\" \"{}\" ", b.url());
            assert!(after.starts_with(&want), "{line}");
            assert!(after.ends_with("ms"), "{line}");
            let ms = after[want.len()..after.len() - 2].parse::<u64>();
            assert!(ms.is_ok(), "{line}");
        } else {
            assert_eq!(after, "", "{line}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_keep_status_ranges_retries_or_slow_requests() {
    let b = backend("a").await;
    let dir = Gw::dir();
    let log = dir.join("access.log");
    let st = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\n\
         accessLog:\n  filePath: {}\n  format: json\n  filters:\n    statusCodes: [\"404\", \"500-599\"]\n    minDuration: 150ms\n",
        log.display()
    );
    let gw = Gw::start_in_dir(dir, &st, &dynamic(&b.url()));
    let c = client();
    let base = gw.url("web");
    assert_eq!(get(&c, &format!("{base}/app"), "h").await.status, 200);
    assert_eq!(get(&c, &format!("{base}/moved"), "h").await.status, 301);
    assert_eq!(get(&c, &format!("{base}/nope"), "h").await.status, 404);
    assert_eq!(
        get(&c, &format!("{base}/app?wait=300ms"), "h").await.status,
        200
    );
    let got = wait_lines(&log, 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got_after = lines(&log);
    assert_eq!(got, got_after, "only two lines pass the filters");
    assert_eq!(json(&got[0])["DownstreamStatus"], 404);
    let slow = json(&got[1]);
    assert_eq!(slow["RequestPath"], "/app?wait=300ms");
    assert!(slow["Duration"].as_i64().unwrap_or_default() > 150_000_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entry_point_default_off_router_on_and_internals() {
    let b = backend("a").await;
    let dir = Gw::dir();
    let log = dir.join("access.log");
    let st = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\n    observability:\n      accessLogs: false\n\
         \x20 traefik:\n    address: 127.0.0.1:0\n\
         api:\n  insecure: true\nping: {{}}\n\
         accessLog:\n  filePath: {}\n  format: json\n",
        log.display()
    );
    let dynamic = format!(
        r#"
http:
  routers:
    off:
      rule: PathPrefix(`/off`)
      service: app
    on:
      rule: PathPrefix(`/on`)
      service: app
      observability:
        accessLogs: true
  services:
    app:
      loadBalancer:
        servers:
          - url: {}
"#,
        b.url()
    );
    let gw = Gw::start_in_dir(dir, &st, &dynamic);
    let c = client();
    assert_eq!(
        get(&c, &format!("{}/off", gw.url("web")), "h").await.status,
        200
    );
    assert_eq!(
        get(&c, &format!("{}/nope", gw.url("web")), "h")
            .await
            .status,
        404
    );
    // `ping@internal` and `api@internal`: not logged without `addInternals`.
    assert_eq!(
        get(&c, &format!("{}/ping", gw.url("traefik")), "h")
            .await
            .status,
        200
    );
    assert_eq!(
        get(&c, &format!("{}/api/version", gw.url("traefik")), "h")
            .await
            .status,
        200
    );
    assert_eq!(
        get(&c, &format!("{}/on", gw.url("web")), "h").await.status,
        200
    );
    let got = wait_lines(&log, 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let got = lines(&log)
        .into_iter()
        .chain(got)
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got.iter().all(|l| json(l)["RouterName"] == "on@file"),
        "{got:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_access_log_block_runs_as_written() {
    // examples/seeds/traefik.yml's block, with the file in the test's directory.
    let seeds = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/seeds/traefik.yml"),
    )
    .expect("seeds");
    let block: String = seeds
        .lines()
        .skip_while(|l| !l.starts_with("accessLog:"))
        .take_while(|l| l.starts_with("accessLog:") || l.starts_with(' '))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        block.contains("statusCodes: [\"200-299\", \"400-499\", \"500-599\"]"),
        "{block}"
    );
    let b = backend("a").await;
    let dir = Gw::dir();
    let log = dir.join("traefik/access.log");
    let block = block.replace("/var/log/traefik/access.log", &log.display().to_string());
    let st = format!("entryPoints:\n  web:\n    address: 127.0.0.1:0\n{block}");
    let gw = Gw::start_in_dir(dir, &st, &dynamic(&b.url()));
    let c = client();
    let base = gw.url("web");
    assert_eq!(get(&c, &format!("{base}/app"), "h").await.status, 200);
    assert_eq!(get(&c, &format!("{base}/moved"), "h").await.status, 301);
    assert_eq!(get(&c, &format!("{base}/nope"), "h").await.status, 404);
    let got = wait_lines(&log, 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(lines(&log).len(), 2, "the 301 is filtered out: {got:#?}");
    let statuses: Vec<Value> = got
        .iter()
        .map(|l| json(l)["DownstreamStatus"].clone())
        .collect();
    assert_eq!(statuses, [200, 404]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logrotate_rename_then_sigusr1_loses_no_line() {
    let b = backend("a").await;
    let dir = Gw::dir();
    let log = dir.join("access.log");
    let rotated = dir.join("access.log.1");
    let st = format!(
        "entryPoints:\n  web:\n    address: 127.0.0.1:0\naccessLog:\n  filePath: {}\n",
        log.display()
    );
    let gw = Gw::start_in_dir(dir, &st, &dynamic(&b.url()));
    let c = client();
    let url = format!("{}/app", gw.url("web"));
    const N: usize = 300;
    let sender = {
        let (c, url) = (c.clone(), url.clone());
        tokio::spawn(async move {
            for i in 0..N {
                assert_eq!(get(&c, &format!("{url}?n={i}"), "h").await.status, 200);
            }
        })
    };
    wait_lines(&log, 50).await;
    // logrotate's `create` mode: rename, then signal.
    std::fs::rename(&log, &rotated).expect("rename");
    tokio::time::sleep(Duration::from_millis(20)).await;
    gw.signal("USR1");
    sender.await.expect("sender");
    eventually(PATIENCE, "every line in one of the two files", || async {
        lines(&rotated).len() + lines(&log).len() >= N
    })
    .await;
    let (old, new) = (lines(&rotated), lines(&log));
    assert!(!new.is_empty(), "lines after SIGUSR1 go to a new file");
    let mut seen: Vec<usize> = old
        .iter()
        .chain(&new)
        .map(|l| {
            let q = l.split("?n=").nth(1).expect("n");
            q.split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("number")
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..N).collect::<Vec<_>>(), "no line lost or doubled");
    assert!(
        gw.logs()
            .contains("SIGUSR1: closing and re-opening log files")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_file_path_is_reopened_on_sigusr1() {
    // The harness reads the gateway's stderr; with `log.filePath` nothing goes there, so
    // this test runs the binary itself and reads the file.
    let dir = Gw::dir();
    let log = dir.join("logs/waygate.log");
    let rotated = dir.join("waygate.log.1");
    std::fs::write(dir.join("dynamic.yml"), "http: {}\n").expect("dynamic");
    std::fs::write(
        dir.join("traefik.yml"),
        format!(
            "entryPoints:\n  web:\n    address: 127.0.0.1:0\n\
             log:\n  level: INFO\n  filePath: {}\n  noColor: true\n\
             providers:\n  file:\n    filename: {}\n",
            log.display(),
            dir.join("dynamic.yml").display()
        ),
    )
    .expect("static");
    let bin = std::env::var("WAYGATE_TEST_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_waygate").to_string());
    let mut child = std::process::Command::new(bin)
        .arg(format!(
            "--configFile={}",
            dir.join("traefik.yml").display()
        ))
        .env_remove("RUST_LOG")
        .env("WAYGATE_WORKERS", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let kill = |sig: &str, pid: u32| {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(pid.to_string())
            .status()
            .expect("kill");
        assert!(ok.success());
    };
    let text = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    eventually(
        PATIENCE,
        "the log file says the configuration was applied",
        || async { text(&log).contains("configuration applied") },
    )
    .await;
    assert!(!text(&log).contains("\u{1b}["), "no colours in a file");
    std::fs::rename(&log, &rotated).expect("rename");
    kill("USR1", child.id());
    eventually(PATIENCE, "the SIGUSR1 line", || async {
        (text(&rotated) + &text(&log)).contains("SIGUSR1")
    })
    .await;
    // The next line goes to a new file at the configured path.
    kill("HUP", child.id());
    eventually(PATIENCE, "a new log file after SIGUSR1", || async {
        text(&log).contains("SIGHUP")
    })
    .await;
    assert!(!text(&rotated).contains("SIGHUP"));
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    assert!(!stderr.contains("configuration applied"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
