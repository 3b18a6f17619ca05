//! The response head on the fast path, written as hyper's HTTP/1.1 server writes it
//! (`proto/h1/role.rs`, `Server::encode`), so a client cannot tell the two paths apart:
//! lower-case field names in the handler's order, the canonical reason phrase, the length
//! from `Content-Length` or the body, `Transfer-Encoding: chunked` for a body of unknown
//! length, no body after HEAD, 204 and 304, a cached `Date`, and `Connection: close` when
//! the connection ends after this response.

use http::header::{CONNECTION, CONTENT_LENGTH, DATE, TRAILER, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderValue, StatusCode};

use super::parse::has_token;
use crate::entrypoint::date;

/// What the body's `size_hint` and `is_end_stream` say (hyper's `BodyLength`, `None` for
/// a body that is already complete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyLen {
    None,
    Known(u64),
    Unknown,
}

/// How the body follows the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// Exactly this many bytes (0: no body is written; the handler's body is dropped).
    Length(u64),
    Chunked,
}

/// A head hyper would refuse to write: the connection closes (hyper's user errors).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refused {
    /// A 1xx status as a final response: hyper answers 500 instead.
    Informational,
    /// `Content-Length` with `Transfer-Encoding`, or lengths that disagree or do not parse.
    Length,
}

/// Writes the head of a response to a request that is not HEAD (`head_req` false) or is,
/// on a connection the client keeps alive or not. Returns the framing and whether the
/// connection closes after this response. On `Err` nothing was added to `out`.
pub(super) fn encode(
    status: StatusCode,
    headers: &mut HeaderMap,
    head_req: bool,
    body: BodyLen,
    keep_alive: bool,
    out: &mut Vec<u8>,
) -> Result<(Framing, bool), Refused> {
    if status.is_informational() {
        return Err(Refused::Informational);
    }
    let orig_len = out.len();
    let mut last = !keep_alive;
    if last {
        // hyper's `enforce_version`: the client is told the connection ends.
        let said = headers
            .get_all(CONNECTION)
            .iter()
            .any(|v| has_token(v.as_bytes(), b"close"));
        if !said {
            headers.append(CONNECTION, HeaderValue::from_static("close"));
        }
    }
    out.reserve(30 + headers.len() * 32);
    if status == StatusCode::OK {
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    } else {
        out.extend_from_slice(b"HTTP/1.1 ");
        out.extend_from_slice(status.as_str().as_bytes());
        out.push(b' ');
        match status.canonical_reason() {
            Some(reason) => out.extend_from_slice(reason.as_bytes()),
            // Go's server (and so Traefik) for a code without a text; hyper wrote `<none>`.
            None => {
                out.extend_from_slice(b"status code ");
                out.extend_from_slice(status.as_str().as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    let chunkable = can_chunk(head_req, status);
    let mut framing = Framing::Length(0);
    let mut wrote_len = false;
    let mut wrote_date = false;
    let mut prev_len = None;
    // The name whose values are being joined on one line (`Transfer-Encoding`,
    // `Connection`, `Trailer`, or the one `Content-Length` line), and whether `chunked`
    // must be added to it.
    let mut open_line = false;
    let mut add_chunked = false;
    let mut current = None;
    for (name, value) in headers.drain() {
        if let Some(n) = name {
            if open_line {
                end_line(out, add_chunked);
            }
            open_line = false;
            add_chunked = false;
            current = Some(n);
        }
        let Some(name) = current.as_ref() else {
            continue;
        };
        if *name == CONTENT_LENGTH {
            if wrote_len && !open_line {
                out.truncate(orig_len);
                return Err(Refused::Length);
            }
            match body {
                BodyLen::Known(n) => {
                    if !open_line {
                        framing = Framing::Length(n);
                        start_line(out, b"content-length: ", &value);
                        wrote_len = true;
                        open_line = true;
                    }
                    continue;
                }
                BodyLen::Unknown => {
                    let Some(n) = parse_length(value.as_bytes()) else {
                        out.truncate(orig_len);
                        return Err(Refused::Length);
                    };
                    match prev_len {
                        Some(p) if p != n => {
                            out.truncate(orig_len);
                            return Err(Refused::Length);
                        }
                        Some(_) => {}
                        None => {
                            framing = Framing::Length(n);
                            start_line(out, b"content-length: ", &value);
                            wrote_len = true;
                            open_line = true;
                            prev_len = Some(n);
                        }
                    }
                    continue;
                }
                // No body: the header stands only in a response to HEAD.
                BodyLen::None if !head_req => continue,
                BodyLen::None => wrote_len = true,
            }
        } else if *name == TRANSFER_ENCODING {
            if wrote_len && !open_line {
                out.truncate(orig_len);
                return Err(Refused::Length);
            }
            if !chunkable {
                continue;
            }
            wrote_len = true;
            add_chunked = !is_chunked(value.as_bytes());
            framing = Framing::Chunked;
            join_or_start(out, &mut open_line, b"transfer-encoding: ", &value);
            continue;
        } else if *name == CONNECTION {
            last |= has_token(value.as_bytes(), b"close");
            join_or_start(out, &mut open_line, b"connection: ", &value);
            continue;
        } else if *name == TRAILER {
            if chunkable {
                join_or_start(out, &mut open_line, b"trailer: ", &value);
            }
            continue;
        } else if *name == DATE {
            wrote_date = true;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if open_line {
        end_line(out, add_chunked);
    }
    if !wrote_len {
        framing = match body {
            BodyLen::Unknown if chunkable => {
                out.extend_from_slice(b"transfer-encoding: chunked\r\n");
                Framing::Chunked
            }
            // HTTP/1.1 and no body allowed: nothing is written either way.
            BodyLen::Unknown => Framing::Length(0),
            BodyLen::None | BodyLen::Known(0) => {
                if has_length(status) && !head_req {
                    out.extend_from_slice(b"content-length: 0\r\n");
                }
                Framing::Length(0)
            }
            BodyLen::Known(n) => {
                if has_length(status) {
                    out.extend_from_slice(b"content-length: ");
                    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
                    out.extend_from_slice(b"\r\n");
                    Framing::Length(n)
                } else {
                    Framing::Length(0)
                }
            }
        };
    }
    if !chunkable {
        framing = Framing::Length(0);
    }
    if !wrote_date {
        out.extend_from_slice(b"date: ");
        date::extend(out);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Ok((framing, last))
}

/// hyper's `can_chunked` (and `can_have_body`) for a response to a request other than
/// CONNECT, which this path does not serve.
fn can_chunk(head_req: bool, status: StatusCode) -> bool {
    !head_req && !matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
}

/// hyper's `can_have_content_length` (1xx never gets here).
fn has_length(status: StatusCode) -> bool {
    !matches!(status, StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED)
}

fn start_line(out: &mut Vec<u8>, name_colon: &[u8], value: &HeaderValue) {
    out.extend_from_slice(name_colon);
    out.extend_from_slice(value.as_bytes());
}

/// A value joined to the open line of its name (`, value`), or the line's start.
fn join_or_start(out: &mut Vec<u8>, open_line: &mut bool, name_colon: &[u8], value: &HeaderValue) {
    if *open_line {
        out.extend_from_slice(b", ");
        out.extend_from_slice(value.as_bytes());
    } else {
        start_line(out, name_colon, value);
        *open_line = true;
    }
}

fn end_line(out: &mut Vec<u8>, add_chunked: bool) {
    if add_chunked {
        out.extend_from_slice(b", chunked\r\n");
    } else {
        out.extend_from_slice(b"\r\n");
    }
}

/// hyper's `is_chunked_`: `chunked` is the last coding.
fn is_chunked(value: &[u8]) -> bool {
    super::parse::is_text(value) && crate::tokens::last_is(value, b"chunked")
}

/// hyper's `content_length_parse`: one value, digits only.
fn parse_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
            .flatten()
    })
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;
