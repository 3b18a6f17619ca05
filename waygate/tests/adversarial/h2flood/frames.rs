//! Hand-made HTTP/2 frames (RFC 9113 §4.1: a 9-byte header, then the payload) and a minimal
//! HPACK block, so a flood sends exactly the bytes an attacker would, with no client library
//! smoothing them; and a reader for the frames the gateway sends back.

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::tcp::OwnedReadHalf;

/// The client connection preface, then an empty SETTINGS frame.
pub(crate) fn preface() -> Vec<u8> {
    let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    out.extend(frame(SETTINGS, 0, 0, &[]));
    out
}

pub(crate) const HEADERS: u8 = 0x1;
pub(crate) const RST_STREAM: u8 = 0x3;
pub(crate) const SETTINGS: u8 = 0x4;
pub(crate) const PING: u8 = 0x6;
pub(crate) const GOAWAY: u8 = 0x7;
pub(crate) const CONTINUATION: u8 = 0x9;

pub(crate) const END_STREAM: u8 = 0x1;
pub(crate) const END_HEADERS: u8 = 0x4;

/// RST_STREAM / GOAWAY error codes.
pub(crate) const CANCEL: u32 = 0x8;
pub(crate) const ENHANCE_YOUR_CALM: u32 = 0xb;

/// One frame: length (24 bits), type, flags, stream id (31 bits), payload.
pub(crate) fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("frame payload fits 24 bits");
    assert!(len < 1 << 24, "frame payload fits 24 bits");
    let mut out = Vec::with_capacity(9 + payload.len());
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// `GET http://authority/`: `:method GET`, `:scheme http`, `:path /` from the static
/// table, `:authority` as a literal without indexing (indexed name 1).
pub(crate) fn get_block(authority: &str) -> Vec<u8> {
    let len = u8::try_from(authority.len()).expect("short authority");
    assert!(len < 127, "short authority");
    let mut out = vec![0x82, 0x86, 0x84, 0x01, len];
    out.extend_from_slice(authority.as_bytes());
    out
}

/// HEADERS(END_STREAM|END_HEADERS) for a GET, then RST_STREAM(CANCEL): one rapid reset.
pub(crate) fn get_then_reset(stream: u32, authority: &str) -> Vec<u8> {
    let mut out = frame(
        HEADERS,
        END_STREAM | END_HEADERS,
        stream,
        &get_block(authority),
    );
    out.extend(frame(RST_STREAM, 0, stream, &CANCEL.to_be_bytes()));
    out
}

/// A frame the gateway sent.
#[derive(Debug, Clone)]
pub(crate) struct Frame {
    pub(crate) kind: u8,
    pub(crate) payload: Vec<u8>,
}

// === impl Frame ===

impl Frame {
    /// The error code of a GOAWAY frame.
    pub(crate) fn goaway_code(&self) -> Option<u32> {
        let code = self.payload.get(4..8)?;
        (self.kind == GOAWAY).then(|| u32::from_be_bytes([code[0], code[1], code[2], code[3]]))
    }
}

/// Reads frames until the gateway closes, sends GOAWAY, or `patience` passes; returns them
/// and whether the connection was closed (EOF or reset).
pub(crate) async fn read_frames(rd: &mut OwnedReadHalf, patience: Duration) -> (Vec<Frame>, bool) {
    let deadline = tokio::time::Instant::now() + patience;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut frames = Vec::new();
    loop {
        while buf.len() >= 9 {
            let len = usize::from(buf[0]) << 16 | usize::from(buf[1]) << 8 | usize::from(buf[2]);
            if buf.len() < 9 + len {
                break;
            }
            let f = Frame {
                kind: buf[3],
                payload: buf[9..9 + len].to_vec(),
            };
            buf.drain(..9 + len);
            let goaway = f.kind == GOAWAY;
            frames.push(f);
            if goaway {
                return (frames, false);
            }
        }
        match tokio::time::timeout_at(deadline, rd.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (frames, true),
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => return (frames, false),
        }
    }
}
