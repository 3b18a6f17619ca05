//! Gzip for the export bodies, as Traefik's exporters send them. Level 1: the export runs on
//! the proxy's cores, and at the default level (Go's exporters use 6) deflate cost ~20k
//! instructions per exported span (callgrind, sampleRate 1), more than everything else
//! tracing does; level 1 is several times cheaper for a somewhat larger body on the wire.
//!
//! One deflate state is kept across exports: a new encoder per export allocated and cleared
//! its window and hash tables each time. The stream is laid out as flate2's `GzEncoder`
//! writes it at level 1 (its header, raw deflate, CRC-32, length); the deflate blocks may be
//! cut elsewhere, as the input is given in one piece.

use std::sync::{Mutex, PoisonError};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

use super::ExportError;

/// `GzEncoder`'s header at level 1: no name, no time, XFL 4 (fastest), OS unknown.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255];

/// The deflate state, made at the first export.
#[derive(Debug, Default)]
pub(super) struct Gzip {
    state: Mutex<Option<Compress>>,
}

// === impl Gzip ===

impl Gzip {
    /// The gzip member of `parts`, one after the other (a request's head and its spans,
    /// which stay where they lie).
    pub(super) fn compress(&self, parts: &[&[u8]]) -> Result<Vec<u8>, ExportError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let z = state.get_or_insert_with(|| Compress::new(Compression::fast(), false));
        z.reset();
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let mut out = Vec::with_capacity(HEADER.len() + total / 3 + 64);
        out.extend_from_slice(&HEADER);
        let mut crc = Crc::new();
        let fail = |e: flate2::CompressError| ExportError::Send(format!("gzip: {e}"));
        for part in parts {
            let base = z.total_in();
            loop {
                let read = usize::try_from(z.total_in() - base).unwrap_or(part.len());
                let Some(input) = part.get(read..).filter(|i| !i.is_empty()) else {
                    break;
                };
                let before = (z.total_in(), out.len());
                z.compress_vec(input, &mut out, FlushCompress::None)
                    .map_err(fail)?;
                // No progress: the output is full.
                if before == (z.total_in(), out.len()) {
                    out.reserve(out.capacity().max(256));
                }
            }
            crc.update(part);
        }
        loop {
            match z
                .compress_vec(&[], &mut out, FlushCompress::Finish)
                .map_err(fail)?
            {
                Status::StreamEnd => break,
                // The output is full: room for more.
                Status::Ok | Status::BufError => out.reserve(out.capacity().max(256)),
            }
        }
        out.extend_from_slice(&crc.sum().to_le_bytes());
        // ISIZE: the length modulo 2^32.
        out.extend_from_slice(&(total as u32).to_le_bytes());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    #[test]
    fn gzip_that_gunzips_with_the_encoders_header_across_reuses() {
        let gzip = Gzip::default();
        let big: Vec<u8> = (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for message in [&b""[..], b"hello, hello, hello", &big[..], b"again"] {
            let ours = gzip.compress(&[message]).expect("gzip");
            let mut theirs = flate2::write::GzEncoder::new(Vec::new(), Compression::fast());
            theirs.write_all(message).expect("write");
            let theirs = theirs.finish().expect("finish");
            assert_eq!(ours[..10], theirs[..10], "header, {} bytes", message.len());
            assert_eq!(
                ours[ours.len() - 8..],
                theirs[theirs.len() - 8..],
                "trailer"
            );
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&ours[..])
                .read_to_end(&mut back)
                .expect("gunzip");
            assert!(back == message, "round trip of {} bytes", message.len());
        }
    }

    #[test]
    fn parts_gunzip_to_their_concatenation() {
        let gzip = Gzip::default();
        let big: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 253) as u8).collect();
        let cases: [&[&[u8]]; 4] = [
            &[],
            &[b"head", b"", b"tail"],
            &[b"head", &big[..], b"tail"],
            &[&big[..100_000], &big[100_000..]],
        ];
        for parts in cases {
            let ours = gzip.compress(parts).expect("gzip");
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&ours[..])
                .read_to_end(&mut back)
                .expect("gunzip");
            assert!(back == parts.concat(), "{} parts", parts.len());
        }
    }
}
