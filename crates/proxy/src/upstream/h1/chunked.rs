//! The `chunked` transfer coding of a response body (RFC 9112 §7.1), decoded in place from
//! the connection's read buffer: chunk data leaves it as shared [`Bytes`], no copy. The
//! rules are hyper's: a size of hex digits (at most 16), optional whitespace and
//! extensions (at most 16 KiB of them per body), CRLF line ends, trailers of at most 16 KiB
//! returned as a trailers frame.

use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;

/// What chunk extensions a body may carry in all, and its trailers (hyper's limits).
const EXTENSIONS_LIMIT: u64 = 16 * 1024;
const TRAILERS_LIMIT: usize = 16 * 1024;

/// Where the decoder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a size's first digit.
    Start,
    Size,
    /// Whitespace after the size.
    SizeLws,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    /// After the last chunk: trailer lines or the final CRLF.
    Trailers,
    End,
}

/// A chunked body's decoder.
#[derive(Debug)]
pub(super) struct Chunked {
    state: State,
    /// The current chunk's size, then what is left of it.
    size: u64,
    extensions: u64,
    trailers: Vec<u8>,
}

/// One step of decoding.
#[derive(Debug)]
pub(super) enum Decoded {
    Data(Bytes),
    Trailers(HeaderMap),
    /// The body ended (the final CRLF was read).
    End,
    /// `buf` holds no more to decode: read more.
    NeedMore,
}

// === impl Chunked ===

impl Chunked {
    pub(super) fn new() -> Self {
        Self {
            state: State::Start,
            size: 0,
            extensions: 0,
            trailers: Vec::new(),
        }
    }

    /// Decodes what it can from the front of `buf`.
    pub(super) fn decode(&mut self, buf: &mut BytesMut) -> Result<Decoded, String> {
        loop {
            if self.state == State::End {
                return Ok(Decoded::End);
            }
            if self.state == State::Data {
                if buf.is_empty() {
                    return Ok(Decoded::NeedMore);
                }
                let n = buf
                    .len()
                    .min(usize::try_from(self.size).unwrap_or(usize::MAX));
                self.size -= n as u64;
                if self.size == 0 {
                    self.state = State::DataCr;
                }
                return Ok(Decoded::Data(buf.split_to(n).freeze()));
            }
            if self.state == State::Trailers {
                return self.trailers(buf);
            }
            let Some(&b) = buf.first() else {
                return Ok(Decoded::NeedMore);
            };
            buf.advance(1);
            self.state = self.step(b)?;
        }
    }

    /// One byte of a size line or a chunk's end.
    fn step(&mut self, b: u8) -> Result<State, String> {
        let bad = |what: &str| Err(format!("malformed chunked body: {what}"));
        Ok(match (self.state, b) {
            (State::Start | State::Size, _) if b.is_ascii_hexdigit() => {
                let digit = u64::from((b as char).to_digit(16).unwrap_or(0));
                if self.size >> 60 != 0 {
                    return bad("chunk size overflows");
                }
                self.size = self.size << 4 | digit;
                State::Size
            }
            (State::Start, _) => return bad("missing chunk size"),
            (State::Size | State::SizeLws, b'\t' | b' ') => State::SizeLws,
            (State::Size | State::SizeLws, b';') => State::Extension,
            (State::Size | State::SizeLws, b'\r') => State::SizeLf,
            (State::Size | State::SizeLws, _) => return bad("invalid chunk size"),
            (State::Extension, b'\r') => State::SizeLf,
            (State::Extension, b'\n') => return bad("newline in chunk extension"),
            (State::Extension, _) => {
                self.extensions += 1;
                if self.extensions > EXTENSIONS_LIMIT {
                    return bad("chunk extensions too long");
                }
                State::Extension
            }
            (State::SizeLf, b'\n') if self.size == 0 => State::Trailers,
            (State::SizeLf, b'\n') => State::Data,
            (State::SizeLf, _) => return bad("chunk size line without LF"),
            (State::DataCr, b'\r') => State::DataLf,
            (State::DataCr, _) => return bad("chunk data without CRLF"),
            (State::DataLf, b'\n') => State::Start,
            (State::DataLf, _) => return bad("chunk data without LF"),
            (State::Data | State::Trailers | State::End, _) => self.state,
        })
    }

    /// Trailer lines up to the empty line ending the body.
    fn trailers(&mut self, buf: &mut BytesMut) -> Result<Decoded, String> {
        // The common case: no trailers, the final CRLF.
        if self.trailers.is_empty() && buf.starts_with(b"\r\n") {
            buf.advance(2);
            self.state = State::End;
            return Ok(Decoded::End);
        }
        let seen = self.trailers.len();
        self.trailers.extend_from_slice(buf);
        let start = seen.saturating_sub(3);
        let Some(at) = self.trailers[start..]
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| start + p + 4)
            .or_else(|| (self.trailers.starts_with(b"\r\n")).then_some(2))
        else {
            if self.trailers.len() > TRAILERS_LIMIT {
                return Err("malformed chunked body: trailers too long".into());
            }
            buf.clear();
            return Ok(Decoded::NeedMore);
        };
        if at > TRAILERS_LIMIT {
            return Err("malformed chunked body: trailers too long".into());
        }
        // What followed the trailers stays in `buf`.
        buf.advance(at - seen);
        self.state = State::End;
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let httparse::Status::Complete((_, fields)) =
            httparse::parse_headers(&self.trailers[..at], &mut fields)
                .map_err(|e| format!("malformed chunked body: trailers: {e}"))?
        else {
            return Err("malformed chunked body: trailers".into());
        };
        if fields.is_empty() {
            return Ok(Decoded::End);
        }
        let mut map = HeaderMap::with_capacity(fields.len());
        for f in fields {
            let name = http::HeaderName::from_bytes(f.name.as_bytes());
            let value = http::HeaderValue::from_bytes(f.value);
            if let (Ok(name), Ok(value)) = (name, value) {
                map.append(name, value);
            }
        }
        Ok(Decoded::Trailers(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The data, the trailers, and what is left after the body.
    type Decoding = (Vec<u8>, Option<HeaderMap>, Vec<u8>);

    /// Decodes `raw` fed in pieces of `step` bytes.
    fn decode(raw: &[u8], step: usize) -> Result<Decoding, String> {
        let mut c = Chunked::new();
        let mut buf = BytesMut::new();
        let (mut data, mut trailers) = (Vec::new(), None);
        let mut fed = 0;
        loop {
            match c.decode(&mut buf)? {
                Decoded::Data(d) => data.extend_from_slice(&d),
                Decoded::Trailers(t) => trailers = Some(t),
                Decoded::End => return Ok((data, trailers, buf.to_vec())),
                Decoded::NeedMore if fed < raw.len() => {
                    let end = (fed + step).min(raw.len());
                    buf.extend_from_slice(&raw[fed..end]);
                    fed = end;
                }
                Decoded::NeedMore => return Err("incomplete".into()),
            }
        }
    }

    #[test]
    fn decodes_in_any_pieces() {
        let raw = b"5;ext=1\r\nhello\r\nA \r\n0123456789\r\n0\r\n\r\nNEXT";
        for step in [1, 2, 3, 7, raw.len()] {
            let (data, trailers, rest) = decode(raw, step).expect("valid");
            assert_eq!(data, b"hello0123456789", "step {step}");
            assert!(trailers.is_none());
            // What the decoder did not need is left for whoever reads next.
            assert!(b"NEXT".starts_with(&rest), "step {step}: {rest:?}");
        }
    }

    #[test]
    fn trailers_become_a_frame() {
        for step in [1, 5, 100] {
            let (data, trailers, _) =
                decode(b"3\r\nabc\r\n0\r\ngrpc-status: 0\r\nx-t: 1\r\n\r\n", step).expect("valid");
            assert_eq!(data, b"abc");
            let t = trailers.expect("valid");
            assert_eq!(t["grpc-status"], "0");
            assert_eq!(t["x-t"], "1");
        }
    }

    #[test]
    fn malformed_framing_is_refused() {
        for bad in [
            &b"x\r\n"[..],
            b"5\nhello\r\n0\r\n\r\n",
            b"5\r\nhelloX\r\n0\r\n\r\n",
            b"11111111111111111\r\n",
            b"5;a\nb\r\n",
            b"5 x\r\n",
        ] {
            assert!(
                decode(bad, 1).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let long = format!("1;{}\r\n", "e".repeat(17 * 1024));
        assert!(decode(long.as_bytes(), 4096).is_err());
    }
}
