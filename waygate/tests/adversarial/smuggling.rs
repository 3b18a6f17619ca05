//! Request smuggling: ambiguous or malformed framing must never desynchronise the gateway
//! from its backend. Each row of [`cases`] is sent raw on its own connection; afterwards
//! every request the backend received must be well framed, carry the gateway's own
//! `X-Forwarded-For` (it went through routing), and have been answered to the client as its
//! own response — so a smuggled `GET /smuggled` reaches the backend only when the gateway
//! also deemed it a separate request. Each row also pins what the gateway does with it
//! ([`Want`]), and a normal request on a fresh connection is served after every row.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::raw::{exchange, read_all};
use crate::recorder::{Mode, Recorder, request_len};
use crate::support::{Gw, LOCAL_EP};

mod cases;

/// The request line of the request every row tries to smuggle.
const SMUGGLED_LINE: &str = "GET /smuggled HTTP/1.1";

/// What the gateway must do with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// An error response (4xx/5xx) and nothing else; nothing reaches the backend.
    Refused,
    /// Only the first request is forwarded and answered; whatever follows it is never
    /// processed (the connection closes, or the rest was the first request's body).
    First,
    /// Two requests, both forwarded and both answered: the second was a well-framed
    /// pipelined request, not a smuggled one.
    Both,
    /// The first request is refused outright (nothing forwarded, so nothing of it is left
    /// on the connection) and the well-framed request after it is served.
    RefusedThenNext,
}

/// One row: a name, the exact bytes, and the expected handling.
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) bytes: Vec<u8>,
    pub(crate) want: Want,
}

/// What one row did: the client's responses and the backend's requests.
#[derive(Debug, Default)]
struct Outcome {
    /// Final (non-1xx) statuses the client received, in order.
    statuses: Vec<u16>,
    /// `X-Seen-Line` of each response: the backend request it answers.
    answered: Vec<String>,
    /// Request lines the backend received.
    forwarded: Vec<String>,
    /// Framing problems in what the backend received.
    problems: Vec<String>,
    closed: bool,
}

// === impl Outcome ===

impl Outcome {
    /// The no-desync invariant, then the row's expectation.
    fn check(&self, want: Want) -> Result<(), String> {
        if !self.problems.is_empty() {
            return Err(format!("backend framing: {:?}", self.problems));
        }
        let (mut fwd, mut ans) = (self.forwarded.clone(), self.answered.clone());
        fwd.sort();
        ans.sort();
        if fwd != ans {
            return Err("the backend's requests are not the ones answered to the client".into());
        }
        let ok = match want {
            Want::Refused => {
                self.forwarded.is_empty() && self.statuses.len() == 1 && self.statuses[0] >= 400
            }
            Want::First => self.forwarded.len() == 1 && self.statuses == [200],
            Want::Both => {
                self.statuses == [200, 200]
                    && self.forwarded.get(1).map(String::as_str) == Some(SMUGGLED_LINE)
            }
            Want::RefusedThenNext => {
                self.statuses.len() == 2
                    && self.statuses[0] >= 400
                    && self.forwarded == [SMUGGLED_LINE]
            }
        };
        if !ok {
            return Err(format!("wanted {want:?}"));
        }
        Ok(())
    }
}

/// One router for every path except `/nowhere` (a 404 answered before any body is read),
/// and one for the host `connect.test` (which a `CONNECT` can match).
async fn scene() -> (Gw, Recorder) {
    let rec = Recorder::start(Mode::KeepAlive).await;
    let dynamic = format!(
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`) && !PathPrefix(`/nowhere`)\n      service: s\n    c:\n      rule: Host(`connect.test`)\n      service: s\n  services:\n    s:\n      loadBalancer:\n        servers: [{{url: \"{}\"}}]\n",
        rec.url()
    );
    (Gw::start(LOCAL_EP, &dynamic), rec)
}

/// Sends `bytes` on a new connection and collects what the client and the backend saw.
async fn run(gw: &Gw, rec: &Recorder, bytes: &[u8]) -> Outcome {
    let marks: Vec<usize> = rec.conns().iter().map(|c| c.bytes.len()).collect();
    let mut s = TcpStream::connect(gw.addrs["web"]).await.expect("connect");
    let _ = s.write_all(bytes).await;
    let (resps, closed) =
        read_all(&mut s, Duration::from_secs(3), Duration::from_millis(500)).await;
    let mut out = Outcome {
        closed,
        ..Outcome::default()
    };
    for r in resps.iter().filter(|r| r.status >= 200 || r.status == 0) {
        out.statuses.push(r.status);
        out.answered.extend(r.header("x-seen-line"));
    }
    for (i, conn) in rec.conns().iter().enumerate() {
        let new = &conn.bytes[marks.get(i).copied().unwrap_or(0)..];
        backend_requests(new, &mut out);
    }
    out
}

/// Splits what one backend connection received into requests and checks their framing.
fn backend_requests(mut bytes: &[u8], out: &mut Outcome) {
    while !bytes.is_empty() {
        let Some(len) = request_len(bytes) else {
            out.problems.push(format!(
                "incomplete request: {:?}",
                String::from_utf8_lossy(bytes)
            ));
            return;
        };
        let head = String::from_utf8_lossy(&bytes[..len]).into_owned();
        let head = head.split("\r\n\r\n").next().unwrap_or_default();
        let mut lines = head.split("\r\n");
        let line = lines.next().unwrap_or_default().to_string();
        let names: Vec<String> = lines
            .map(|l| l.split(':').next().unwrap_or_default().to_ascii_lowercase())
            .collect();
        let count = |n: &str| names.iter().filter(|x| *x == n).count();
        let (cl, te) = (count("content-length"), count("transfer-encoding"));
        if cl > 1 || te > 1 || (cl == 1 && te == 1) {
            out.problems.push(format!(
                "{line}: {cl} Content-Length, {te} Transfer-Encoding"
            ));
        }
        if count("x-forwarded-for") != 1 {
            out.problems
                .push(format!("{line}: not processed by the gateway"));
        }
        out.forwarded.push(line);
        bytes = &bytes[len..];
    }
}

/// Runs `rows`, each followed by a normal request on a fresh connection; panics listing
/// every row that failed.
async fn run_rows(rows: Vec<Case>) {
    let (gw, rec) = scene().await;
    let mut failed = Vec::new();
    for case in rows {
        let out = run(&gw, &rec, &case.bytes).await;
        let verdict = out.check(case.want);
        println!(
            "{:<48} | {:?} | answered {:?} | forwarded {:?} | {}",
            case.name,
            out.statuses,
            out.answered,
            out.forwarded,
            if out.closed { "closed" } else { "open" }
        );
        if let Err(e) = verdict {
            failed.push(format!("{}: {e}: {out:?}", case.name));
        }
        let after = exchange(
            gw.addrs["web"],
            b"GET /after HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n\r\n",
        )
        .await;
        if after.status != 200
            || after.header("x-seen-line").as_deref() != Some("GET /after HTTP/1.1")
        {
            failed.push(format!(
                "{}: the next request was not served: {after:?}",
                case.name
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn content_length_and_transfer_encoding_never_desync() {
    run_rows(cases::length_and_coding()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn line_endings_request_lines_and_chunks_never_desync() {
    run_rows(cases::lines_and_chunks()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pipelining_expect_and_hop_by_hop_never_desync() {
    run_rows(cases::pipelining()).await;
}

/// A `CONNECT` whose host a router matches: the gateway must answer it (refuse it, or relay
/// the backend's answer) and never turn the connection into a tunnel. Today it forwards
/// `CONNECT / HTTP/1.1` and, when the backend answers 200 with a `Content-Length`, drops
/// the client connection without a response (hyper refuses to write that head).
#[tokio::test(flavor = "multi_thread")]
async fn connect_to_a_routed_host_is_answered_and_never_tunnels() {
    run_rows(cases::connect()).await;
}
