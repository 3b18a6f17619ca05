//! Hop-by-hop fields (Go's `hopHeaders`, [`is_hop_by_hop`], also what the request side's
//! strip removes), and an upstream response made fit for the client as Go's reverse proxy
//! (and so Traefik) makes it: its hop-by-hop fields removed, those its `Connection` names
//! included (a chunked body's `Trailer` announcement is kept: Go announces the trailers
//! again), and a `Transfer-Encoding` other than one `chunked` refused, as Go's transport
//! refuses it ("unsupported transfer encoding": 502). The transfer coding is this hop's:
//! the body was decoded by it, and the client's side frames the body again. Forwarded as
//! it came, `gzip, chunked` reached an HTTP/2 client still gzipped with nothing saying so,
//! and `chunked, chunked` told an HTTP/1.1 client to decode twice what was chunked once. A
//! `101` is forwarded only as the switch the client asked for (Go: "backend tried to
//! switch protocol"), else a 502.

use http::header::{
    CONNECTION, HeaderMap, HeaderName, HeaderValue, PROXY_AUTHENTICATE, PROXY_AUTHORIZATION, TE,
    TRAILER, TRANSFER_ENCODING, UPGRADE,
};

use crate::rescue::ProxyError;

static KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
static PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

/// Go's `hopHeaders`, in the order of their bits in [`hop_bit`].
static HOP: [&HeaderName; 9] = [
    &CONNECTION,
    &KEEP_ALIVE,
    &PROXY_CONNECTION,
    &TE,
    &TRAILER,
    &UPGRADE,
    &TRANSFER_ENCODING,
    &PROXY_AUTHENTICATE,
    &PROXY_AUTHORIZATION,
];
const CONNECTION_BIT: u16 = 1;
const TRAILER_BIT: u16 = 1 << 4;
const TRANSFER_ENCODING_BIT: u16 = 1 << 6;

/// Whether the field `name` (lowercase) is hop-by-hop.
pub(crate) fn is_hop_by_hop(name: &str) -> bool {
    hop_bit(name) != 0
}

/// `name`'s bit, 0 when it is not hop-by-hop (one comparison of a length, mostly).
fn hop_bit(name: &str) -> u16 {
    match name {
        "connection" => CONNECTION_BIT,
        "keep-alive" => 1 << 1,
        "proxy-connection" => 1 << 2,
        "te" => 1 << 3,
        "trailer" => TRAILER_BIT,
        "upgrade" => 1 << 5,
        "transfer-encoding" => TRANSFER_ENCODING_BIT,
        "proxy-authenticate" => 1 << 7,
        "proxy-authorization" => 1 << 8,
        _ => 0,
    }
}

/// Removes `headers`' hop-by-hop fields, in one pass over the names (a response rarely has
/// more than `Connection`); refuses a transfer coding other than `chunked`.
pub(crate) fn settle(headers: &mut HeaderMap) -> Result<(), ProxyError> {
    let mut present = headers
        .keys()
        .fold(0, |bits, name| bits | hop_bit(name.as_str()));
    if present == 0 {
        return Ok(());
    }
    if present & TRANSFER_ENCODING_BIT != 0 {
        let mut values = headers.get_all(TRANSFER_ENCODING).iter();
        let first = values.next().map(|v| v.as_bytes().trim_ascii());
        if values.next().is_some() || !first.is_some_and(|v| v.eq_ignore_ascii_case(b"chunked")) {
            let all: Vec<_> = headers
                .get_all(TRANSFER_ENCODING)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            return Err(ProxyError::Upstream(format!(
                "unsupported transfer encoding: {:?}",
                all.join(", ")
            )));
        }
        // A chunked body's announced trailers are announced on to the client, as Go's
        // proxy re-announces them (it drops `Trailer` from any other response).
        present &= !TRAILER_BIT;
    }
    if present & CONNECTION_BIT != 0 {
        for name in crate::tokens::connection_listed(headers) {
            headers.remove(name);
        }
    }
    for (i, name) in HOP.iter().enumerate() {
        if present & (1 << i) != 0 {
            headers.remove(*name);
        }
    }
    Ok(())
}

/// A `101` from the backend is a switch to the protocol the client asked for (`asked`, its
/// `Upgrade` field; `None` when it asked for none), else a 502.
pub(crate) fn check_switch(
    asked: Option<&HeaderValue>,
    headers: &HeaderMap,
) -> Result<(), ProxyError> {
    let to = headers.get(UPGRADE);
    match (asked, to) {
        (Some(a), Some(t)) if a.as_bytes().eq_ignore_ascii_case(t.as_bytes()) => Ok(()),
        _ => Err(ProxyError::Upstream(format!(
            "backend tried to switch protocol {:?} when {:?} was requested",
            to.map(|v| String::from_utf8_lossy(v.as_bytes()))
                .unwrap_or_default(),
            asked
                .map(|v| String::from_utf8_lossy(v.as_bytes()))
                .unwrap_or_default(),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(fields: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (n, v) in fields {
            m.append(
                HeaderName::from_bytes(n.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        m
    }

    #[test]
    fn hop_by_hop_fields_and_those_connection_names_are_removed() {
        let mut m = map(&[
            ("connection", "X-Foo, keep-alive, close"),
            ("x-foo", "1"),
            ("keep-alive", "timeout=5"),
            ("proxy-connection", "x"),
            ("te", "trailers"),
            ("trailer", "x-t"),
            ("upgrade", "h2c"),
            ("proxy-authenticate", "Basic"),
            ("proxy-authorization", "Basic eA=="),
            ("content-length", "2"),
            ("content-type", "text/plain"),
            ("set-cookie", "a=1"),
            ("set-cookie", "b=2"),
        ]);
        settle(&mut m).expect("nothing to refuse");
        let mut left: Vec<_> = m.keys().map(HeaderName::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["content-length", "content-type", "set-cookie"]);
        assert_eq!(m.get_all("set-cookie").iter().count(), 2);
    }

    #[test]
    fn a_chunked_response_keeps_its_announced_trailers() {
        let mut m = map(&[
            ("transfer-encoding", "Chunked"),
            ("trailer", "grpc-status"),
            ("connection", "keep-alive"),
        ]);
        settle(&mut m).expect("a lone chunked is accepted");
        let left: Vec<_> = m.keys().map(HeaderName::as_str).collect();
        assert_eq!(left, ["trailer"]);
    }

    #[test]
    fn a_response_without_hop_by_hop_fields_is_untouched() {
        let mut m = map(&[("content-length", "2"), ("server", "nginx")]);
        let before = m.clone();
        settle(&mut m).expect("nothing to refuse");
        assert_eq!(m, before);
    }

    #[test]
    fn transfer_codings_other_than_one_chunked_are_refused_as_go_refuses_them() {
        for fields in [
            &[("transfer-encoding", "gzip, chunked")][..],
            &[("transfer-encoding", "chunked, chunked")],
            &[
                ("transfer-encoding", "chunked"),
                ("transfer-encoding", "chunked"),
            ],
            &[("transfer-encoding", "identity")],
            &[("transfer-encoding", "")],
        ] {
            let err = settle(&mut map(fields)).expect_err("refused");
            assert_eq!(err.status(), http::StatusCode::BAD_GATEWAY, "{fields:?}");
            assert!(
                err.to_string().contains("unsupported transfer encoding"),
                "{err}"
            );
        }
        settle(&mut map(&[("transfer-encoding", " chunked ")])).expect("one chunked");
    }

    #[test]
    fn connection_tokens_that_are_no_field_names_are_ignored() {
        let mut m = map(&[("connection", "a b, ,\"q\""), ("a", "1")]);
        settle(&mut m).expect("accepted");
        assert_eq!(m.keys().map(HeaderName::as_str).collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn a_switch_is_forwarded_only_to_the_protocol_asked_for() {
        let ws = HeaderValue::from_static("websocket");
        let to_ws = map(&[("upgrade", "WebSocket"), ("connection", "Upgrade")]);
        check_switch(Some(&ws), &to_ws).expect("the protocol asked for");
        let err = check_switch(None, &to_ws).expect_err("nothing was asked for");
        assert_eq!(err.status(), http::StatusCode::BAD_GATEWAY);
        assert!(
            err.to_string().contains("backend tried to switch protocol"),
            "{err}"
        );
        let foo = HeaderValue::from_static("foo");
        check_switch(Some(&foo), &to_ws).expect_err("another protocol");
        check_switch(Some(&ws), &HeaderMap::new()).expect_err("a switch to nothing");
    }
}
