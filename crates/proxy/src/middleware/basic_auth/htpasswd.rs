//! htpasswd hashes as Traefik checks them (its fork of `abbot/go-http-auth`, `CheckSecret`):
//! `{SHA}` (base64 SHA-1), bcrypt (`$2a$`, `$2b$`, `$2x$`, `$2y$`), and otherwise MD5-crypt
//! with the hash's own magic (`$apr1$` from htpasswd, `$1$`). Anything else never matches
//! (plain text included, as in Traefik). Comparisons of the computed and stored hashes are
//! constant-time.

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};

const CRYPT64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// The order MD5-crypt writes the final digest's bytes in.
const SWAPS: [usize; 16] = [12, 6, 0, 13, 7, 1, 14, 8, 2, 15, 9, 3, 5, 10, 4, 11];

/// How expensive a hash is to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cost {
    /// Microseconds at most (SHA-1, MD5-crypt's 1,000 rounds): checked in place.
    Cheap,
    /// bcrypt: milliseconds or more, checked off the worker threads.
    Bcrypt,
}

pub(crate) fn cost(hash: &str) -> Cost {
    if ["$2a$", "$2b$", "$2x$", "$2y$"]
        .iter()
        .any(|p| hash.starts_with(p))
    {
        Cost::Bcrypt
    } else {
        Cost::Cheap
    }
}

/// Whether `password` matches the htpasswd `hash`.
pub(crate) fn verify(password: &[u8], hash: &str) -> bool {
    if let Some(sha) = hash.strip_prefix("{SHA}") {
        let computed = STANDARD.encode(digest(&SHA1_FOR_LEGACY_USE_ONLY, password));
        return verify_slices_are_equal(sha.as_bytes(), computed.as_bytes()).is_ok();
    }
    if cost(hash) == Cost::Bcrypt {
        // Go's bcrypt treats the four prefixes alike; the crate knows 2a/2b/2x/2y too.
        return bcrypt::verify(password, hash).unwrap_or(false);
    }
    // `$magic$salt$…`: MD5-crypt with the hash's magic.
    let mut parts = hash.splitn(4, '$');
    let (Some(""), Some(magic), Some(salt), Some(_)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let computed = md5_crypt(password, salt.as_bytes(), format!("${magic}$").as_bytes());
    verify_slices_are_equal(hash.as_bytes(), &computed).is_ok()
}

/// MD5-crypt (Poul-Henning Kamp's, `$1$`; Apache's `$apr1$` differs only by its magic).
pub(crate) fn md5_crypt(password: &[u8], salt: &[u8], magic: &[u8]) -> Vec<u8> {
    let alternate = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut d = Md5::new();
    d.update(password);
    d.update(magic);
    d.update(salt);
    for i in 0..password.len() {
        d.update([alternate[i % 16]]);
    }
    let mut n = password.len();
    while n != 0 {
        d.update([if n & 1 == 0 { password[0] } else { 0 }]);
        n >>= 1;
    }
    let mut fin = d.finalize();
    for i in 0..1000 {
        let mut r = Md5::new();
        if i & 1 == 0 {
            r.update(fin);
        } else {
            r.update(password);
        }
        if i % 3 != 0 {
            r.update(salt);
        }
        if i % 7 != 0 {
            r.update(password);
        }
        if i & 1 == 0 {
            r.update(password);
        } else {
            r.update(fin);
        }
        fin = r.finalize();
    }
    let mut out = Vec::with_capacity(magic.len() + salt.len() + 23);
    out.extend_from_slice(magic);
    out.extend_from_slice(salt);
    out.push(b'$');
    let (mut v, mut bits) = (0u32, 0u32);
    for &i in &SWAPS {
        v |= u32::from(fin[i]) << bits;
        bits += 8;
        while bits > 6 {
            out.push(CRYPT64[(v & 0x3f) as usize]);
            v >>= 6;
            bits -= 6;
        }
    }
    out.push(CRYPT64[(v & 0x3f) as usize]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apr1_md5_as_htpasswd_writes_it() {
        // Traefik's own test users (test:test, test2:test2).
        assert!(verify(b"test", "$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"));
        assert!(verify(b"test2", "$apr1$d9hr9HBB$4HxwgUir3HP4EsggP/QNo0"));
        assert!(!verify(b"tesT", "$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"));
        assert!(!verify(b"", "$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"));
        // openssl passwd -1 -salt abcdefgh test
        assert!(verify(b"test", "$1$abcdefgh$irWbblnpmw.5z7wgBnprh0"));
    }

    #[test]
    fn sha_and_bcrypt_and_nothing_else() {
        // htpasswd -nbs test test
        assert!(verify(b"test", "{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M="));
        assert!(!verify(b"test2", "{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M="));
        // htpasswd -nbB -C 4 test test
        let b = "$2y$04$90vPv.JM4Ev3cm5M/cd1..IpHHS4WjsVzRCA2xU00Ye83KXvrTTxW";
        assert_eq!(cost(b), Cost::Bcrypt);
        assert!(verify(b"test", b));
        assert!(!verify(b"nope", b));
        assert!(!verify(b"test", "test"), "plain text never matches");
        assert!(!verify(b"test", "$2y$04$broken"));
        assert!(!verify(b"x", "$apr1$nosalt"));
    }
}
