//! Numbers and addresses appended as text without `core::fmt`: the writer formats some
//! thirty of them per JSON line, and the formatting machinery (`write!`, padding, `Display`
//! through trait objects) cost more than the rest of the line.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// `n` in decimal.
pub(crate) fn push_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    push_ascii(out, &buf[i..]);
}

/// `n` in decimal, `-` first when negative.
pub(crate) fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64(out, n.unsigned_abs());
}

/// `n` in decimal on exactly `width` digits (zeros first; higher digits cut): dates.
pub(crate) fn push_padded(out: &mut String, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let width = width.min(buf.len());
    for i in (0..width).rev() {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    push_ascii(out, &buf[..width]);
}

/// An IP address as `Display` writes it (IPv6 through it: rare, and its rules are many).
pub(crate) fn push_ip(out: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => push_ipv4(out, v4),
        IpAddr::V6(v6) => {
            use std::fmt::Write;
            let _ = write!(out, "{v6}");
        }
    }
}

/// A socket address as `Display` writes it (`1.2.3.4:80`, `[::1]:80`).
pub(crate) fn push_addr(out: &mut String, addr: SocketAddr) {
    match addr {
        SocketAddr::V4(a) => {
            push_ipv4(out, *a.ip());
            out.push(':');
            push_u64(out, u64::from(a.port()));
        }
        SocketAddr::V6(a) => {
            use std::fmt::Write;
            let _ = write!(out, "{a}");
        }
    }
}

fn push_ipv4(out: &mut String, ip: Ipv4Addr) {
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_u64(out, u64::from(octet));
    }
}

/// `bytes` as lowercase hex.
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
}

/// ASCII digits, one `char` each (no UTF-8 validation of the slice: it cost as much as the
/// digits themselves).
fn push_ascii(out: &mut String, digits: &[u8]) {
    out.extend(digits.iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_display_writes_them() {
        let mut s = String::new();
        for n in [0u64, 7, 10, 99, 1_000_000, u64::MAX] {
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
    }
}
