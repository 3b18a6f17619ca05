//! Sprig's environment, path and encoding functions: `env` and `expandenv` (the process
//! environment, as Traefik's sprig does: Traefik does not use the hermetic function map),
//! Go's `path` functions (and the `os…` `filepath` ones, the same on Unix), base64 and
//! base32.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::args::{str, text};
use super::{Def, fixed};
use crate::value::Value;
use waygate_rules::go_clean as clean;

pub(super) static FUNCS: &[Def] = &[
    fixed("env", 1, |a| {
        text(std::env::var(str(&a[0])?).unwrap_or_default())
    }),
    fixed("expandenv", 1, |a| {
        text(expand(str(&a[0])?, |k| {
            std::env::var(k).unwrap_or_default()
        }))
    }),
    fixed("base", 1, |a| text(base(str(&a[0])?))),
    fixed("dir", 1, |a| text(dir(str(&a[0])?))),
    fixed("clean", 1, |a| text(clean(str(&a[0])?))),
    fixed("ext", 1, |a| text(ext(str(&a[0])?))),
    fixed("isAbs", 1, |a| {
        Ok(Value::Bool(str(&a[0])?.starts_with('/')))
    }),
    fixed("osBase", 1, |a| text(base(str(&a[0])?))),
    fixed("osDir", 1, |a| text(dir(str(&a[0])?))),
    fixed("osClean", 1, |a| text(clean(str(&a[0])?))),
    fixed("osExt", 1, |a| text(ext(str(&a[0])?))),
    fixed("osIsAbs", 1, |a| {
        Ok(Value::Bool(str(&a[0])?.starts_with('/')))
    }),
    fixed("b64enc", 1, |a| text(STANDARD.encode(str(&a[0])?))),
    fixed("b64dec", 1, |a| text(b64dec(str(&a[0])?))),
    fixed("b32enc", 1, |a| text(b32enc(str(&a[0])?.as_bytes()))),
    fixed("b32dec", 1, |a| text(b32dec(str(&a[0])?))),
];

/// Go's `os.Expand`: `$NAME` and `${NAME}` replaced by `lookup(NAME)`.
pub(crate) fn expand(s: &str, lookup: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, used) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                // Bad syntax: Go drops `${}`, or `${` when unclosed.
                Some(0) => ("", 2),
                None => ("", 1),
                Some(end) => (&braced[..end], end + 2),
            }
        } else if after.starts_with(|c: char| "*#$@!?-".contains(c) || c.is_ascii_digit()) {
            (&after[..1], 1)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        if name.is_empty() && used == 0 {
            out.push('$');
        } else if !name.is_empty() {
            out.push_str(&lookup(name));
        }
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

fn dir(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean(&p[..cut])
}

fn ext(p: &str) -> String {
    let name = p.rsplit('/').next().unwrap_or(p);
    name.rfind('.')
        .map(|i| name[i..].to_string())
        .unwrap_or_default()
}

/// Sprig's `b64dec`: the decoded text, or the error's text when it is not valid base64.
fn b64dec(s: &str) -> String {
    match STANDARD.decode(s) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(
            base64::DecodeError::InvalidByte(at, _) | base64::DecodeError::InvalidLastSymbol(at, _),
        ) => {
            format!("illegal base64 data at input byte {at}")
        }
        Err(_) => format!(
            "illegal base64 data at input byte {}",
            s.len().saturating_sub(1)
        ),
    }
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 with padding (Go's `base32.StdEncoding`).
fn b32enc(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                let idx = usize::try_from((bits >> (35 - i * 5)) & 31).unwrap_or(0);
                out.push(char::from(B32[idx]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b32dec(s: &str) -> String {
    let mut bits: u64 = 0;
    let mut nbits = 0;
    let mut out = Vec::new();
    for (i, c) in s.trim_end_matches('=').bytes().enumerate() {
        let Some(v) = B32.iter().position(|&b| b == c) else {
            return format!("illegal base32 data at input byte {i}");
        };
        bits = (bits << 5) | u64::try_from(v).unwrap_or(0);
        nbits += 5;
        if nbits >= 8 {
            nbits -= 8;
            out.push(u8::try_from((bits >> nbits) & 0xff).unwrap_or(0));
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
