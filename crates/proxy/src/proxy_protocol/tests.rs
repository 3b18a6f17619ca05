use std::net::SocketAddr;

use super::{Parsed, encode, parse};

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("address")
}

#[test]
fn v1_lines() {
    let line = b"PROXY TCP4 192.0.2.7 10.0.0.1 56324 443\r\nGET / HTTP/1.1\r\n";
    assert_eq!(
        parse(line),
        Ok(Parsed::Header {
            len: 41,
            source: Some(addr("192.0.2.7:56324"))
        })
    );
    let v6 = b"PROXY TCP6 2001:db8::1 ::1 1 2\r\n";
    assert_eq!(
        parse(v6),
        Ok(Parsed::Header {
            len: v6.len(),
            source: Some(addr("[2001:db8::1]:1"))
        })
    );
    assert_eq!(
        parse(b"PROXY UNKNOWN\r\n"),
        Ok(Parsed::Header {
            len: 15,
            source: None
        })
    );
    for bad in [
        &b"PROXY TCP4 192.0.2.7 10.0.0.1 56324\r\n"[..],
        b"PROXY TCP4 ::1 10.0.0.1 1 2\r\n",
        b"PROXY TCP5 192.0.2.7 10.0.0.1 1 2\r\n",
        b"PROXY TCP4 192.0.2.7 10.0.0.1 01 2\r\n",
        b"PROXY TCP4 192.0.2.7 10.0.0.1 70000 2\r\n",
        b"PROXY TCP4 192.0.2.7 10.0.0.1 1 2 3\r\n",
    ] {
        assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
    assert!(parse(&[b'P'; 2][..]).is_ok());
    let long = [b"PROXY ".as_slice(), &[b'x'; 120]].concat();
    assert!(parse(&long).is_err());
}

#[test]
fn prefixes_wait_for_more() {
    for n in 1..41 {
        let line = b"PROXY TCP4 192.0.2.7 10.0.0.1 56324 443\r\n";
        assert_eq!(parse(&line[..n]), Ok(Parsed::Incomplete), "{n}");
    }
    let v2 = encode(2, addr("192.0.2.7:1"), addr("10.0.0.1:2"));
    for n in 1..v2.len() {
        assert_eq!(parse(&v2[..n]), Ok(Parsed::Incomplete), "{n}");
    }
    assert_eq!(parse(b"GET / HTTP/1.1\r\n"), Ok(Parsed::NotProxy));
    assert_eq!(parse(b"PROPFIND /"), Ok(Parsed::NotProxy));
    assert_eq!(parse(&[0x16, 3, 1]), Ok(Parsed::NotProxy));
    assert_eq!(parse(b"\r\n\r\nX"), Ok(Parsed::NotProxy));
}

#[test]
fn round_trips() {
    for (src, dst) in [
        ("192.0.2.7:56324", "10.0.0.1:443"),
        ("[2001:db8::7]:9", "[::1]:80"),
    ] {
        for version in [1, 2] {
            let header = encode(version, addr(src), addr(dst));
            let mut bytes = header.clone();
            bytes.extend_from_slice(b"hello");
            assert_eq!(
                parse(&bytes),
                Ok(Parsed::Header {
                    len: header.len(),
                    source: Some(addr(src))
                }),
                "v{version} {src}"
            );
        }
    }
    // Mixed families: IPv4-mapped IPv6.
    let header = encode(2, addr("192.0.2.7:1"), addr("[::1]:2"));
    assert_eq!(
        parse(&header),
        Ok(Parsed::Header {
            len: 52,
            source: Some(addr("[::ffff:192.0.2.7]:1"))
        })
    );
}

#[test]
fn v2_local_tlvs_and_errors() {
    let mut local = super::V2_SIGNATURE.to_vec();
    local.extend_from_slice(&[0x20, 0x00, 0, 0]);
    assert_eq!(
        parse(&local),
        Ok(Parsed::Header {
            len: 16,
            source: None
        })
    );
    // A PROXY header with TLVs after the addresses: their length counts, they are skipped.
    let mut tlv = encode(2, addr("192.0.2.7:1"), addr("10.0.0.1:2"));
    tlv[15] = 12 + 5;
    tlv.extend_from_slice(&[0x01, 0, 2, b'h', b'2']);
    assert_eq!(
        parse(&tlv),
        Ok(Parsed::Header {
            len: 33,
            source: Some(addr("192.0.2.7:1"))
        })
    );
    let mut bad = local.clone();
    bad[12] = 0x10;
    assert!(parse(&bad).is_err());
    bad[12] = 0x22;
    assert!(parse(&bad).is_err());
    let mut short = local;
    short[12] = 0x21;
    short[13] = 0x11;
    short[15] = 4;
    short.extend_from_slice(&[1, 2, 3, 4]);
    assert!(parse(&short).is_err());
}

/// Every prefix and every single-byte corruption of valid headers: the parser answers
/// (never panics) and never claims more bytes than it was given.
#[test]
fn never_panics_on_mangled_input() {
    let seeds = [
        encode(1, addr("192.0.2.7:56324"), addr("10.0.0.1:443")),
        encode(1, addr("[2001:db8::7]:9"), addr("[::1]:80")),
        encode(2, addr("192.0.2.7:56324"), addr("10.0.0.1:443")),
        encode(2, addr("[2001:db8::7]:9"), addr("[::1]:80")),
    ];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for seed in &seeds {
        for i in 0..seed.len() {
            for value in [0u8, 0xff, b' ', b'\r', b'\n', b'0', b'9', b':'] {
                let mut m = seed.clone();
                m[i] = value;
                check(&m);
                check(&m[..i]);
            }
        }
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut m = seed.clone();
            let at = usize::try_from(state % m.len() as u64).unwrap_or(0);
            m[at] = (state >> 32) as u8;
            m.truncate(usize::try_from((state >> 40) % (m.len() as u64 + 1)).unwrap_or(0));
            check(&m);
        }
    }
}

fn check(bytes: &[u8]) {
    if let Ok(Parsed::Header { len, .. }) = parse(bytes) {
        assert!(len <= bytes.len());
    }
}
