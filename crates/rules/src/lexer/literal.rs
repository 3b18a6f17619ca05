//! Go string literals: backtick raw strings and double-quoted strings with Go escapes.
//!
//! Go strings are byte strings; a literal whose bytes (after `\x`/octal escapes) are not valid
//! UTF-8 is rejected, since every consumer of rule values works on `str`.

use crate::error::ErrorKind;

type LitResult = Result<(String, usize), (usize, ErrorKind)>;

/// Parses a raw string starting at the backtick at `start`; returns the value and the end offset.
/// Like Go, carriage returns inside raw strings are discarded.
pub(super) fn raw(src: &str, start: usize) -> LitResult {
    let body = &src[start + 1..];
    match body.find('`') {
        Some(len) => Ok((body[..len].replace('\r', ""), start + 1 + len + 1)),
        None => Err((start, ErrorKind::UnterminatedString)),
    }
}

/// Parses a double-quoted string starting at the quote at `start`.
pub(super) fn quoted(src: &str, start: usize) -> LitResult {
    let bytes = src.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut i = start + 1;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err((start, ErrorKind::UnterminatedString));
        };
        match b {
            b'"' => break,
            b'\n' => return Err((i, ErrorKind::NewlineInString)),
            b'\\' => i = escape(bytes, i, &mut out)?,
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(s) => Ok((s, i + 1)),
        Err(_) => Err((start, ErrorKind::InvalidUtf8)),
    }
}

/// Decodes the escape at `bytes[at] == b'\\'`, returning the offset after it.
fn escape(bytes: &[u8], at: usize, out: &mut Vec<u8>) -> Result<usize, (usize, ErrorKind)> {
    let err = |msg| Err((at, ErrorKind::InvalidEscape(msg)));
    let Some(&c) = bytes.get(at + 1) else {
        return err("backslash at end of string");
    };
    let simple = match c {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'"' => Some(b'"'),
        _ => None,
    };
    if let Some(v) = simple {
        out.push(v);
        return Ok(at + 2);
    }
    match c {
        b'x' => {
            let Some(v) = digits(bytes, at + 2, 2, 16) else {
                return err("\\x needs exactly 2 hex digits");
            };
            out.push(v as u8);
            Ok(at + 4)
        }
        b'0'..=b'7' => match digits(bytes, at + 1, 3, 8) {
            Some(v) if v <= 255 => {
                out.push(v as u8);
                Ok(at + 4)
            }
            Some(_) => err("octal escape value > 255"),
            None => err("octal escape needs exactly 3 digits"),
        },
        b'u' | b'U' => {
            let n = if c == b'u' { 4 } else { 8 };
            let Some(ch) = digits(bytes, at + 2, n, 16).and_then(char::from_u32) else {
                return err("invalid Unicode escape (\\uNNNN or \\UNNNNNNNN, valid code point)");
            };
            let mut buf = [0; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            Ok(at + 2 + n)
        }
        _ => err("unknown escape"),
    }
}

/// Reads exactly `n` digits in `radix` at `from`.
fn digits(bytes: &[u8], from: usize, n: usize, radix: u32) -> Option<u32> {
    let slice = bytes.get(from..from + n)?;
    slice.iter().try_fold(0u32, |acc, &b| {
        let d = char::from(b).to_digit(radix)?;
        Some(acc * radix + d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Result<String, ErrorKind> {
        quoted(s, 0).map(|(v, _)| v).map_err(|(_, k)| k)
    }

    #[test]
    fn go_escapes() {
        assert_eq!(q(r#""a\\.b\"c""#), Ok("a\\.b\"c".to_owned()));
        assert_eq!(
            q(r#""\n\t\x41\101\u00e9\U0001F9AD""#),
            Ok("\n\tAAé🦭".to_owned())
        );
        assert_eq!(q(r#""\xff""#), Err(ErrorKind::InvalidUtf8));
        assert!(matches!(q(r#""\x4""#), Err(ErrorKind::InvalidEscape(_))));
        assert!(matches!(q(r#""\'""#), Err(ErrorKind::InvalidEscape(_))));
        assert!(matches!(q(r#""\ud800""#), Err(ErrorKind::InvalidEscape(_))));
        assert!(matches!(q(r#""\400""#), Err(ErrorKind::InvalidEscape(_))));
        assert!(matches!(q("\"abc\\"), Err(ErrorKind::InvalidEscape(_))));
        assert_eq!(q("\"abc"), Err(ErrorKind::UnterminatedString));
        assert_eq!(q("\"a\nb\""), Err(ErrorKind::NewlineInString));
    }

    #[test]
    fn raw_strings() {
        assert_eq!(raw("`a\\.b\r\nc`x", 0), Ok(("a\\.b\nc".to_owned(), 9)));
        assert!(raw("`abc", 0).is_err());
    }
}
