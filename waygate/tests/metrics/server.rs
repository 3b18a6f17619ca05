//! A real Prometheus server (Debian package `prometheus`) scraping the gateway every
//! second, queried through its HTTP API (`/api/v1/query`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::{client, eventually, get};

pub(crate) struct Prometheus {
    child: Child,
    url: String,
}

/// One series of a query answer: its labels and value.
#[derive(Debug)]
pub(crate) struct Sample {
    pub(crate) labels: serde_json::Map<String, Value>,
    pub(crate) value: f64,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Query strings as `application/x-www-form-urlencoded` wants them.
fn encode(q: &str) -> String {
    let mut out = String::new();
    for b in q.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Prometheus {
    /// Starts Prometheus in `dir`, scraping `target` (`host:port`) every second, and waits
    /// until it is ready.
    pub(crate) async fn start(dir: &Path, target: &str) -> Prometheus {
        let bin = which("prometheus").unwrap_or_else(|| {
            panic!(
                "the `prometheus` server is not installed: this test needs it \
                 (apt-get install prometheus; test.sh installs it)"
            )
        });
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: waygate\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .expect("write prometheus.yml");
        let port = free_port();
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn prometheus");
        let p = Prometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let c = client();
        let ready = format!("{}/-/ready", p.url);
        eventually(Duration::from_secs(30), "prometheus is ready", || {
            let (c, ready) = (c.clone(), ready.clone());
            async move {
                let req = http::Request::get(&ready)
                    .body(http_body_util::Full::new(bytes::Bytes::new()))
                    .expect("request");
                matches!(c.request(req).await, Ok(r) if r.status() == 200)
            }
        })
        .await;
        p
    }

    /// The answer to an instant PromQL query (a vector).
    pub(crate) async fn query(&self, q: &str) -> Vec<Sample> {
        let url = format!("{}/api/v1/query?query={}", self.url, encode(q));
        let r = get(&client(), &url, "127.0.0.1").await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        let v: Value = serde_json::from_str(&r.body).expect("json");
        assert_eq!(v["status"], "success", "{q}: {v}");
        v["data"]["result"]
            .as_array()
            .expect("a vector")
            .iter()
            .map(|s| Sample {
                labels: s["metric"].as_object().cloned().unwrap_or_default(),
                value: s["value"][1]
                    .as_str()
                    .and_then(|x| x.parse().ok())
                    .expect("value"),
            })
            .collect()
    }

    /// Waits until `q` answers exactly one series with `value`; returns its labels.
    pub(crate) async fn expect_value(&self, q: &str, value: f64) -> serde_json::Map<String, Value> {
        let mut last = Vec::new();
        for _ in 0..150 {
            last = self.query(q).await;
            if last.len() == 1 && last[0].value == value {
                return last.remove(0).labels;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{q}: wanted one series = {value}, Prometheus answers {last:?}");
    }

    /// Waits until `q` answers at least one series.
    pub(crate) async fn expect_data(&self, q: &str) -> Vec<Sample> {
        for _ in 0..150 {
            let r = self.query(q).await;
            if !r.is_empty() {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("{q}: no data within 30 s");
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}
