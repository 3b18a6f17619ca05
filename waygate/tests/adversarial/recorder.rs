//! A backend that records the exact bytes it receives, per connection, and answers each
//! request it can frame with `200` and a small body (or as its [`Mode`] says). Tests assert
//! on what reached it: nothing, one request, the path and `Host` it saw.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the recorder answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `200`, keep-alive.
    KeepAlive,
    /// `200` without `Connection: close`, then the connection is closed (a server that
    /// closes idle connections at once).
    CloseAfterResponse,
    /// Never answers.
    Silent,
    /// `200` with a body of this many bytes, written as fast as the peer takes it.
    Big(usize),
}

/// One connection's bytes, and whether it has been closed by the peer.
#[derive(Debug, Default, Clone)]
pub(crate) struct Conn {
    pub(crate) bytes: Vec<u8>,
    pub(crate) closed: bool,
}

#[derive(Clone)]
pub(crate) struct Recorder {
    pub(crate) addr: SocketAddr,
    conns: Arc<Mutex<Vec<Conn>>>,
    mode: Arc<Mutex<Mode>>,
    served: Arc<std::sync::atomic::AtomicUsize>,
}

impl Recorder {
    pub(crate) async fn start(mode: Mode) -> Recorder {
        Self::start_at("127.0.0.1:0", mode).await
    }

    /// Like [`Recorder::start`], on a fixed address (for proxies configured in advance, as
    /// in `bench/adversarial/compare.sh`).
    pub(crate) async fn start_at(addr: &str, mode: Mode) -> Recorder {
        let listener = TcpListener::bind(addr).await.expect("bind");
        let rec = Recorder {
            addr: listener.local_addr().expect("addr"),
            conns: Arc::default(),
            mode: Arc::new(Mutex::new(mode)),
            served: Arc::default(),
        };
        let r = rec.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let index = {
                    let mut c = r.conns.lock().expect("conns");
                    c.push(Conn::default());
                    c.len() - 1
                };
                tokio::spawn(r.clone().serve(stream, index));
            }
        });
        rec
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn set_mode(&self, mode: Mode) {
        *self.mode.lock().expect("mode") = mode;
    }

    /// Every connection so far.
    pub(crate) fn conns(&self) -> Vec<Conn> {
        self.conns.lock().expect("conns").clone()
    }

    /// Everything received, all connections concatenated.
    pub(crate) fn received(&self) -> String {
        let all: Vec<u8> = self.conns().into_iter().flat_map(|c| c.bytes).collect();
        String::from_utf8_lossy(&all).into_owned()
    }

    /// Requests answered so far.
    pub(crate) fn served(&self) -> usize {
        self.served.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn serve(self, mut stream: TcpStream, index: usize) {
        let mut pending: Vec<u8> = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            self.conns.lock().expect("conns")[index]
                .bytes
                .extend_from_slice(&buf[..n]);
            pending.extend_from_slice(&buf[..n]);
            while let Some(len) = request_len(&pending) {
                let head = String::from_utf8_lossy(&pending[..len]).into_owned();
                pending.drain(..len);
                let mode = *self.mode.lock().expect("mode");
                if !self.answer(&mut stream, &head, mode).await {
                    self.conns.lock().expect("conns")[index].closed = true;
                    return;
                }
            }
        }
        self.conns.lock().expect("conns")[index].closed = true;
    }

    /// Answers one request; false when the connection is to be closed.
    async fn answer(&self, stream: &mut TcpStream, request: &str, mode: Mode) -> bool {
        let first = request.lines().next().unwrap_or_default();
        let host = host_of(request);
        match mode {
            Mode::Silent => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                false
            }
            Mode::Big(size) => {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n");
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return false;
                }
                let chunk = vec![b'x'; 64 * 1024];
                let mut left = size;
                while left > 0 {
                    let n = left.min(chunk.len());
                    if stream.write_all(&chunk[..n]).await.is_err() {
                        return false;
                    }
                    left -= n;
                }
                self.served
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                true
            }
            Mode::KeepAlive | Mode::CloseAfterResponse => {
                let body = format!("{first}\nhost={host}\n");
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nX-Seen-Line: {}\r\nX-Seen-Host: {}\r\n\r\n{body}",
                    body.len(),
                    first.replace(['\r', '\n'], ""),
                    host,
                );
                let ok = stream.write_all(resp.as_bytes()).await.is_ok();
                self.served
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                ok && mode == Mode::KeepAlive
            }
        }
    }
}

/// The length of the first complete request in `buf` (head plus a Content-Length or
/// chunked body), if it is all there.
pub(crate) fn request_len(buf: &[u8]) -> Option<usize> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
    };
    if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
        let mut i = head_end;
        loop {
            let line_end = buf[i..].windows(2).position(|w| w == b"\r\n")? + i;
            let size_text = String::from_utf8_lossy(&buf[i..line_end]);
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            i = line_end + 2;
            if size == 0 {
                // Trailers end with an empty line.
                let end = buf[i..].windows(2).position(|w| w == b"\r\n")? + i;
                if end == i {
                    return Some(i + 2);
                }
                let t = buf[i..].windows(4).position(|w| w == b"\r\n\r\n")? + i;
                return Some(t + 4);
            }
            if buf.len() < i + size + 2 {
                return None;
            }
            i += size + 2;
        }
    }
    let len = header("content-length:")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    (buf.len() >= head_end + len).then_some(head_end + len)
}

/// The value of the `Host` header of a request's text (empty when there is none).
pub(crate) fn host_of(request: &str) -> String {
    request
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("host"))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_default()
}
