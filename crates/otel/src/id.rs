//! Trace and span identifiers: random, never all zero, written as lowercase hex.

use std::cell::Cell;
use std::fmt;

/// A 16-byte trace id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SpanId(pub [u8; 8]);

thread_local! {
    /// xorshift64* state, seeded once per thread from the system's CSPRNG: ids must be
    /// unique, not secret, and a request must not pay a syscall for them.
    static RNG: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let mut b = [0u8; 8];
    // A failing system RNG leaves the thread id and clock to tell threads apart.
    if aws_lc_rs::rand::fill(&mut b).is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        b = t.to_le_bytes();
    }
    u64::from_le_bytes(b) | 1
}

fn next_u64() -> u64 {
    RNG.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

fn nonzero() -> u64 {
    loop {
        let v = next_u64();
        if v != 0 {
            return v;
        }
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

/// `00`, `01`, … `ff`: a byte's two digits in one load (every proxied request of a traced
/// router writes 24 bytes of ids into its `traceparent`).
static HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [DIGITS[i >> 4], DIGITS[i & 0xf]];
        i += 1;
    }
    t
};

/// Writes `bytes` as lowercase hex into `out` (twice as long).
pub(crate) fn hex_into(out: &mut [u8], bytes: &[u8]) {
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
}

/// Parses exactly `N` bytes of lowercase hex (W3C trace context refuses uppercase).
pub(crate) fn parse_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != 2 * N {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = digit(s[2 * i])? << 4 | digit(s[2 * i + 1])?;
    }
    Some(out)
}

// === impl TraceId ===

impl TraceId {
    pub fn random() -> Self {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&next_u64().to_be_bytes());
        b[8..].copy_from_slice(&nonzero().to_be_bytes());
        Self(b)
    }

    pub fn is_valid(&self) -> bool {
        self.0 != [0; 16]
    }
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

// === impl SpanId ===

impl SpanId {
    pub fn random() -> Self {
        Self(nonzero().to_be_bytes())
    }

    pub fn is_valid(&self) -> bool {
        self.0 != [0; 8]
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_distinct_and_hex() {
        let (a, b) = (TraceId::random(), TraceId::random());
        assert!(a.is_valid() && b.is_valid());
        assert_ne!(a, b);
        let id = SpanId::random();
        let s = id.to_string();
        assert_eq!(s.len(), 16);
        assert_eq!(parse_hex::<8>(&s), Some(id.0));
    }

    #[test]
    fn hex_refuses_uppercase_and_bad_length() {
        assert_eq!(parse_hex::<1>("ab"), Some([0xab]));
        assert_eq!(parse_hex::<1>("AB"), None);
        assert_eq!(parse_hex::<1>("abc"), None);
    }

    #[test]
    fn hex_into_writes_every_byte_as_the_formatter() {
        let all: Vec<u8> = (0..=255).collect();
        let mut out = vec![0u8; 512];
        hex_into(&mut out, &all);
        let want: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(String::from_utf8_lossy(&out), want);
    }
}
