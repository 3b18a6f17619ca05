//! Running a prepared case through the real binary: `waygate check --format json`, then a
//! short serve (started, waited for until its configuration is applied, stopped with
//! SIGTERM). `WAYGATE_TEST_BIN` runs the corpus against another build.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::prepare::Prepared;

/// How long a serve may take to apply its configuration, and to stop.
const READY_WITHIN: Duration = Duration::from_secs(15);
const STOP_WITHIN: Duration = Duration::from_secs(20);
/// How long no new apply must be logged before a serve counts as settled.
const SETTLE: Duration = Duration::from_millis(300);

/// One issue of `check`'s JSON report.
#[derive(Debug, Clone)]
pub(crate) struct CheckIssue {
    pub(crate) error: bool,
    pub(crate) kind: String,
    pub(crate) key_path: String,
    pub(crate) message: String,
}

/// What `waygate check` said.
#[derive(Debug)]
pub(crate) struct Checked {
    /// Exit status (`None`: killed by a signal).
    pub(crate) code: Option<i32>,
    pub(crate) issues: Vec<CheckIssue>,
    /// Its per-item verdict (`items` of the report), to compare with the serving gateway's.
    pub(crate) items: Option<String>,
    /// Everything it printed, for messages.
    pub(crate) output: String,
}

/// What a short serve did.
#[derive(Debug, Default)]
pub(crate) struct Served {
    /// The configuration was applied (the gateway was serving).
    pub(crate) ready: bool,
    /// Exit status (`None`: killed by a signal or never exited).
    pub(crate) code: Option<i32>,
    /// It had to be killed (did not stop on SIGTERM).
    pub(crate) hung: bool,
    /// Log lines (stderr and `log.filePath`).
    pub(crate) lines: Vec<String>,
}

fn bin() -> String {
    std::env::var("WAYGATE_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_waygate").to_string())
}

/// A command in the case's directory with only the case's environment (no `TRAEFIK_*` of
/// the test's own, and a HOME where the search list finds nothing).
fn command(p: &Prepared) -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(&p.dir)
        .env_clear()
        .env("HOME", p.dir.join("home"))
        .env("XDG_CONFIG_HOME", p.dir.join("home/.config"))
        .env("RUST_BACKTRACE", "1")
        .envs(p.env.iter().map(|(k, v)| (k, v)));
    cmd
}

fn config_arg(p: &Prepared) -> Vec<String> {
    p.config
        .iter()
        .map(|c| format!("--configFile={c}"))
        .collect()
}

pub(crate) fn check(p: &Prepared) -> Checked {
    let out = command(p)
        .arg("check")
        .args(config_arg(p))
        .args(&p.args)
        .args(["--format", "json"])
        .output()
        .expect("run waygate check");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_str::<Value>(&stdout).ok();
    let items = report
        .as_ref()
        .and_then(|v| v.get("items").and_then(Value::as_str))
        .map(str::to_string);
    let issues = report
        .and_then(|v| v.get("issues").and_then(Value::as_array).cloned())
        .unwrap_or_default()
        .iter()
        .map(|i| {
            let s = |k: &str| i.get(k).and_then(Value::as_str).unwrap_or_default();
            CheckIssue {
                error: s("severity") == "error",
                kind: s("kind").to_string(),
                key_path: s("keyPath").to_string(),
                message: s("message").to_string(),
            }
        })
        .collect();
    Checked {
        code: out.status.code(),
        issues,
        items,
        output: format!("{stdout}{stderr}"),
    }
}

pub(crate) fn serve(p: &Prepared) -> Served {
    let mut child = command(p)
        .args(config_arg(p))
        .args(&p.args)
        .env("RUST_LOG", "info,hyper=warn")
        .env("WAYGATE_WORKERS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn waygate");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("stderr");
    let sink = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().expect("lines").push(line);
        }
    });
    let all = |lines: &Arc<Mutex<Vec<String>>>| {
        let mut v = lines.lock().expect("lines").clone();
        if let Some(f) = &p.log_file {
            v.extend(
                std::fs::read_to_string(f)
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_string),
            );
        }
        v
    };
    let mut served = Served::default();
    let deadline = Instant::now() + READY_WITHIN;
    // Ready, then settled: no further apply for SETTLE (the internal provider's first apply
    // may be logged after the file was read, the file's own apply a moment later).
    let mut settled: Option<(usize, Instant)> = None;
    loop {
        let now = all(&lines);
        if ready(&now, p.file_provider) {
            let applies = now
                .iter()
                .filter(|l| l.contains("configuration applied"))
                .count();
            match settled {
                Some((n, since)) if n == applies && since.elapsed() >= SETTLE => {
                    served.ready = true;
                    break;
                }
                Some((n, _)) if n == applies => {}
                _ => settled = Some((applies, Instant::now())),
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            served.code = status.code();
            let _ = reader.join();
            served.lines = all(&lines);
            return served;
        }
        if Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let deadline = Instant::now() + STOP_WITHIN;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            served.code = status.code();
            break;
        }
        if Instant::now() > deadline {
            served.hung = true;
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = reader.join();
    served.lines = all(&lines);
    served
}

/// The configuration is applied: with the file provider, a generation holding the file's
/// configuration (the first `configuration published` line naming `file`) was applied;
/// otherwise any apply (the internal provider's, generation 1).
fn ready(lines: &[String], file_provider: bool) -> bool {
    let applied = |l: &str| l.contains("configuration applied");
    if !file_provider {
        return lines.iter().any(|l| applied(l));
    }
    let first_with_file = lines
        .iter()
        .filter(|l| l.contains("configuration published"))
        .filter(|l| field(l, "providers").is_some_and(|p| p.split(',').any(|n| n == "file")))
        .filter_map(|l| field(l, "generation")?.parse::<u64>().ok())
        .min();
    let Some(first) = first_with_file else {
        return false;
    };
    lines
        .iter()
        .filter(|l| applied(l))
        .filter_map(|l| field(l, "generation")?.parse::<u64>().ok())
        .any(|g| g >= first)
}

/// A field of a log line, text (`name=value`) or JSON format.
fn field(line: &str, name: &str) -> Option<String> {
    if let Some(v) = json_field(line, name) {
        return Some(v.as_str().map_or_else(|| v.to_string(), str::to_string));
    }
    let key = format!(" {name}=");
    let at = line.find(&key)? + key.len();
    let rest = &line[at..];
    let value = rest.split(' ').next().unwrap_or_default();
    Some(value.trim_matches('"').to_string())
}

/// The per-item verdict of the last "configuration applied" line (`items=…`, text or JSON
/// log format).
pub(crate) fn applied_items(lines: &[String]) -> Option<String> {
    let line = lines
        .iter()
        .rev()
        .find(|l| l.contains("configuration applied"))?;
    if line.trim_start().starts_with('{') {
        return json_field(line, "items")?.as_str().map(str::to_string);
    }
    // The text format puts the message first and `items` last.
    let at = line.find(" items=")?;
    Some(line[at + " items=".len()..].trim().to_string())
}

/// A field of a JSON-format log line (under `fields` or at the top level); `None` for a
/// text-format line.
fn json_field(line: &str, name: &str) -> Option<Value> {
    let v = serde_json::from_str::<Value>(line).ok()?;
    let fields = v.get("fields").unwrap_or(&v);
    fields.get(name).cloned()
}
