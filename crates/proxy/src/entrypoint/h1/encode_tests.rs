//! The fast path's response heads, against what hyper's server writes for the same
//! response (`role.rs`'s rules, case by case).

use http::{HeaderMap, StatusCode};

use super::{BodyLen, Framing, Refused, encode};

/// Encodes and returns the head with the date's value as `D`.
fn head(
    status: u16,
    fields: &[(&str, &str)],
    head_req: bool,
    body: BodyLen,
    keep_alive: bool,
) -> Result<(String, Framing, bool), Refused> {
    let mut headers = HeaderMap::new();
    for (n, v) in fields {
        headers.append(
            http::HeaderName::from_bytes(n.as_bytes()).expect("test value"),
            v.parse().expect("test value"),
        );
    }
    let mut out = b"kept".to_vec();
    let status = StatusCode::from_u16(status).expect("test value");
    let r = encode(status, &mut headers, head_req, body, keep_alive, &mut out);
    let text = String::from_utf8(out).expect("test value");
    let (framing, last) = match r {
        Ok(x) => x,
        Err(e) => {
            assert_eq!(text, "kept", "a refused head leaves nothing behind");
            return Err(e);
        }
    };
    let text = text.strip_prefix("kept").expect("test value");
    let text = match text.find("date: ") {
        Some(i) if fields.iter().all(|(n, _)| !n.eq_ignore_ascii_case("date")) => {
            format!("{}date: D{}", &text[..i], &text[i + 6 + 29..])
        }
        _ => text.to_string(),
    };
    Ok((text, framing, last))
}

#[test]
fn a_known_length_is_written_after_the_fields() {
    let (h, f, last) = head(
        200,
        &[("Content-Type", "text/plain")],
        false,
        BodyLen::Known(5),
        true,
    )
    .expect("test value");
    assert_eq!(
        h,
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\ndate: D\r\n\r\n"
    );
    assert_eq!((f, last), (Framing::Length(5), false));
}

#[test]
fn the_handlers_content_length_is_trusted_and_kept_in_place() {
    let (h, f, _) = head(
        404,
        &[("content-length", "9"), ("x-a", "1")],
        false,
        BodyLen::Known(9),
        true,
    )
    .expect("test value");
    assert_eq!(
        h,
        "HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nx-a: 1\r\ndate: D\r\n\r\n"
    );
    assert_eq!(f, Framing::Length(9));
}

#[test]
fn an_unknown_length_is_chunked_unless_a_length_is_given() {
    let (h, f, _) = head(200, &[], false, BodyLen::Unknown, true).expect("test value");
    assert_eq!(
        h,
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ndate: D\r\n\r\n"
    );
    assert_eq!(f, Framing::Chunked);
    let (h, f, _) = head(
        200,
        &[("content-length", "3")],
        false,
        BodyLen::Unknown,
        true,
    )
    .expect("test value");
    assert_eq!(h, "HTTP/1.1 200 OK\r\ncontent-length: 3\r\ndate: D\r\n\r\n");
    assert_eq!(f, Framing::Length(3));
    let (h, f, _) = head(
        200,
        &[("transfer-encoding", "gzip")],
        false,
        BodyLen::Unknown,
        true,
    )
    .expect("test value");
    assert_eq!(
        h,
        "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\ndate: D\r\n\r\n"
    );
    assert_eq!(f, Framing::Chunked);
}

#[test]
fn an_empty_body_gets_a_zero_length_but_not_after_head_204_or_304() {
    let (h, f, _) =
        head(200, &[("content-length", "7")], false, BodyLen::None, true).expect("test value");
    assert_eq!(h, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\ndate: D\r\n\r\n");
    assert_eq!(f, Framing::Length(0));
    // HEAD: the length the GET would have is kept; nothing follows.
    let (h, f, _) =
        head(200, &[("content-length", "7")], true, BodyLen::None, true).expect("test value");
    assert_eq!(h, "HTTP/1.1 200 OK\r\ncontent-length: 7\r\ndate: D\r\n\r\n");
    assert_eq!(f, Framing::Length(0));
    let (h, _, _) = head(200, &[], true, BodyLen::None, true).expect("test value");
    assert_eq!(h, "HTTP/1.1 200 OK\r\ndate: D\r\n\r\n");
    let (h, f, _) = head(204, &[], false, BodyLen::Unknown, true).expect("test value");
    assert_eq!(h, "HTTP/1.1 204 No Content\r\ndate: D\r\n\r\n");
    assert_eq!(f, Framing::Length(0));
    let (h, f, _) = head(304, &[], false, BodyLen::Known(5), true).expect("test value");
    assert_eq!(h, "HTTP/1.1 304 Not Modified\r\ndate: D\r\n\r\n");
    assert_eq!(f, Framing::Length(0));
    let (_, f, _) = head(200, &[], true, BodyLen::Known(5), true).expect("test value");
    assert_eq!(f, Framing::Length(0));
}

#[test]
fn closing_is_said_and_heard() {
    let (h, _, last) = head(200, &[], false, BodyLen::None, false).expect("test value");
    assert_eq!(
        h,
        "HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\ndate: D\r\n\r\n"
    );
    assert!(last);
    let (h, _, last) =
        head(200, &[("connection", "Close")], false, BodyLen::None, true).expect("test value");
    assert_eq!(
        h,
        "HTTP/1.1 200 OK\r\nconnection: Close\r\ncontent-length: 0\r\ndate: D\r\n\r\n"
    );
    assert!(last);
    let (h, _, last) = head(
        200,
        &[("connection", "keep-alive")],
        false,
        BodyLen::None,
        false,
    )
    .expect("test value");
    assert_eq!(
        h,
        "HTTP/1.1 200 OK\r\nconnection: keep-alive, close\r\ncontent-length: 0\r\ndate: D\r\n\r\n"
    );
    assert!(last);
}

#[test]
fn reasons_are_canonical_and_dates_are_not_doubled() {
    let (h, _, _) = head(599, &[("date", "x")], false, BodyLen::None, true).expect("test value");
    assert_eq!(
        h,
        "HTTP/1.1 599 status code 599\r\ndate: x\r\ncontent-length: 0\r\n\r\n"
    );
}

#[test]
fn heads_hyper_refuses_are_refused() {
    for fields in [
        &[("content-length", "3"), ("transfer-encoding", "chunked")][..],
        &[("transfer-encoding", "chunked"), ("content-length", "3")][..],
        &[("content-length", "3"), ("content-length", "4")][..],
        &[("content-length", "+3")][..],
    ] {
        let r = head(200, fields, false, BodyLen::Unknown, true);
        assert_eq!(r.expect_err("refused"), Refused::Length, "{fields:?}");
    }
    assert_eq!(
        head(103, &[], false, BodyLen::None, true).expect_err("refused"),
        Refused::Informational
    );
}
