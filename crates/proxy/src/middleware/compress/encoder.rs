//! The three encoders behind one interface, each writing into a buffer that the body drains
//! after every step. Levels are Traefik's: klauspost's gzip default (level 5), brotli's
//! `NewWriter` (quality 6, 4 MiB window) and klauspost's zstd default (level 3, with the
//! frame checksum it writes).

use std::io::{self, Write};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;

/// A content coding `compress` can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coding {
    Gzip,
    Br,
    Zstd,
}

/// A running encoder.
pub(crate) struct Encoder(Inner);

/// Boxed: the states are hundreds of bytes (brotli's several KiB), the body moves.
enum Inner {
    Gzip(Box<GzEncoder<Vec<u8>>>),
    Br(Box<brotli::CompressorWriter<Vec<u8>>>),
    Zstd(Box<zstd::stream::write::Encoder<'static, Vec<u8>>>),
}

const GZIP_LEVEL: u32 = 5;
const BROTLI_QUALITY: u32 = 6;
const BROTLI_LGWIN: u32 = 22;
/// Brotli's internal output buffer before it writes to ours.
const BROTLI_BUFFER: usize = 16 * 1024;
const ZSTD_LEVEL: i32 = 3;

// === impl Coding ===

impl Coding {
    pub(crate) fn from_name(name: &str) -> Option<Coding> {
        match name {
            "gzip" => Some(Coding::Gzip),
            "br" => Some(Coding::Br),
            "zstd" => Some(Coding::Zstd),
            _ => None,
        }
    }

    /// The `Content-Encoding` token.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Br => "br",
            Coding::Zstd => "zstd",
        }
    }
}

// === impl Encoder ===

impl Encoder {
    pub(crate) fn new(coding: Coding) -> io::Result<Encoder> {
        Ok(Encoder(match coding {
            Coding::Gzip => Inner::Gzip(Box::new(GzEncoder::new(
                Vec::new(),
                Compression::new(GZIP_LEVEL),
            ))),
            Coding::Br => Inner::Br(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                BROTLI_BUFFER,
                BROTLI_QUALITY,
                BROTLI_LGWIN,
            ))),
            Coding::Zstd => {
                let mut z = zstd::stream::write::Encoder::new(Vec::new(), ZSTD_LEVEL)?;
                z.include_checksum(true)?;
                Inner::Zstd(Box::new(z))
            }
        }))
    }

    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.0 {
            Inner::Gzip(e) => e.write_all(data),
            Inner::Br(e) => e.write_all(data),
            Inner::Zstd(e) => e.write_all(data),
        }
    }

    /// Pushes out everything written so far, decodable as it is (a sync flush).
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        match &mut self.0 {
            Inner::Gzip(e) => e.flush(),
            Inner::Br(e) => e.flush(),
            Inner::Zstd(e) => e.flush(),
        }
    }

    /// The encoded bytes produced since the last call.
    pub(crate) fn take(&mut self) -> Bytes {
        let out = match &mut self.0 {
            Inner::Gzip(e) => e.get_mut(),
            Inner::Br(e) => e.get_mut(),
            Inner::Zstd(e) => e.get_mut(),
        };
        Bytes::from(std::mem::take(out))
    }

    /// Ends the stream: the rest of the encoded bytes, trailer included.
    pub(crate) fn finish(self) -> io::Result<Bytes> {
        let out = match self.0 {
            Inner::Gzip(e) => e.finish()?,
            Inner::Br(e) => e.into_inner(),
            Inner::Zstd(e) => e.finish()?,
        };
        Ok(Bytes::from(out))
    }
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let coding = match self.0 {
            Inner::Gzip(_) => Coding::Gzip,
            Inner::Br(_) => Coding::Br,
            Inner::Zstd(_) => Coding::Zstd,
        };
        f.debug_tuple("Encoder").field(&coding).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn decode(coding: Coding, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        match coding {
            Coding::Gzip => flate2::read::GzDecoder::new(data).read_to_end(&mut out),
            Coding::Br => brotli::Decompressor::new(data, 4096).read_to_end(&mut out),
            Coding::Zstd => zstd::stream::read::Decoder::new(data)
                .expect("decoder")
                .read_to_end(&mut out),
        }
        .expect("decodes");
        out
    }

    #[test]
    fn a_flushed_prefix_decodes_whole() {
        let text: Vec<u8> = (0..5_000u32)
            .flat_map(|i| format!("line {i} of some text\n").into_bytes())
            .collect();
        for coding in [Coding::Gzip, Coding::Br, Coding::Zstd] {
            let mut e = Encoder::new(coding).expect("encoder");
            e.write(&text).expect("write");
            e.flush().expect("flush");
            let wire = e.take();
            let out = match coding {
                Coding::Gzip => {
                    let mut d = flate2::write::GzDecoder::new(Vec::new());
                    d.write_all(&wire).and_then(|()| d.flush()).expect("gzip");
                    d.get_ref().clone()
                }
                Coding::Br => {
                    // A truncated stream: read what decodes, until the missing end.
                    let mut d = brotli::Decompressor::new(&wire[..], 4096);
                    let mut out = Vec::new();
                    let mut buf = [0u8; 4096];
                    while let Ok(n @ 1..) = d.read(&mut buf) {
                        out.extend_from_slice(&buf[..n]);
                    }
                    out
                }
                Coding::Zstd => {
                    let mut d = zstd::stream::write::Decoder::new(Vec::new()).expect("zstd");
                    d.write_all(&wire).and_then(|()| d.flush()).expect("zstd");
                    d.get_ref().clone()
                }
            };
            assert_eq!(out.len(), text.len(), "{coding:?}");
        }
    }

    #[test]
    fn each_coding_round_trips_and_flushes_decodable_prefixes() {
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("line {i} of some text\n").into_bytes())
            .collect();
        for coding in [Coding::Gzip, Coding::Br, Coding::Zstd] {
            let mut e = Encoder::new(coding).expect("encoder");
            let mut wire = Vec::new();
            e.write(&text[..1000]).expect("write");
            e.flush().expect("flush");
            wire.extend_from_slice(&e.take());
            assert!(
                !wire.is_empty(),
                "{coding:?}: a flush emits what was written"
            );
            e.write(&text[1000..]).expect("write");
            wire.extend_from_slice(&e.take());
            wire.extend_from_slice(&e.finish().expect("finish"));
            assert!(
                wire.len() < text.len() / 4,
                "{coding:?}: {} bytes",
                wire.len()
            );
            assert_eq!(decode(coding, &wire), text, "{coding:?}");
        }
    }
}
