//! Not part of CI: the same raw cases against waygate, nginx and haproxy, side by side, as
//! one table (`case | waygate | nginx | haproxy`: the status, and which backend got which
//! request line). `bench/adversarial/compare.sh` installs and starts the three proxies in
//! front of the backends this test starts on fixed ports, then runs
//! `cargo nextest run -p waygate --test adversarial --run-ignored only compare --no-capture`
//! with `COMPARE_TARGETS` (`name=addr,...`) and `COMPARE_PIDS` (`name=pid,...`) set.
//!
//! Every proxy routes the same way: `Host: a.test` → `a`, `Host: b.test` → `b`, otherwise
//! `/admin` → `admin`, `/big` → `big` (a 32 MiB response), anything else → `public`.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::raw::exchange;
use crate::recorder::{Mode, Recorder, request_len};

/// Backends, on the ports the configurations in `bench/adversarial/` name.
const BACKENDS: [(&str, &str); 5] = [
    ("a", "127.0.0.1:18201"),
    ("b", "127.0.0.1:18202"),
    ("public", "127.0.0.1:18203"),
    ("admin", "127.0.0.1:18204"),
    ("big", "127.0.0.1:18205"),
];

/// Non-reading clients in the memory row, and the response each asks for.
const NON_READERS: usize = 20;
const BIG: usize = 32 << 20;

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n\r\n").into_bytes()
}

fn chunked(te: &str, body: &str) -> Vec<u8> {
    format!("POST /upload HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\nTransfer-Encoding: {te}\r\n\r\n{body}").into_bytes()
}

/// The cases, in table order.
fn cases() -> Vec<(String, Vec<u8>)> {
    let mut rows: Vec<(String, Vec<u8>)> = [
        "/public/%2e%2e/admin/x",
        "/public/%2E%2E/admin/x",
        "/public/.%2e/admin/x",
        "/public/../admin/x",
        "/public/..%2fadmin/x",
        "/public/%252e%252e/admin/x",
    ]
    .into_iter()
    .map(|p| (format!("GET {p}"), get(p)))
    .collect();
    let smuggled = "0\r\n\r\nGET /admin/smuggled HTTP/1.1\r\nHost: t.test\r\n\r\n";
    let cl_te = format!(
        "POST /x HTTP/1.1\r\nHost: t.test\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n{smuggled}",
        smuggled.len()
    );
    let raw: Vec<(&str, String)> = vec![
        (
            "absolute-form a.test, Host b.test",
            "GET http://a.test/x HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n".into(),
        ),
        (
            "Host a.test and Host b.test",
            "GET /x HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n".into(),
        ),
        ("no Host, HTTP/1.1", "GET /x HTTP/1.1\r\nConnection: close\r\n\r\n".into()),
        ("no Host, HTTP/1.0", "GET /x HTTP/1.0\r\n\r\n".into()),
        (
            "CONNECT a.test:80",
            "CONNECT a.test:80 HTTP/1.1\r\nHost: a.test:80\r\n\r\n".into(),
        ),
        ("CL + TE chunked (CL.TE)", cl_te),
        (
            "CL + Transfer_Encoding (underscore)",
            "POST /x HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\nContent-Length: 5\r\nTransfer_Encoding: chunked\r\n\r\n0\r\n\r\n".into(),
        ),
        ("bare LF line endings", "GET /lf HTTP/1.1\nHost: t.test\nConnection: close\n\n".into()),
    ];
    rows.extend(
        raw.into_iter()
            .map(|(n, r)| (n.to_string(), r.into_bytes())),
    );
    let body = [
        ("chunk size 0x5", "0x5\r\nhello\r\n0\r\n\r\n"),
        ("chunk size -5", "-5\r\nhello\r\n0\r\n\r\n"),
        (
            "chunk size 2^64+5",
            "18446744073709551621\r\nhello\r\n0\r\n\r\n",
        ),
        ("chunk longer than its size", "5\r\nhelloEXTRA\r\n0\r\n\r\n"),
        ("no CRLF after chunk size", "5 hello\r\n0\r\n\r\n"),
    ];
    rows.extend(
        body.into_iter()
            .map(|(n, b)| (n.to_string(), chunked("chunked", b))),
    );
    let good = "5\r\nhello\r\n0\r\n\r\n";
    for te in ["chunked, chunked", "gzip, chunked"] {
        rows.push((format!("TE: {te}"), chunked(te, good)));
    }
    let long = format!(
        "GET /x HTTP/1.1\r\nHost: t.test\r\nX-Long: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    rows.push(("64 KiB header line".into(), long.into_bytes()));
    rows
}

/// `name=value,...` from the environment.
fn pairs(var: &str) -> Vec<(String, String)> {
    std::env::var(var)
        .unwrap_or_default()
        .split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// What each backend received since `marks`: `backend:target` (with the Host when it is not
/// `t.test`, and `+name` for each forwarded header name holding an underscore), or
/// `backend:partial` for bytes that are not a whole request.
fn delivered(backends: &[(&str, Recorder)], marks: &[Vec<usize>]) -> String {
    let mut out = Vec::new();
    for ((name, rec), mark) in backends.iter().zip(marks) {
        for (i, conn) in rec.conns().iter().enumerate() {
            let mut bytes = &conn.bytes[mark.get(i).copied().unwrap_or(0)..];
            while !bytes.is_empty() {
                let Some(len) = request_len(bytes) else {
                    out.push(format!("{name}:partial"));
                    break;
                };
                let text = String::from_utf8_lossy(&bytes[..len]).into_owned();
                let line = text.lines().next().unwrap_or_default();
                let path = line.split_whitespace().nth(1).unwrap_or_default();
                let host = crate::recorder::host_of(&text);
                let mut cell = format!("{name}:{path}");
                if host != "t.test" {
                    cell.push_str(&format!(" host={host}"));
                }
                // Header names with an underscore that went through (e.g. Transfer_Encoding).
                let head = text.split("\r\n\r\n").next().unwrap_or_default();
                for l in head.lines().skip(1) {
                    if let Some((k, _)) = l.split_once(':').filter(|(k, _)| k.contains('_')) {
                        cell.push_str(&format!(" +{k}"));
                    }
                }
                out.push(cell);
                bytes = &bytes[len..];
            }
        }
    }
    if out.is_empty() {
        "-".into()
    } else {
        out.join(" ")
    }
}

fn marks(backends: &[(&str, Recorder)]) -> Vec<Vec<usize>> {
    backends
        .iter()
        .map(|(_, r)| r.conns().iter().map(|c| c.bytes.len()).collect())
        .collect()
}

fn rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// RSS growth of `pid` while [`NON_READERS`] clients ask for `/big` and never read.
async fn non_readers(addr: &str, pid: Option<&String>) -> String {
    let Some(before) = pid.and_then(|p| rss_kib(p)) else {
        return "no pid".into();
    };
    let mut conns = Vec::new();
    for _ in 0..NON_READERS {
        if let Ok(mut s) = TcpStream::connect(addr).await {
            let _ = s
                .write_all(b"GET /big HTTP/1.1\r\nHost: t.test\r\n\r\n")
                .await;
            conns.push(s);
        }
    }
    let mut peak = before;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak = peak.max(pid.and_then(|p| rss_kib(p)).unwrap_or(0));
    }
    drop(conns);
    format!("+{} MiB RSS", peak.saturating_sub(before) / 1024)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs nginx, haproxy and a release waygate: run bench/adversarial/compare.sh"]
async fn compare_with_nginx_and_haproxy() {
    let targets = pairs("COMPARE_TARGETS");
    let pids = pairs("COMPARE_PIDS");
    assert!(!targets.is_empty(), "set COMPARE_TARGETS (see compare.sh)");
    let mut backends = Vec::new();
    for (name, addr) in BACKENDS {
        let mode = if name == "big" {
            Mode::Big(BIG)
        } else {
            Mode::KeepAlive
        };
        backends.push((name, Recorder::start_at(addr, mode).await));
    }
    let mut table = vec![format!(
        "| case | {} |",
        targets
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    )];
    table.push(format!("|---|{}", "---|".repeat(targets.len())));
    for (name, bytes) in cases() {
        let mut cells = Vec::new();
        for (_, addr) in &targets {
            let before = marks(&backends);
            let r = exchange(addr.parse().expect("target address"), &bytes).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            let status = if r.status == 0 {
                "no answer".to_string()
            } else {
                r.status.to_string()
            };
            cells.push(format!("{status} → {}", delivered(&backends, &before)));
        }
        table.push(format!("| {name} | {} |", cells.join(" | ")));
    }
    let mut cells = Vec::new();
    for (name, addr) in &targets {
        let pid = pids.iter().find(|(n, _)| n == name).map(|(_, p)| p);
        cells.push(non_readers(addr, pid).await);
    }
    table.push(format!(
        "| {NON_READERS} clients not reading a {} MiB response | {} |",
        BIG >> 20,
        cells.join(" | ")
    ));
    let table = table.join("\n");
    println!("\n{table}\n");
    if let Ok(path) = std::env::var("COMPARE_OUT") {
        std::fs::write(path, format!("{table}\n")).expect("write COMPARE_OUT");
    }
}
