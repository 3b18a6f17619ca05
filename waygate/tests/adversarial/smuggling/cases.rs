//! The smuggling rows: a representative set of the external audit's 47 cases, grouped by
//! what they play with. Every request that is not meant to reach the backend on its own is
//! `GET /smuggled`.

use super::{Case, Want};

/// The request a smuggling attempt tries to slip past the gateway.
const SMUGGLED: &str = "GET /smuggled HTTP/1.1\r\nHost: t.test\r\n\r\n";

fn case(name: &'static str, bytes: impl Into<Vec<u8>>, want: Want) -> Case {
    Case {
        name,
        bytes: bytes.into(),
        want,
    }
}

/// `POST /a` with `headers` (each ending in CRLF) and `body`.
fn post(headers: &str, body: &str) -> String {
    format!("POST /a HTTP/1.1\r\nHost: t.test\r\n{headers}\r\n{body}")
}

/// One chunk holding `data`.
fn chunk(data: &str) -> String {
    format!("{:x}\r\n{data}\r\n", data.len())
}

/// CL.TE: a `Content-Length` covering an empty chunked body and a request, next to
/// `te_line` (a `Transfer-Encoding` spelling). Whoever honours the length sees one request;
/// whoever honours the coding sees two.
fn cl_te(te_line: &str) -> String {
    let body = format!("0\r\n\r\n{SMUGGLED}");
    post(
        &format!("Content-Length: {}\r\n{te_line}\r\n", body.len()),
        &body,
    )
}

/// [`cl_te`] on HTTP/1.0.
fn cl_te_10(te_line: &str) -> String {
    cl_te(te_line).replacen("HTTP/1.1", "HTTP/1.0", 1)
}

/// A `Content-Length: value` whose intended body is a request.
fn cl_value(value: &str) -> String {
    post(&format!("Content-Length: {value}\r\n"), SMUGGLED)
}

pub(crate) fn length_and_coding() -> Vec<Case> {
    use Want::*;
    let n = SMUGGLED.len();
    let body = format!("0\r\n\r\n{SMUGGLED}");
    vec![
        case("CL then TE", cl_te("Transfer-Encoding: chunked"), First),
        case(
            "TE then CL",
            post(
                &format!(
                    "Transfer-Encoding: chunked\r\nContent-Length: {}\r\n",
                    body.len()
                ),
                &body,
            ),
            First,
        ),
        case(
            "TE.CL: CL 4, the chunk holds a request",
            post(
                "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                &format!("{}0\r\n\r\n", chunk(SMUGGLED)),
            ),
            First,
        ),
        case(
            "CL 0 and CL n",
            post(
                &format!("Content-Length: 0\r\nContent-Length: {n}\r\n"),
                SMUGGLED,
            ),
            Refused,
        ),
        case(
            "CL n and CL 0",
            post(
                &format!("Content-Length: {n}\r\nContent-Length: 0\r\n"),
                SMUGGLED,
            ),
            Refused,
        ),
        case(
            "CL twice, same value",
            post(
                &format!("Content-Length: {n}\r\nContent-Length: {n}\r\n"),
                SMUGGLED,
            ),
            First,
        ),
        case("CL list `n, n`", cl_value(&format!("{n}, {n}")), Refused),
        case("CL +n", cl_value(&format!("+{n}")), Refused),
        case("CL -1", cl_value("-1"), Refused),
        case(
            "CL with leading spaces",
            cl_value(&format!("    {n}")),
            First,
        ),
        case("CL hex", cl_value(&format!("0x{n:x}")), Refused),
        case("CL empty", cl_value(""), Refused),
        case(
            "CL 2^64 + n",
            cl_value(&format!("1844674407370955{}", 1616 + n)),
            Refused,
        ),
        case(
            "CL with a space before the colon",
            post(&format!("Content-Length : {n}\r\n"), SMUGGLED),
            Refused,
        ),
        case(
            "TE `  chunked`",
            cl_te("Transfer-Encoding:   chunked"),
            First,
        ),
        case("TE `chunked `", cl_te("Transfer-Encoding: chunked "), First),
        case("TE `Chunked`", cl_te("Transfer-Encoding: Chunked"), First),
        case(
            "TE `xchunked`",
            cl_te("Transfer-Encoding: xchunked"),
            Refused,
        ),
        case(
            "TE `chunked\\x0b`",
            cl_te("Transfer-Encoding: chunked\x0b"),
            Refused,
        ),
        case(
            "TE `\\x0cchunked`",
            cl_te("Transfer-Encoding: \x0cchunked"),
            Refused,
        ),
        case(
            "TE name with a space before the colon",
            cl_te("Transfer-Encoding : chunked"),
            Refused,
        ),
        case(
            "TE value on an obs-fold line",
            cl_te("Transfer-Encoding:\r\n chunked"),
            Refused,
        ),
        case(
            "TE header folded into the previous one",
            cl_te("X-A: a\r\n Transfer-Encoding: chunked"),
            Refused,
        ),
        case(
            "TE `chunked, identity`",
            cl_te("Transfer-Encoding: chunked, identity"),
            Refused,
        ),
        case(
            "TE `identity, chunked`",
            cl_te("Transfer-Encoding: identity, chunked"),
            Refused,
        ),
        case(
            "TE chunked then TE identity",
            cl_te("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity"),
            Refused,
        ),
        case(
            "TE `\"chunked\"`",
            cl_te("Transfer-Encoding: \"chunked\""),
            Refused,
        ),
        // The underscore spelling of a framing header is dropped even under
        // underscoreHeadersStrategy `keep` (framing::underscore_framing_headers_are_dropped).
        case(
            "Transfer_Encoding (underscore)",
            cl_te("Transfer_Encoding: chunked"),
            First,
        ),
        case(
            "TE on HTTP/1.0",
            cl_te_10("Transfer-Encoding: chunked"),
            Refused,
        ),
        case(
            "TE on HTTP/1.0 without CL",
            format!(
                "POST /a HTTP/1.0\r\nHost: t.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{SMUGGLED}"
            ),
            Refused,
        ),
    ]
}

pub(crate) fn lines_and_chunks() -> Vec<Case> {
    use Want::*;
    let n = SMUGGLED.len();
    let chunked = |body: &str| post("Transfer-Encoding: chunked\r\n", body);
    vec![
        case(
            "bare LF line endings",
            "GET /lf HTTP/1.1\nHost: t.test\n\n",
            First,
        ),
        case(
            "bare LF, the CL body is a request",
            format!("POST /a HTTP/1.1\nHost: t.test\nContent-Length: {n}\n\n{SMUGGLED}"),
            First,
        ),
        case(
            "bare LF ends a header, TE follows, with CL",
            cl_te("X-A: a\nTransfer-Encoding: chunked"),
            First,
        ),
        case(
            "bare CR line endings",
            "GET /cr HTTP/1.1\rHost: t.test\r\r",
            Refused,
        ),
        case(
            "CR inside a value, TE after it",
            cl_te("X-A: a\rTransfer-Encoding: chunked"),
            Refused,
        ),
        case(
            "NUL inside a value",
            cl_te("X-A: a\0b\r\nTransfer-Encoding: chunked"),
            Refused,
        ),
        case(
            "NUL inside a name",
            cl_te("Transfer-Encoding\0: chunked"),
            Refused,
        ),
        case(
            "two spaces in the request line",
            "GET  /a HTTP/1.1\r\nHost: t.test\r\n\r\n",
            Refused,
        ),
        case(
            "tab in the request line",
            "GET\t/a HTTP/1.1\r\nHost: t.test\r\n\r\n",
            Refused,
        ),
        case(
            "no version",
            format!("GET /a\r\nHost: t.test\r\n\r\n{SMUGGLED}"),
            Refused,
        ),
        case(
            "HTTP/1.2",
            format!("GET /a HTTP/1.2\r\nHost: t.test\r\n\r\n{SMUGGLED}"),
            Refused,
        ),
        case(
            "absolute URI with another host",
            "GET http://other.test/a HTTP/1.1\r\nHost: t.test\r\n\r\n",
            First,
        ),
        case(
            "chunk lines end in bare LF",
            chunked(&format!("5\nhello\n0\n\n{SMUGGLED}")),
            Refused,
        ),
        case(
            "chunk size followed by spaces",
            chunked(&format!("5  \r\nhello\r\n0\r\n\r\n{SMUGGLED}")),
            Both,
        ),
        case(
            "chunk extension",
            chunked(&format!("5;ext=\"v\"\r\nhello\r\n0;x\r\n\r\n{SMUGGLED}")),
            Both,
        ),
        case(
            "chunk extension ends in bare LF",
            chunked(&format!("5;ext\nhello\r\n0\r\n\r\n{SMUGGLED}")),
            Refused,
        ),
        case(
            "last chunk without the empty line",
            chunked(&format!("0\r\n{SMUGGLED}")),
            Refused,
        ),
        case(
            "trailer section, then a request",
            chunked(&format!("0\r\nX-T: 1\r\n\r\n{SMUGGLED}")),
            Both,
        ),
    ]
}

pub(crate) fn pipelining() -> Vec<Case> {
    use Want::*;
    let n = SMUGGLED.len();
    vec![
        case(
            "no route, then a request",
            format!("GET /nowhere HTTP/1.1\r\nHost: t.test\r\n\r\n{SMUGGLED}"),
            RefusedThenNext,
        ),
        case(
            "pipelined after a CL body",
            format!("{}{SMUGGLED}", post("Content-Length: 5\r\n", "hello")),
            Both,
        ),
        case(
            "pipelined after a chunked body",
            format!(
                "{}{SMUGGLED}",
                post("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n")
            ),
            Both,
        ),
        case(
            "CL 0, then a request",
            format!("{}{SMUGGLED}", post("Content-Length: 0\r\n", "")),
            Both,
        ),
        case(
            "GET whose CL body is a request",
            format!("GET /a HTTP/1.1\r\nHost: t.test\r\nContent-Length: {n}\r\n\r\n{SMUGGLED}"),
            First,
        ),
        case(
            "Connection: close, then a request",
            format!("GET /a HTTP/1.1\r\nHost: t.test\r\nConnection: close\r\n\r\n{SMUGGLED}"),
            First,
        ),
        case(
            "HTTP/1.0, then a request",
            format!("GET /a HTTP/1.0\r\n\r\n{SMUGGLED}"),
            First,
        ),
        case(
            "HTTP/1.0 keep-alive, then a request",
            format!("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n{SMUGGLED}"),
            Both,
        ),
        case(
            "Expect 100-continue, body sent at once is a request",
            post(
                &format!("Expect: 100-continue\r\nContent-Length: {n}\r\n"),
                SMUGGLED,
            ),
            First,
        ),
        case(
            "Expect 100-continue, 404, body is a request",
            format!(
                "POST /nowhere HTTP/1.1\r\nHost: t.test\r\nExpect: 100-continue\r\nContent-Length: {n}\r\n\r\n{SMUGGLED}"
            ),
            Refused,
        ),
        case(
            "404 before the body, body is a request",
            format!(
                "POST /nowhere HTTP/1.1\r\nHost: t.test\r\nContent-Length: {n}\r\n\r\n{SMUGGLED}"
            ),
            Refused,
        ),
        case(
            "400 (bad Host) before the body, body is a request",
            format!("POST /a HTTP/1.1\r\nHost: t.test/x\r\nContent-Length: {n}\r\n\r\n{SMUGGLED}"),
            Refused,
        ),
        case(
            "Connection: Content-Length",
            post(
                &format!("Connection: Content-Length\r\nContent-Length: {n}\r\n"),
                SMUGGLED,
            ),
            First,
        ),
        case(
            "Connection: Transfer-Encoding",
            post(
                "Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n",
                &format!("{}0\r\n\r\n", chunk(SMUGGLED)),
            ),
            First,
        ),
        case(
            "Upgrade: websocket answered 200, then a request",
            format!(
                "GET /ws HTTP/1.1\r\nHost: t.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n{SMUGGLED}"
            ),
            Both,
        ),
        case(
            "Upgrade: h2c, then a request",
            format!(
                "GET /h2c HTTP/1.1\r\nHost: t.test\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n{SMUGGLED}"
            ),
            Both,
        ),
        case(
            "CONNECT (no route), then a request",
            format!("CONNECT t.test:80 HTTP/1.1\r\nHost: t.test:80\r\n\r\n{SMUGGLED}"),
            // 501 and the connection closes: what follows a CONNECT is never read.
            Refused,
        ),
    ]
}

pub(crate) fn connect() -> Vec<Case> {
    vec![case(
        "CONNECT (routed), then a request",
        format!("CONNECT connect.test:80 HTTP/1.1\r\nHost: connect.test:80\r\n\r\n{SMUGGLED}"),
        Want::Refused,
    )]
}
