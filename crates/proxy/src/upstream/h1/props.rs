//! Property tests of the fast path's parsers, which read what backends send: any bytes in
//! any pieces never panic, and a chunked body survives every way of cutting it.

use bytes::BytesMut;
use proptest::prelude::*;

use super::chunked::{Chunked, Decoded};
use super::head::parse_response;

/// Feeds `raw` to a decoder in pieces cut at `cuts`: the data, or the first error.
fn decode_pieces(raw: &[u8], cuts: &[usize]) -> Result<Vec<u8>, String> {
    let mut c = Chunked::new();
    let mut buf = BytesMut::new();
    let mut data = Vec::new();
    let mut ends: Vec<usize> = cuts.iter().map(|c| c % (raw.len() + 1)).collect();
    ends.push(raw.len());
    ends.sort_unstable();
    let mut fed = 0;
    let mut next = ends.into_iter();
    loop {
        match c.decode(&mut buf)? {
            Decoded::Data(d) => data.extend_from_slice(&d),
            Decoded::Trailers(_) => {}
            Decoded::End => return Ok(data),
            Decoded::NeedMore => match next.next() {
                Some(end) => {
                    buf.extend_from_slice(&raw[fed..end.max(fed)]);
                    fed = end.max(fed);
                }
                None => return Err("incomplete".into()),
            },
        }
    }
}

proptest! {
    #[test]
    fn any_bytes_in_any_pieces_never_panic(
        raw in proptest::collection::vec(any::<u8>(), 0..300),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let _ = decode_pieces(&raw, &cuts);
        let _ = parse_response(&mut BytesMut::from(&raw[..]), false, &mut http::HeaderMap::new());
        let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
        head.extend_from_slice(&raw);
        let _ = parse_response(&mut BytesMut::from(&head[..]), false, &mut http::HeaderMap::new());
    }

    #[test]
    fn chunked_bodies_survive_any_cutting(
        chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..40), 0..6),
        ext in any::<bool>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let mut raw = Vec::new();
        for c in &chunks {
            raw.extend_from_slice(format!("{:x}", c.len()).as_bytes());
            if ext {
                raw.extend_from_slice(b";name=\"v\"");
            }
            raw.extend_from_slice(b"\r\n");
            raw.extend_from_slice(c);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\nx-t: 1\r\n\r\n");
        let data = decode_pieces(&raw, &cuts);
        prop_assert_eq!(data, Ok(chunks.concat()));
    }
}
