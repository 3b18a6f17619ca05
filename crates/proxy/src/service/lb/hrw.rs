//! Highest random weight (rendezvous hashing) on the client IP: `strategy: hrw` and the
//! `highestRandomWeight` service type. Each member scores `1 / -ln(h / 2^64) × weight` with
//! `h` the FNV-1a hash of the client IP followed by the member's name (Traefik's formula),
//! the best score wins: a client keeps its member while it is up, and removing one of N
//! members moves only that member's clients.

use std::io::Write;
use std::net::IpAddr;

/// The hashed key: the client IP as Go prints it, written into `buf` (no allocation).
pub(crate) fn client_key(ip: IpAddr, buf: &mut [u8; 64]) -> &[u8] {
    let len = {
        let mut w = &mut buf[..];
        let before = w.len();
        // An IP address is at most 45 characters: it always fits.
        let _ = write!(w, "{ip}");
        before - w.len()
    };
    &buf[..len]
}

/// The member's score for `key`.
pub(crate) fn score(key: &[u8], name: &str, weight: f64) -> f64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for b in key.iter().chain(name.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(PRIME);
    }
    let unit = h as f64 / 18_446_744_073_709_551_616.0;
    (1.0 / -unit.ln()) * weight
}

/// The member with the highest score among those with weight > 0 that are up.
pub(crate) fn pick<'a>(
    key: &[u8],
    n: usize,
    name: impl Fn(usize) -> &'a str,
    weight: impl Fn(usize) -> i64,
    up: impl Fn(usize) -> bool,
) -> Option<usize> {
    let mut best = None;
    let mut best_score = 0.0;
    for i in (0..n).filter(|&i| weight(i) > 0 && up(i)) {
        let s = score(key, name(i), weight(i) as f64);
        if s > best_score || best.is_none() {
            best = Some(i);
            best_score = s;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_minimal_moves() {
        let names: Vec<String> = (0..5).map(|i| format!("http://10.0.0.{i}:80")).collect();
        let mut buf = [0; 64];
        let mut moved = 0;
        let clients = 2000;
        for c in 0..clients {
            let ip: IpAddr = format!("192.168.{}.{}", c / 250, c % 250)
                .parse()
                .expect("ip");
            let key = client_key(ip, &mut buf).to_vec();
            let all = pick(&key, 5, |i| &names[i], |_| 1, |_| true).expect("pick");
            let without = pick(&key, 5, |i| &names[i], |_| 1, |i| i != 2).expect("pick");
            assert_eq!(
                all,
                pick(&key, 5, |i| &names[i], |_| 1, |_| true).expect("pick")
            );
            if all != 2 {
                assert_eq!(all, without, "only the removed member's clients move");
            } else {
                moved += 1;
            }
        }
        // About 1/5 of the clients were on the removed member.
        assert!((300..500).contains(&moved), "{moved}");
    }

    #[test]
    fn key_is_the_printed_address() {
        let mut buf = [0; 64];
        assert_eq!(
            client_key("2001:db8::1".parse().expect("ip"), &mut buf),
            b"2001:db8::1"
        );
        assert_eq!(
            client_key("10.1.2.3".parse().expect("ip"), &mut buf),
            b"10.1.2.3"
        );
    }
}
