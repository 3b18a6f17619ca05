//! Heads on the HTTP/1.1 fast path: the request head written as bytes, and the response
//! head parsed with `httparse`, its body's framing decided by hyper's client rules
//! (RFC 9112 §6.3), so a backend cannot frame a response differently on either path.

use std::mem::MaybeUninit;

use bytes::{Buf, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};

use crate::Request;
use crate::forwarded::Deferred;
use crate::tokens;

/// Header fields a response head may have (hyper's limit).
const MAX_HEADERS: usize = 100;

/// Room a response's header map gets beyond the backend's fields: what the gateway and
/// hyper's HTTP/2 server add to a response (`Date`, a few middleware fields) without growing.
const RESPONSE_HEADROOM: usize = 4;

/// How a response body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body: `HEAD`, 204, 304, or `Content-Length: 0`.
    Empty,
    Length(u64),
    Chunked,
    /// Until the server closes the connection.
    Close,
}

/// A parsed response head.
#[derive(Debug)]
pub(crate) struct Head {
    pub status: StatusCode,
    pub version: Version,
    pub headers: HeaderMap,
    pub framing: Framing,
    /// The connection may carry another request after this response.
    pub keep_alive: bool,
}

/// Writes `req`'s head (a request without a body) into `dst`: the target as given (origin
/// form, or absolute), `HTTP/1.1`, the headers in order but `Transfer-Encoding` (a request
/// without a body has no coding; hyper drops it too), then the `forwarded` fields.
pub(super) fn write_request(dst: &mut Vec<u8>, req: &Request, forwarded: Option<&Deferred>) {
    dst.clear();
    dst.extend_from_slice(req.method().as_str().as_bytes());
    dst.push(b' ');
    let uri = req.uri();
    if uri.scheme().is_some() {
        dst.extend_from_slice(uri.to_string().as_bytes());
    } else {
        dst.extend_from_slice(uri.path_and_query().map_or("/", |p| p.as_str()).as_bytes());
    }
    dst.extend_from_slice(b" HTTP/1.1\r\n");
    // An HTTP/2 client's authority the map does not hold: `Host` first, as a client writes it.
    if let Some(host) = forwarded.and_then(|f| f.host_line(req.headers())) {
        dst.extend_from_slice(b"host: ");
        dst.extend_from_slice(host.as_bytes());
        dst.extend_from_slice(b"\r\n");
    }
    for (name, value) in req.headers() {
        if name == TRANSFER_ENCODING {
            continue;
        }
        dst.extend_from_slice(name.as_str().as_bytes());
        dst.extend_from_slice(b": ");
        dst.extend_from_slice(value.as_bytes());
        dst.extend_from_slice(b"\r\n");
    }
    if let Some(f) = forwarded {
        f.write(dst);
    }
    dst.extend_from_slice(b"\r\n");
}

/// Parses the response head at the start of `buf`. `Ok(None)`: not complete yet.
/// Informational responses (1xx but 101) are consumed and skipped, as hyper does. The head's
/// bytes leave `buf`; header values share them.
pub(super) fn parse_response(
    buf: &mut BytesMut,
    head_request: bool,
    spare: &mut HeaderMap,
) -> Result<Option<Head>, String> {
    loop {
        let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
        // Where each name and value lies in `buf` (the parse borrows it).
        let mut spans = [(0u32, 0u32, 0u32, 0u32); MAX_HEADERS];
        let mut res = httparse::Response::new(&mut []);
        let parsed = httparse::ParserConfig::default()
            .parse_response_with_uninit_headers(&mut res, &buf[..], &mut slots)
            .map_err(|e| format!("malformed response head: {e}"))?;
        let httparse::Status::Complete(len) = parsed else {
            return Ok(None);
        };
        let code = res.code.unwrap_or(0);
        let status = StatusCode::from_u16(code)
            .map_err(|_| format!("malformed response head: status {code}"))?;
        let version = if res.version == Some(1) {
            Version::HTTP_11
        } else {
            Version::HTTP_10
        };
        let base = buf.as_ptr() as usize;
        let count = res.headers.len();
        for (span, h) in spans.iter_mut().zip(res.headers.iter()) {
            let name = h.name.as_ptr() as usize - base;
            let value = h.value.as_ptr() as usize - base;
            // `buf` is at most MAX_RESPONSE_HEAD (1 MiB) long here.
            *span = (
                name as u32,
                (name + h.name.len()) as u32,
                value as u32,
                (value + h.value.len()) as u32,
            );
        }
        if status.is_informational() {
            if status == StatusCode::SWITCHING_PROTOCOLS {
                // No upgrade was asked for on this path (Go: "backend tried to switch
                // protocol").
                return Err("the server switched protocols unasked".into());
            }
            buf.advance(len);
            continue;
        }
        let head = buf.split_to(len).freeze();
        // The spare is a recycled request map (see `H1Conn::recycle`): on HTTP/1.1 the maps
        // go round and keep what they once grew to; on HTTP/2 the spare is the request's
        // map, decoded fresh by h2, and the response's map leaves with the response. So
        // reserve what this response needs, not a fixed large map: growing a fresh map to
        // 24 fields cost ~1k instructions per HTTP/2 request.
        let mut headers = std::mem::take(spare);
        headers.reserve(count + RESPONSE_HEADROOM);
        let mut seen = Seen::default();
        for &(n0, n1, v0, v1) in &spans[..count] {
            let name = HeaderName::from_bytes(&head[n0 as usize..n1 as usize])
                .map_err(|_| "malformed response head: header name".to_string())?;
            let value = HeaderValue::from_maybe_shared(head.slice(v0 as usize..v1 as usize))
                .map_err(|_| "malformed response head: header value".to_string())?;
            seen.note(&name);
            headers.append(name, value);
        }
        let framing = framing(&headers, seen, status, version, head_request)?;
        let keep_alive = framing != Framing::Close && keep_alive(&headers, seen, version);
        return Ok(Some(Head {
            status,
            version,
            headers,
            framing,
            keep_alive,
        }));
    }
}

/// Which of the fields that frame a response or end its connection the head has, noted
/// while the map is filled: the framing then looks up only those that are there.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    transfer_encoding: bool,
    content_length: bool,
    connection: bool,
}

impl Seen {
    fn note(&mut self, name: &HeaderName) {
        if *name == TRANSFER_ENCODING {
            self.transfer_encoding = true;
        } else if *name == CONTENT_LENGTH {
            self.content_length = true;
        } else if *name == CONNECTION {
            self.connection = true;
        }
    }
}

/// The body's framing, as hyper's client decides it.
fn framing(
    headers: &HeaderMap,
    seen: Seen,
    status: StatusCode,
    version: Version,
    head_request: bool,
) -> Result<Framing, String> {
    if head_request || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return Ok(Framing::Empty);
    }
    if seen.transfer_encoding {
        if version == Version::HTTP_10 {
            return Err("malformed response head: HTTP/1.0 with Transfer-Encoding".into());
        }
        let last = headers.get_all(TRANSFER_ENCODING).iter().next_back();
        let chunked = last.is_some_and(|v| tokens::last_is(v.as_bytes(), b"chunked"));
        return Ok(if chunked {
            Framing::Chunked
        } else {
            Framing::Close
        });
    }
    if !seen.content_length {
        return Ok(Framing::Close);
    }
    match content_length(headers) {
        Some(0) => Ok(Framing::Empty),
        Some(n) => Ok(Framing::Length(n)),
        None => Err("malformed response head: invalid Content-Length".into()),
    }
}

/// The one length every `Content-Length` value (comma lists included) agrees on.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    let mut len = None;
    for value in headers.get_all(CONTENT_LENGTH) {
        for part in value.as_bytes().split(|&b| b == b',') {
            let digits = part.trim_ascii();
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let n: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
            if len.is_some_and(|l| l != n) {
                return None;
            }
            len = Some(n);
        }
    }
    len
}

/// HTTP/1.1 keeps the connection unless told `close`; HTTP/1.0 only when told `keep-alive`.
fn keep_alive(headers: &HeaderMap, seen: Seen, version: Version) -> bool {
    if !seen.connection {
        return version == Version::HTTP_11;
    }
    let has = |token: &[u8]| {
        headers
            .get_all(CONNECTION)
            .iter()
            .any(|v| tokens::lists(v.as_bytes(), token))
    };
    if version == Version::HTTP_11 {
        !has(b"close")
    } else {
        has(b"keep-alive")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str, head: bool) -> Result<Option<Head>, String> {
        parse_response(&mut BytesMut::from(raw), head, &mut HeaderMap::new())
    }

    #[test]
    fn framing_follows_hypers_client_rules() {
        let f = |raw: &str| parse(raw, false).map(|h| h.map(|h| h.framing));
        assert_eq!(
            f("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"),
            Ok(Some(Framing::Length(5)))
        );
        assert_eq!(
            f("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\ncontent-length: 5\r\n\r\n"),
            Ok(Some(Framing::Length(5)))
        );
        assert!(f("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\n").is_err());
        assert!(f("HTTP/1.1 200 OK\r\ncontent-length: +5\r\n\r\n").is_err());
        // Transfer-Encoding wins over Content-Length; chunked only when last.
        assert_eq!(
            f("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: gzip, chunked\r\n\r\n"),
            Ok(Some(Framing::Chunked))
        );
        assert_eq!(
            f("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\n\r\n"),
            Ok(Some(Framing::Close))
        );
        assert!(f("HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").is_err());
        assert_eq!(f("HTTP/1.1 200 OK\r\n\r\n"), Ok(Some(Framing::Close)));
        assert_eq!(
            f("HTTP/1.1 204 No Content\r\ncontent-length: 9\r\n\r\n"),
            Ok(Some(Framing::Empty))
        );
        assert_eq!(f("HTTP/1.1 200 OK\r\ncontent-length: 9\r\n"), Ok(None));
        let head = parse("HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n", true).expect("valid");
        assert_eq!(head.expect("valid").framing, Framing::Empty);
    }

    #[test]
    fn informational_responses_are_skipped_and_unasked_upgrades_refused() {
        let mut buf = BytesMut::from(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nx: 1\r\ncontent-length: 2\r\n\r\nhi",
        );
        let head = parse_response(&mut buf, false, &mut HeaderMap::new())
            .expect("parses")
            .expect("complete");
        assert_eq!(head.status, StatusCode::OK);
        assert_eq!(head.headers["x"], "1");
        assert!(!head.headers.contains_key("link"));
        assert_eq!(&buf[..], b"hi");
        assert!(
            parse(
                "HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\n",
                false
            )
            .is_err()
        );
    }

    #[test]
    fn keep_alive_by_version_and_connection() {
        let ka = |raw: &str| {
            parse(raw, false)
                .expect("parses")
                .expect("complete")
                .keep_alive
        };
        assert!(ka("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
        assert!(!ka(
            "HTTP/1.1 200 OK\r\nconnection: keep-alive, Close\r\ncontent-length: 0\r\n\r\n"
        ));
        assert!(!ka("HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n"));
        assert!(ka(
            "HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n"
        ));
        assert!(
            !ka("HTTP/1.1 200 OK\r\n\r\n"),
            "a close-delimited body ends the connection"
        );
    }

    #[test]
    fn request_head_is_written_as_hyper_writes_it() {
        let mut req = Request::new(crate::Body::Empty);
        *req.uri_mut() = "/a?b=1".parse().expect("valid");
        req.headers_mut()
            .insert("host", HeaderValue::from_static("x"));
        req.headers_mut()
            .append("x-y", HeaderValue::from_static("1"));
        req.headers_mut()
            .append("x-y", HeaderValue::from_static("2"));
        req.headers_mut()
            .insert(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        let mut out = Vec::new();
        write_request(&mut out, &req, None);
        assert_eq!(
            out,
            b"GET /a?b=1 HTTP/1.1\r\nhost: x\r\nx-y: 1\r\nx-y: 2\r\n\r\n"
        );
    }
}
