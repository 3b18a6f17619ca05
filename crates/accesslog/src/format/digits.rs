//! Numbers and addresses appended as text without `core::fmt`: the writer formats some
//! thirty of them per JSON line, and the formatting machinery (`write!`, padding, `Display`
//! through trait objects) cost more than the rest of the line. Generic over [`Ascii`]: the
//! JSON line is built as bytes, the CLF lines as a `String`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// A buffer that ASCII text is appended to.
pub(crate) trait Ascii {
    /// Appends `bytes`, which are ASCII (a `String` would take any other byte as Latin-1).
    fn ascii(&mut self, bytes: &[u8]);

    /// Appends the first `len` bytes of `buf` (ASCII).
    fn ascii_head<const N: usize>(&mut self, buf: &[u8; N], len: usize) {
        self.ascii(&buf[..len.min(N)]);
    }

    /// Appends the `len` bytes of `buf` from `at` (ASCII; `len` at most 20, and `buf` has
    /// 20 bytes from `at`).
    fn ascii_window(&mut self, buf: &[u8; 40], at: usize, len: usize) {
        self.ascii(&buf[at.min(20)..][..len.min(20)]);
    }
}

impl Ascii for String {
    /// One `char` each: no UTF-8 validation of the slice (it cost as much as the digits).
    fn ascii(&mut self, bytes: &[u8]) {
        debug_assert!(bytes.is_ascii());
        self.extend(bytes.iter().map(|&d| char::from(d)));
    }
}

impl Ascii for Vec<u8> {
    fn ascii(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    /// The whole buffer, then cut: a copy of a known size is a few moves, where a copy of
    /// `len` bytes is a call to `memcpy` (a third of a number's cost).
    fn ascii_head<const N: usize>(&mut self, buf: &[u8; N], len: usize) {
        let end = self.len() + len.min(N);
        self.extend_from_slice(buf);
        self.truncate(end);
    }

    /// Likewise 20 bytes, then cut.
    fn ascii_window(&mut self, buf: &[u8; 40], at: usize, len: usize) {
        let end = self.len() + len.min(20);
        let window: &[u8; 20] = buf[at.min(20)..][..20].try_into().unwrap_or(&[0; 20]);
        self.extend_from_slice(window);
        self.truncate(end);
    }
}

/// `00`, `01`, … `99`: numbers are written two digits at a time.
static PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// `n` in decimal.
#[inline]
pub(crate) fn push_u64(out: &mut impl Ascii, n: u64) {
    // Half of a line's numbers (statuses, small sizes, retries) have at most three digits:
    // written without the buffer.
    if n < 10 {
        out.ascii(&[b'0' + n as u8]);
        return;
    }
    if n < 100 {
        let pair = 2 * n as usize;
        out.ascii(&PAIRS[pair..pair + 2]);
        return;
    }
    if n < 1000 {
        let pair = 2 * (n % 100) as usize;
        out.ascii(&[b'0' + (n / 100) as u8, PAIRS[pair], PAIRS[pair + 1]]);
        return;
    }
    push_long(out, n);
}

/// [`push_u64`] of a number of four digits or more: written backwards to end at byte 20
/// of a 40-byte window, then the 20 bytes from the first digit are copied and cut to the
/// digits (a copy of a known size is a few moves; neither the digits nor the length are
/// counted first).
fn push_long(out: &mut impl Ascii, mut n: u64) {
    let mut buf = [0u8; 40];
    let mut i = 20;
    while n >= 100 {
        let pair = 2 * (n % 100) as usize;
        n /= 100;
        i -= 2;
        buf[i] = PAIRS[pair];
        buf[i + 1] = PAIRS[pair + 1];
    }
    if n >= 10 {
        let pair = 2 * n as usize;
        i -= 2;
        buf[i] = PAIRS[pair];
        buf[i + 1] = PAIRS[pair + 1];
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    out.ascii_window(&buf, i, 20 - i);
}

/// `n` in decimal, `-` first when negative.
pub(crate) fn push_i64(out: &mut impl Ascii, n: i64) {
    if n < 0 {
        out.ascii(b"-");
    }
    push_u64(out, n.unsigned_abs());
}

/// `n` in decimal on exactly `width` digits (zeros first; higher digits cut): dates.
pub(crate) fn push_padded(out: &mut impl Ascii, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let width = width.min(buf.len());
    for i in (0..width).rev() {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.ascii(&buf[..width]);
}

/// An IP address as `Display` writes it (IPv6 through it: rare, and its rules are many).
pub(crate) fn push_ip(out: &mut impl Ascii, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => push_ipv4(out, v4),
        IpAddr::V6(v6) => out.ascii(v6.to_string().as_bytes()),
    }
}

/// A socket address as `Display` writes it (`1.2.3.4:80`, `[::1]:80`).
pub(crate) fn push_addr(out: &mut impl Ascii, addr: SocketAddr) {
    match addr {
        SocketAddr::V4(a) => {
            push_ipv4(out, *a.ip());
            out.ascii(b":");
            push_u64(out, u64::from(a.port()));
        }
        SocketAddr::V6(a) => out.ascii(a.to_string().as_bytes()),
    }
}

/// Dotted quad, written in one piece (at most 15 bytes).
fn push_ipv4(out: &mut impl Ascii, ip: Ipv4Addr) {
    let (buf, len) = ipv4_text(ip);
    out.ascii_head(&buf, len);
}

/// A dotted quad's text: the first `len` bytes of the buffer.
pub(crate) fn ipv4_text(ip: Ipv4Addr) -> ([u8; 16], usize) {
    let mut buf = [0u8; 16];
    let mut len = 0;
    for octet in ip.octets() {
        if octet >= 100 {
            buf[len] = b'0' + octet / 100;
            len += 1;
        }
        if octet >= 10 {
            buf[len] = b'0' + octet / 10 % 10;
            len += 1;
        }
        buf[len] = b'0' + octet % 10;
        buf[len + 1] = b'.';
        len += 2;
    }
    // Without the last dot.
    (buf, len - 1)
}

/// `00`, `01`, … `ff`: ids are written a byte (two digits) at a time.
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

/// `bytes` as lowercase hex into `out` (twice as long; what does not fit is left out).
pub(crate) fn hex_into(out: &mut [u8], bytes: &[u8]) {
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(b)]);
    }
}

/// `bytes` as lowercase hex (at most 16 bytes: trace and span ids).
pub(crate) fn push_hex(out: &mut impl Ascii, bytes: &[u8]) {
    let mut buf = [0u8; 32];
    let bytes = &bytes[..bytes.len().min(16)];
    hex_into(&mut buf, bytes);
    out.ascii_head(&buf, 2 * bytes.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_display_writes_them() {
        let mut s = String::new();
        for n in (0u64..=10_001).chain([99_999, 100_000, 1_000_000, u64::MAX - 1, u64::MAX]) {
            s.clear();
            push_u64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        for n in [0i64, -1, 42, i64::MIN, i64::MAX] {
            s.clear();
            push_i64(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        s.clear();
        push_padded(&mut s, 7, 2);
        push_padded(&mut s, 2024, 4);
        push_padded(&mut s, 120_000_000, 9);
        assert_eq!(s, "072024120000000");
        for a in ["10.0.0.1:5555", "[::1]:80", "255.255.255.255:65535"] {
            let a: SocketAddr = a.parse().expect("addr");
            s.clear();
            push_addr(&mut s, a);
            assert_eq!(s, a.to_string());
            s.clear();
            push_ip(&mut s, a.ip());
            assert_eq!(s, a.ip().to_string());
        }
        s.clear();
        push_hex(&mut s, &[0x00, 0x0f, 0xa0, 0xff]);
        assert_eq!(s, "000fa0ff");
        let all: Vec<u8> = (0..=255).collect();
        let mut buf = vec![0u8; 512];
        hex_into(&mut buf, &all);
        let want: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(String::from_utf8_lossy(&buf), want);
    }
}
