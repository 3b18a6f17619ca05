//! Go's quoted literals: `"…"` strings with escapes, `` `…` `` raw strings and `'…'`
//! character constants (Go's `strconv.Unquote` rules).

use super::Lexer;
use crate::error::Error;

// === impl Lexer ===

impl Lexer<'_> {
    /// A `"…"` string after its opening quote, unescaped.
    pub(super) fn quoted(&mut self, start: usize) -> Result<String, Error> {
        let body = self.pos;
        loop {
            match self.bump() {
                Some('\\') => {
                    if matches!(self.bump(), None | Some('\n')) {
                        return Err(self.err(start, "unterminated quoted string"));
                    }
                }
                None | Some('\n') => return Err(self.err(start, "unterminated quoted string")),
                Some('"') => break,
                Some(_) => {}
            }
        }
        unescape(&self.src[body..self.pos - 1], '"').map_err(|m| self.err(start, m))
    }

    /// A raw string after its opening backquote; carriage returns are dropped, as in Go.
    pub(super) fn raw(&mut self, start: usize) -> Result<String, Error> {
        let body = self.pos;
        let Some(len) = self.src[body..].find('`') else {
            return Err(self.err(start, "unterminated raw quoted string"));
        };
        self.pos = body + len + 1;
        Ok(self.src[body..body + len].replace('\r', ""))
    }

    /// A `'x'` character constant after its opening quote.
    pub(super) fn char_const(&mut self, start: usize) -> Result<char, Error> {
        let body = self.pos;
        loop {
            match self.bump() {
                Some('\\') => {
                    if matches!(self.bump(), None | Some('\n')) {
                        return Err(self.err(start, "unterminated character constant"));
                    }
                }
                None | Some('\n') => {
                    return Err(self.err(start, "unterminated character constant"));
                }
                Some('\'') => break,
                Some(_) => {}
            }
        }
        let text = unescape(&self.src[body..self.pos - 1], '\'').map_err(|m| self.err(start, m))?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(self.err(start, "malformed character constant")),
        }
    }
}

/// Resolves Go escapes in the body of a literal quoted with `quote`.
fn unescape(body: &str, quote: char) -> Result<String, String> {
    if !body.contains('\\') {
        return Ok(body.to_string());
    }
    let mut out: Vec<u8> = Vec::with_capacity(body.len());
    let mut chars = body.chars();
    let push = |out: &mut Vec<u8>, c: char| {
        let mut buf = [0; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    };
    while let Some(c) = chars.next() {
        if c != '\\' {
            push(&mut out, c);
            continue;
        }
        let Some(e) = chars.next() else {
            return Err("invalid syntax".into());
        };
        let simple = match e {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' => Some('\\'),
            '\'' | '"' if e == quote => Some(e),
            _ => None,
        };
        if let Some(s) = simple {
            push(&mut out, s);
            continue;
        }
        let digits = |chars: &mut std::str::Chars<'_>, n: usize, radix: u32| {
            let text: String = chars.by_ref().take(n).collect();
            if text.len() != n {
                return None;
            }
            u32::from_str_radix(&text, radix).ok()
        };
        match e {
            'x' => match digits(&mut chars, 2, 16) {
                Some(b) => out.push(u8::try_from(b).map_err(|_| "invalid syntax")?),
                None => return Err("invalid \\x escape".into()),
            },
            '0'..='7' => {
                let rest = digits(&mut chars, 2, 8).ok_or("invalid octal escape")?;
                let v = e.to_digit(8).unwrap_or(0) * 64 + rest;
                out.push(u8::try_from(v).map_err(|_| "octal escape value > 255")?);
            }
            'u' | 'U' => {
                let n = if e == 'u' { 4 } else { 8 };
                let c = digits(&mut chars, n, 16)
                    .and_then(char::from_u32)
                    .ok_or(format!("invalid \\{e} escape"))?;
                push(&mut out, c);
            }
            other => return Err(format!("unknown escape sequence: \\{other}")),
        }
    }
    String::from_utf8(out).map_err(|_| "string is not valid UTF-8".to_string())
}
