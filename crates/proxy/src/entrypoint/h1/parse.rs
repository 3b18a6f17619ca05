//! The request head on the fast path: parsed with `httparse` and hyper's server settings
//! (the same parser, the same limits: 100 header lines, a 65,534-byte request target), into
//! the same `http::Request` hyper would build, header values sharing the read buffer.
//!
//! Only requests that can have no body and ask for nothing special are served here: an
//! HTTP/1.1 head without `Content-Length`, `Transfer-Encoding`, `Expect`, `Upgrade` or `TE`
//! and not `CONNECT`. Everything else — and every head hyper would answer with an error —
//! is [`Head::Decline`]d, and hyper serves the connection from that request on, so every
//! framing rule (and every request-smuggling rejection) stays hyper's.

use std::mem::MaybeUninit;
use std::ops::Range;

use bytes::{Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, EXPECT, HOST, TE, TRANSFER_ENCODING, UPGRADE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri, Version};

use crate::body::{Inbound, Noted};
use crate::hygiene::{MAX_HEADER_LINE, valid_host};

/// hyper's `DEFAULT_MAX_HEADERS`: more header lines is an error (431) there.
const MAX_HEADERS: usize = 100;

/// hyper's `MAX_URI_LEN`: a longer request target is answered 414 there.
const MAX_URI_LEN: usize = (u16::MAX - 1) as usize;

/// What the buffered bytes hold.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // returned once and moved on: a box would allocate per request
pub(super) enum Head {
    /// Not a whole head yet.
    Partial,
    /// A head this path does not serve: hyper takes the connection (`bytes` were consumed
    /// from the buffer and go first).
    Decline(Bytes),
    Request(Parsed),
}

/// A request the fast path serves.
#[derive(Debug)]
pub(super) struct Parsed {
    pub(super) req: Request<Inbound>,
    /// The client allows another request on this connection (no `Connection: close`).
    pub(super) keep_alive: bool,
}

/// Per-connection scratch space, kept between requests.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// Header names and where their values are in the head.
    fields: Vec<(HeaderName, Range<usize>)>,
    /// The last response's emptied header map: the next request's (as hyper does).
    pub(super) headers: HeaderMap,
}

/// Parses the head at the start of `buf`; a complete head is split off it.
pub(super) fn parse(buf: &mut BytesMut, scratch: &mut Scratch) -> Head {
    let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut []);
    let base = buf.as_ptr() as usize;
    let (len, method, target) = match httparse::ParserConfig::default()
        .parse_request_with_uninit_headers(&mut req, &buf[..], &mut slots)
    {
        Ok(httparse::Status::Partial) => return Head::Partial,
        Ok(httparse::Status::Complete(len)) => {
            let (Some(m), Some(path), Some(1)) = (req.method, req.path, req.version) else {
                return decline(buf, buf.len());
            };
            let Ok(method) = Method::from_bytes(m.as_bytes()) else {
                return decline(buf, len);
            };
            let start = path.as_ptr() as usize - base;
            (len, method, start..start + path.len())
        }
        Err(_) => return decline(buf, buf.len()),
    };
    if method == Method::CONNECT || target.len() > MAX_URI_LEN {
        return decline(buf, len);
    }
    scratch.fields.clear();
    let mut keep_alive = true;
    let mut noted = Noted::default();
    let (mut hosts, mut host_ok) = (0u32, false);
    for h in req.headers.iter() {
        let Ok(name) = HeaderName::from_bytes(h.name.as_bytes()) else {
            return decline(buf, len);
        };
        if name == CONTENT_LENGTH
            || name == TRANSFER_ENCODING
            || name == EXPECT
            || name == UPGRADE
            || name == TE
        {
            return decline(buf, len);
        }
        if name == CONNECTION && has_token(h.value, b"close") {
            keep_alive = false;
        }
        noted.note(&name);
        if name == HOST {
            hosts += 1;
            host_ok = valid_host(h.value);
        }
        if h.name.len() + h.value.len() + 2 > MAX_HEADER_LINE || h.name.as_bytes().contains(&b'_') {
            noted.set(Noted::UNUSUAL);
        }
        let start = h.value.as_ptr() as usize - base;
        scratch.fields.push((name, start..start + h.value.len()));
    }
    if hosts == 1 && host_ok {
        noted.set(Noted::HOST);
    }
    let head = buf.split_to(len).freeze();
    let Ok(uri) = Uri::from_maybe_shared(head.slice(target)) else {
        return Head::Decline(head);
    };
    let mut headers = std::mem::take(&mut scratch.headers);
    headers.reserve(scratch.fields.len());
    for (name, value) in scratch.fields.drain(..) {
        // httparse admitted only HTAB, visible ASCII and obs-text, which is what
        // HeaderValue allows: the check cannot fail.
        let Ok(value) = HeaderValue::from_maybe_shared(head.slice(value)) else {
            headers.clear();
            scratch.headers = headers;
            return Head::Decline(head);
        };
        headers.append(name, value);
    }
    let mut req = Request::new(Inbound::Fast(noted));
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    *req.version_mut() = Version::HTTP_11;
    *req.headers_mut() = headers;
    Head::Request(Parsed { req, keep_alive })
}

/// Hands the first `len` bytes of `buf` (the head, or all of it) to hyper.
fn decline(buf: &mut BytesMut, len: usize) -> Head {
    Head::Decline(buf.split_to(len).freeze())
}

/// Whether a comma-separated header value lists `token` (case-insensitively), as hyper's
/// `connection_close` reads `Connection` (a value that is not text lists nothing).
pub(super) fn has_token(value: &[u8], token: &[u8]) -> bool {
    is_text(value) && crate::tokens::lists(value, token)
}

/// `HeaderValue::to_str` would accept it: HTAB and visible ASCII only.
pub(super) fn is_text(value: &[u8]) -> bool {
    value.iter().all(|&b| b == b'\t' || (32..127).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> (Head, BytesMut) {
        let mut buf = BytesMut::from(s.as_bytes());
        let head = parse(&mut buf, &mut Scratch::default());
        (head, buf)
    }

    #[test]
    fn a_simple_get_is_served_and_pipelined_bytes_stay() {
        let (head, rest) =
            parse_str("GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-One: 1\r\nx-one: 2\r\n\r\nGET /next");
        let Head::Request(p) = head else {
            panic!("{head:?}")
        };
        assert!(p.keep_alive);
        assert_eq!(p.req.method(), Method::GET);
        assert_eq!(p.req.uri(), "/a?b=c");
        assert_eq!(p.req.version(), Version::HTTP_11);
        let all: Vec<_> = p.req.headers().get_all("x-one").iter().collect();
        assert_eq!(all, ["1", "2"]);
        assert_eq!(&rest[..], b"GET /next");
    }

    #[test]
    fn connection_close_ends_keep_alive() {
        let (head, _) = parse_str("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n");
        assert!(matches!(head, Head::Request(p) if !p.keep_alive));
    }

    #[test]
    fn noted_fields_are_the_fields_the_map_has() {
        use http::header::{ACCEPT, CONNECTION, CONTENT_TYPE};
        for s in [
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
            "GET / HTTP/1.1\r\nconnection: keep-alive\r\nCONTENT-TYPE: a/b\r\n\r\n",
            "DELETE / HTTP/1.1\r\nAccept: a\r\nAccept: b\r\nContent-Type: c\r\nX: y\r\n\r\n",
        ] {
            let Head::Request(p) = parse_str(s).0 else {
                panic!("{s:?} was not served")
            };
            let noted = p.req.body().noted().expect("the fast path notes");
            let h = p.req.headers();
            for (field, name) in [
                (Noted::CONNECTION, CONNECTION),
                (Noted::ACCEPT, ACCEPT),
                (Noted::CONTENT_TYPE, CONTENT_TYPE),
            ] {
                assert_eq!(noted.has(field), h.contains_key(&name), "{s:?}: {name}");
            }
        }
    }

    #[test]
    fn host_and_unusual_are_noted_as_the_general_checks_see_them() {
        use crate::hygiene::{Underscores, check_headers, settle_authority};
        let long = format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Long: {}\r\n\r\n",
            "a".repeat(MAX_HEADER_LINE)
        );
        for s in [
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a.b:8080\r\nX_Y: 1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: \r\n\r\n",
            "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
            "GET http://y/ HTTP/1.1\r\nHost: x\r\n\r\n",
            long.as_str(),
        ] {
            let Head::Request(p) = parse_str(s).0 else {
                panic!("{s:?} was not served")
            };
            let noted = p.req.body().noted().expect("the fast path notes");
            let (mut parts, _) = p.req.into_parts();
            let mut checked = parts.headers.clone();
            let changes = check_headers(&mut checked, Underscores::Delete).is_err()
                || checked.len() != parts.headers.len();
            assert_eq!(noted.has(Noted::UNUSUAL), changes, "{s:?}");
            if noted.has(Noted::HOST) {
                let settled = settle_authority(parts.version, &parts.uri, &mut parts.headers);
                assert_eq!(
                    settled.ok().flatten().as_ref(),
                    parts.headers.get(HOST),
                    "{s:?}"
                );
            } else {
                let settled = settle_authority(parts.version, &parts.uri, &mut parts.headers);
                assert!(settled.is_err() || parts.uri.authority().is_some(), "{s:?}");
            }
        }
    }

    #[test]
    fn partial_heads_wait() {
        for s in ["", "GET", "GET / HTTP/1.1\r\nHost: x\r\n"] {
            assert!(matches!(parse_str(s).0, Head::Partial), "{s:?}");
        }
    }

    #[test]
    fn everything_else_goes_to_hyper_untouched() {
        for s in [
            "POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx",
            "GET / HTTP/1.1\r\ncontent-length: 0\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
            "GET / HTTP/1.1\r\nTE: trailers\r\n\r\n",
            "GET / HTTP/1.0\r\n\r\n",
            "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n",
            "G\x01T / HTTP/1.1\r\n\r\n",
            "GET /\x7f HTTP/1.1\r\n\r\n",
        ] {
            let (head, rest) = parse_str(s);
            let Head::Decline(bytes) = head else {
                panic!("{s:?} was served: {head:?}")
            };
            // Nothing is lost: what hyper gets and what stays make the original bytes.
            let mut whole = bytes.to_vec();
            whole.extend_from_slice(&rest);
            assert_eq!(whole, s.as_bytes(), "{s:?}");
        }
    }

    #[test]
    fn too_many_header_lines_go_to_hyper() {
        let mut s = String::from("GET / HTTP/1.1\r\n");
        for i in 0..=MAX_HEADERS {
            s.push_str(&format!("x-{i}: v\r\n"));
        }
        s.push_str("\r\n");
        assert!(matches!(parse_str(&s).0, Head::Decline(_)));
    }
}
