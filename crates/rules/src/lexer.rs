//! Tokenizer for the rule language (a subset of Go expression syntax).
//!
//! Produces identifiers, decoded string literals, `(` `)` `,` `!` `&&` `||`. Whitespace, including
//! newlines, separates tokens (Go would reject a newline *before* `&&`; we accept it).

mod literal;

use crate::error::{ErrorKind, RuleError};

/// One token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spanned {
    pub(crate) token: Token,
    pub(crate) offset: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    Ident(String),
    Str(String),
    LParen,
    RParen,
    Comma,
    Not,
    And,
    Or,
    /// A character that starts no token; the parser reports it where it knows what was expected.
    Unknown(char),
    Eof,
}

/// Splits `rule` into tokens; the last token is always [`Token::Eof`].
pub(crate) fn tokenize(rule: &str) -> Result<Vec<Spanned>, RuleError> {
    let bytes = rule.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let err = |kind| RuleError::at(rule, start, kind);
        let token = match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'(' => single(&mut i, Token::LParen),
            b')' => single(&mut i, Token::RParen),
            b',' => single(&mut i, Token::Comma),
            b'!' => single(&mut i, Token::Not),
            b'&' if bytes.get(i + 1) == Some(&b'&') => double(&mut i, Token::And),
            b'|' if bytes.get(i + 1) == Some(&b'|') => double(&mut i, Token::Or),
            b'`' => {
                let (value, end) =
                    literal::raw(rule, i).map_err(|(at, k)| RuleError::at(rule, at, k))?;
                i = end;
                Token::Str(value)
            }
            b'"' => {
                let (value, end) =
                    literal::quoted(rule, i).map_err(|(at, k)| RuleError::at(rule, at, k))?;
                i = end;
                Token::Str(value)
            }
            b'\'' => return Err(err(ErrorKind::SingleQuote)),
            b if b.is_ascii_alphanumeric() || b == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                Token::Ident(rule[start..i].to_owned())
            }
            _ => {
                let c = rule[i..].chars().next().unwrap_or('\u{fffd}');
                i += c.len_utf8().max(1);
                Token::Unknown(c)
            }
        };
        out.push(Spanned {
            token,
            offset: start,
        });
    }
    out.push(Spanned {
        token: Token::Eof,
        offset: rule.len(),
    });
    Ok(out)
}

fn single(i: &mut usize, token: Token) -> Token {
    *i += 1;
    token
}

fn double(i: &mut usize, token: Token) -> Token {
    *i += 2;
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(rule: &str) -> Vec<Token> {
        tokenize(rule)
            .expect("tokenizes")
            .into_iter()
            .map(|s| s.token)
            .collect()
    }

    #[test]
    fn operators_and_calls() {
        assert_eq!(
            kinds("!Host(`a`) && (P(\"b\") || x)"),
            vec![
                Token::Not,
                Token::Ident("Host".into()),
                Token::LParen,
                Token::Str("a".into()),
                Token::RParen,
                Token::And,
                Token::LParen,
                Token::Ident("P".into()),
                Token::LParen,
                Token::Str("b".into()),
                Token::RParen,
                Token::Or,
                Token::Ident("x".into()),
                Token::RParen,
                Token::Eof,
            ]
        );
    }

    #[test]
    fn stray_characters() {
        assert_eq!(kinds("&")[0], Token::Unknown('&'));
        assert_eq!(kinds("é"), vec![Token::Unknown('é'), Token::Eof]);
        assert!(matches!(
            tokenize("Host('a')").map_err(|e| e.kind),
            Err(ErrorKind::SingleQuote)
        ));
    }
}
