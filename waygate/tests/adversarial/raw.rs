//! A raw-socket client: exact bytes out, the gateway's answer parsed just enough (status,
//! head, body by Content-Length or to EOF). No HTTP library stands between the test and what
//! an attacker would send.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as read off the socket.
#[derive(Debug, Default)]
pub(crate) struct RawResp {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: Vec<u8>,
}

impl RawResp {
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_string())
        })
    }

    pub(crate) fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `request` on a new connection and reads the first response (5 s patience).
/// `status` is 0 when the gateway closed without answering.
pub(crate) async fn exchange(addr: SocketAddr, request: &[u8]) -> RawResp {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    // The peer may close (and reset) before reading everything we send: not an error here.
    let _ = s.write_all(request).await;
    read_response(&mut s, Duration::from_secs(5))
        .await
        .unwrap_or_default()
}

/// `GET uri` over h2c (prior knowledge) on a new connection: status, fields and body.
pub(crate) async fn h2c_get(addr: SocketAddr, uri: &str) -> (u16, http::HeaderMap, String) {
    use bytes::Bytes;
    use http_body_util::{BodyExt, Empty};
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (mut send, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .expect("h2c handshake");
    tokio::spawn(conn);
    let req = http::Request::get(uri)
        .body(Empty::<Bytes>::new())
        .expect("request");
    let resp = send.send_request(req).await.expect("h2 response");
    let (parts, body) = resp.into_parts();
    // A body that fails shows as what arrived of it (none): the callers assert on it.
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    (
        parts.status.as_u16(),
        parts.headers,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// Reads one response from `s`; `None` on EOF or timeout before a status line.
pub(crate) async fn read_response(s: &mut TcpStream, patience: Duration) -> Option<RawResp> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        if let Some(resp) = parse(&buf, false) {
            return Some(resp);
        }
        let n = match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Ok(Ok(n)) => n,
            Ok(Err(_)) | Err(_) => 0,
        };
        if n == 0 {
            return parse(&buf, true);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A complete response in `buf` (or whatever is there at EOF).
fn parse(buf: &[u8], eof: bool) -> Option<RawResp> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let mut resp = RawResp {
        status,
        head,
        body: Vec::new(),
    };
    match resp
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(len) if buf.len() >= end + len => resp.body = buf[end..end + len].to_vec(),
        Some(_) if !eof => return None,
        _ if eof => resp.body = buf[end..].to_vec(),
        None if resp.header("transfer-encoding").is_none() => {}
        _ => return None,
    }
    Some(resp)
}

/// Whether the peer has closed `s` (EOF or reset) within `patience`; data is drained.
pub(crate) async fn closed_within(s: &mut TcpStream, patience: Duration) -> bool {
    let mut chunk = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

/// Reads every response on `s` until the peer closes, nothing arrives for `quiet` after the
/// last byte, or `patience` passes. Interim (1xx) responses are included. Returns the
/// responses and whether the peer closed.
pub(crate) async fn read_all(
    s: &mut TcpStream,
    patience: Duration,
    quiet: Duration,
) -> (Vec<RawResp>, bool) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + patience;
    let closed = loop {
        let wait = if buf.is_empty() {
            deadline
        } else {
            (tokio::time::Instant::now() + quiet).min(deadline)
        };
        match tokio::time::timeout_at(wait, s.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => break false,
        }
    };
    (split_responses(&buf), closed)
}

/// Splits a byte stream into consecutive responses (bodies by Content-Length, chunked, or to
/// the end); a trailing incomplete response is kept as far as it goes.
pub(crate) fn split_responses(mut buf: &[u8]) -> Vec<RawResp> {
    let mut out = Vec::new();
    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4) {
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut resp = RawResp {
            status,
            head,
            body: Vec::new(),
        };
        let rest = &buf[end..];
        let len = if (100..200).contains(&status) || status == 204 || status == 304 {
            0
        } else if let Some(n) = resp.header("content-length").and_then(|v| v.parse().ok()) {
            rest.len().min(n)
        } else if resp
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
        {
            chunked_len(rest).unwrap_or(rest.len())
        } else {
            rest.len()
        };
        resp.body = rest[..len].to_vec();
        out.push(resp);
        buf = &rest[len..];
    }
    out
}

/// The length of a complete chunked body (with its trailer section) at the start of `buf`.
fn chunked_len(buf: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        let line_end = buf[i..].windows(2).position(|w| w == b"\r\n")? + i;
        let text = String::from_utf8_lossy(&buf[i..line_end]);
        let size = usize::from_str_radix(text.split(';').next()?.trim(), 16).ok()?;
        i = line_end + 2;
        if size == 0 {
            let t = buf[i..].windows(2).position(|w| w == b"\r\n")? + i;
            if t == i {
                return Some(i + 2);
            }
            return Some(buf[i..].windows(4).position(|w| w == b"\r\n\r\n")? + i + 4);
        }
        i += size + 2;
        if i > buf.len() {
            return None;
        }
    }
}

/// A backend's side: reads one request (its head, then a `Content-Length` body) from
/// `stream`, leaving what follows in `buf`. `None` once the peer is gone.
pub(crate) async fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> Option<(String, Vec<u8>)> {
    let mut chunk = vec![0u8; 16 * 1024];
    let mut more =
        async |stream: &mut TcpStream, buf: &mut Vec<u8>| match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                true
            }
        };
    let end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if !more(stream, buf).await {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        })
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < end + len {
        if !more(stream, buf).await {
            return None;
        }
    }
    let body = buf[end..end + len].to_vec();
    buf.drain(..end + len);
    Some((head, body))
}
