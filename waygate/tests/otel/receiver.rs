//! The OTLP receiver of the tests (`receiver.py`: Python `opentelemetry-proto` and `grpcio`)
//! run as a child process, and the JSON-lines files it (and the access log) write.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::eventually;

/// The JSON lines of `path` written so far (a line being written is read on the next poll).
pub(crate) fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The receiver process and the file its spans land in.
pub(crate) struct Receiver {
    child: Child,
    pub(crate) out: PathBuf,
    pub(crate) grpc: u16,
    pub(crate) http: u16,
}

impl Receiver {
    pub(crate) fn start(dir: &std::path::Path) -> Receiver {
        Self::start_with(dir, &[])
    }

    /// With extra arguments (`--tls cert key`).
    pub(crate) fn start_with(dir: &std::path::Path, args: &[&str]) -> Receiver {
        let out = dir.join("spans.jsonl");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otel/receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(&out)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ports: Value = serde_json::from_str(&line).unwrap_or_else(|_| {
            panic!(
                "the OTLP receiver did not start (needs: python3 -m pip install grpcio \
                 opentelemetry-proto; test.sh installs them): {line:?}"
            )
        });
        Receiver {
            child,
            out,
            grpc: u16::try_from(ports["grpc"].as_u64().unwrap()).unwrap(),
            http: u16::try_from(ports["http"].as_u64().unwrap()).unwrap(),
        }
    }

    pub(crate) fn spans(&self) -> Vec<Value> {
        json_lines(&self.out)
    }

    /// Waits until the spans of trace `trace_id` include `n` spans, and returns them.
    pub(crate) async fn trace(&self, trace_id: &str, n: usize) -> Vec<Value> {
        let of_trace = || -> Vec<Value> {
            self.spans()
                .into_iter()
                .filter(|s| s["trace_id"] == trace_id)
                .collect()
        };
        eventually(
            Duration::from_secs(20),
            &format!("{n} spans of trace {trace_id}"),
            || {
                let found = of_trace().len();
                async move { found >= n }
            },
        )
        .await;
        of_trace()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
