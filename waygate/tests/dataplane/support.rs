//! The harness: start the `waygate` binary on a config in a temp dir (port 0 entry points,
//! addresses read from its log), talk to it with a real HTTP client, wait for things that
//! propagate with a bounded patience.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// An HTTP/2 (prior knowledge) client connection to `addr`, its connection task spawned
/// (the handle ends when the connection does).
pub(crate) async fn h2c(
    addr: SocketAddr,
) -> (
    hyper::client::conn::http2::SendRequest<Full<Bytes>>,
    tokio::task::JoinHandle<Result<(), hyper::Error>>,
) {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (send, conn) = hyper::client::conn::http2::handshake(
        TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tcp),
    )
    .await
    .expect("h2 handshake");
    (send, tokio::spawn(conn))
}

/// A running gateway process.
pub(crate) struct Gw {
    child: Child,
    pub(crate) addrs: HashMap<String, SocketAddr>,
    pub(crate) dir: PathBuf,
    logs: Arc<Mutex<Vec<String>>>,
}

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn temp_dir() -> PathBuf {
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("waygate-it-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

impl Gw {
    /// Starts the gateway with `static_yaml` (a `providers.file` pointing at the dynamic file
    /// is appended) and `dynamic_yaml`, and waits until every entry point listens and the
    /// first configuration is applied.
    pub(crate) fn start(static_yaml: &str, dynamic_yaml: &str) -> Gw {
        Self::start_with(static_yaml, dynamic_yaml, true)
    }

    /// Like [`Gw::start`], with the file provider's `watch` set to `watch`.
    pub(crate) fn start_with(static_yaml: &str, dynamic_yaml: &str, watch: bool) -> Gw {
        Self::start_with_dir(temp_dir(), static_yaml, dynamic_yaml, watch, &[])
    }

    /// A fresh temp dir, for tests that write files (certificates) before starting.
    pub(crate) fn dir() -> PathBuf {
        temp_dir()
    }

    /// Like [`Gw::start`], in `dir` (which may already hold files the configuration names).
    pub(crate) fn start_in_dir(dir: PathBuf, static_yaml: &str, dynamic_yaml: &str) -> Gw {
        Self::start_with_dir(dir, static_yaml, dynamic_yaml, true, &[])
    }

    /// Like [`Gw::start_in_dir`], with extra environment variables for the process.
    pub(crate) fn start_in_dir_env(
        dir: PathBuf,
        static_yaml: &str,
        dynamic_yaml: &str,
        env: &[(&str, &str)],
    ) -> Gw {
        Self::start_with_dir(dir, static_yaml, dynamic_yaml, true, env)
    }

    fn start_with_dir(
        dir: PathBuf,
        static_yaml: &str,
        dynamic_yaml: &str,
        watch: bool,
        env: &[(&str, &str)],
    ) -> Gw {
        let dynamic = dir.join("dynamic.yml");
        std::fs::write(&dynamic, dynamic_yaml).expect("write dynamic");
        let static_full = format!(
            "{static_yaml}\nproviders:\n  providersThrottleDuration: 10ms\n  file:\n    filename: {}\n    watch: {watch}\n",
            dynamic.display()
        );
        Self::start_in(dir, &static_full, env)
    }

    /// Starts the gateway on exactly `static_full` (no file provider added).
    pub(crate) fn start_raw(static_full: &str) -> Gw {
        Self::start_in(temp_dir(), static_full, &[])
    }

    /// Like [`Gw::start_raw`], in `dir`; the static file is `dir/traefik.yml`.
    pub(crate) fn start_raw_in(dir: PathBuf, static_full: &str) -> Gw {
        Self::start_in(dir, static_full, &[])
    }

    fn start_in(dir: PathBuf, static_full: &str, env: &[(&str, &str)]) -> Gw {
        std::fs::write(dir.join("traefik.yml"), static_full).expect("write static");
        // `WAYGATE_TEST_BIN` runs the suite against another build (e.g. the release binary).
        let bin = std::env::var("WAYGATE_TEST_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_waygate").to_string());
        let mut child = Command::new(bin)
            .arg(format!(
                "--configFile={}",
                dir.join("traefik.yml").display()
            ))
            .env("RUST_LOG", "info,hyper=warn")
            .env("WAYGATE_WORKERS", "2")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn waygate");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().expect("logs").push(line);
            }
        });
        let mut gw = Gw {
            child,
            addrs: HashMap::new(),
            dir,
            logs,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let lines = gw.logs();
            for line in lines
                .lines()
                .filter(|l| l.contains("entry point listening"))
            {
                let field = |k: &str| {
                    line.split(&format!("{k}="))
                        .nth(1)
                        .and_then(|r| r.split_whitespace().next())
                        .map(str::to_string)
                };
                if let (Some(ep), Some(addr)) = (field("entry_point"), field("address")) {
                    gw.addrs.insert(ep, addr.parse().expect("address"));
                }
            }
            // The internal provider's snapshot is applied first (generation 1); the file or
            // Docker provider's arrives as generation 2 or later (possibly coalesced).
            let applied = lines
                .lines()
                .filter(|l| l.contains("configuration applied"))
                .any(|l| {
                    l.split("generation=")
                        .nth(1)
                        .and_then(|r| r.split_whitespace().next())
                        .and_then(|g| g.parse::<u64>().ok())
                        .is_some_and(|g| g >= 2)
                });
            if applied {
                return gw;
            }
            if let Ok(Some(status)) = gw.child.try_wait() {
                panic!("waygate exited with {status}:\n{lines}");
            }
            assert!(Instant::now() < deadline, "waygate did not start:\n{lines}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident memory of the gateway process, in KiB (`VmHWM`).
    pub(crate) fn peak_rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("proc status");
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .expect("VmHWM")
    }

    pub(crate) fn url(&self, ep: &str) -> String {
        format!("http://{}", self.addrs[ep])
    }

    pub(crate) fn logs(&self) -> String {
        self.logs.lock().expect("logs").join("\n")
    }

    /// Replaces the dynamic file atomically (write + rename, as editors do).
    pub(crate) fn write_dynamic(&self, yaml: &str) {
        let tmp = self.dir.join(".dynamic.yml.tmp");
        std::fs::write(&tmp, yaml).expect("write");
        std::fs::rename(&tmp, self.dir.join("dynamic.yml")).expect("rename");
    }

    pub(crate) fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for the process to exit and returns its exit code.
    pub(crate) fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// How many times a configuration has been applied so far.
    pub(crate) fn applied(&self) -> usize {
        self.logs().matches("configuration applied").count()
    }
}

impl Gw {
    /// Stops the process like a crash (SIGKILL) and keeps its directory, for a restart.
    pub(crate) fn kill_keep_dir(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.dir = PathBuf::new();
    }
}

impl Drop for Gw {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A response, fully read.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: String,
}

pub(crate) fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// `GET url` with `Host: host`.
pub(crate) async fn get(
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    host: &str,
) -> Resp {
    send(client, get_request(url, host)).await
}

/// `GET url` with `Host: host`, no body.
fn get_request(url: &str, host: &str) -> http::Request<Full<Bytes>> {
    http::Request::get(url)
        .header("host", host)
        .body(Full::new(Bytes::new()))
        .expect("request")
}

/// `method url` with `Host: host` and `headers`, no body.
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

pub(crate) async fn send(
    client: &Client<HttpConnector, Full<Bytes>>,
    req: http::Request<Full<Bytes>>,
) -> Resp {
    try_send(client, req).await.expect("response")
}

/// [`get`] that gives `None` when no whole answer came, for readiness loops: a published
/// port whose container does not listen yet accepts and closes (`IncompleteMessage`).
pub(crate) async fn try_get(
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    host: &str,
) -> Option<Resp> {
    try_send(client, get_request(url, host)).await.ok()
}

async fn try_send(
    client: &Client<HttpConnector, Full<Bytes>>,
    req: http::Request<Full<Bytes>>,
) -> Result<Resp, String> {
    let resp = client.request(req).await.map_err(|e| format!("{e:?}"))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e:?}"))?
        .to_bytes();
    Ok(Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Polls `check` every 20 ms until it is true; panics with `what` after `patience`.
pub(crate) async fn eventually<F, Fut>(patience: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + patience;
    while !check().await {
        assert!(Instant::now() < deadline, "not within {patience:?}: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts a whoami backend named `name`.
pub(crate) async fn backend(name: &str) -> whoami::Server {
    whoami::Server::start(whoami::Config {
        name: name.to_string(),
        ..whoami::Config::default()
    })
    .await
    .expect("whoami")
}

pub(crate) const LOCAL_EP: &str = "entryPoints:\n  web:\n    address: 127.0.0.1:0\n";

impl Gw {
    /// Opens the dynamic file to rewrite it in place, as a shell's `>` does: truncated now,
    /// complete when the returned file is dropped (closed).
    pub(crate) fn open_dynamic_in_place(&self) -> std::fs::File {
        std::fs::File::options()
            .write(true)
            .truncate(true)
            .open(self.dir.join("dynamic.yml"))
            .expect("open dynamic in place")
    }

    /// Opens the dynamic file to append to it, as a shell's `>>` does.
    pub(crate) fn open_dynamic_append(&self) -> std::fs::File {
        std::fs::File::options()
            .append(true)
            .open(self.dir.join("dynamic.yml"))
            .expect("open dynamic for append")
    }
}
