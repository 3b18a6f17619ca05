//! The lexer of the predicate language: identifiers, Go-style numbers, operators and the
//! `#<window>` extension; a lexical error becomes the last token.

use std::fmt;

use super::{CompareOp, PredicateError};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Int(i64),
    Float(f64),
    LParen,
    RParen,
    Comma,
    And,
    Or,
    Cmp(CompareOp),
    /// `#10s`: a window (extension), with its text.
    Window(std::time::Duration, String),
    /// A lexical error (always the last token before `End`).
    Error(String),
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(s) => write!(f, "`{s}`"),
            Tok::Int(n) => write!(f, "`{n}`"),
            Tok::Float(n) => write!(f, "`{n:?}`"),
            Tok::LParen => f.write_str("`(`"),
            Tok::RParen => f.write_str("`)`"),
            Tok::Comma => f.write_str("`,`"),
            Tok::And => f.write_str("`&&`"),
            Tok::Or => f.write_str("`||`"),
            Tok::Cmp(op) => write!(f, "`{}`", op_text(*op)),
            Tok::Window(_, text) => write!(f, "`#{text}`"),
            Tok::Error(m) => f.write_str(m),
            Tok::End => f.write_str("the end of the expression"),
        }
    }
}

fn op_text(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Eq => "==",
        CompareOp::Ne => "!=",
    }
}

pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) column: usize,
}

/// Lexes `input`; a lexical error becomes a final `Error` token so that the parser reports
/// problems in source order.
pub(super) fn lex(input: &str) -> Vec<Token> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let at = |j: usize| chars.get(j).copied();
        let two = |tok: Tok| (tok, 2);
        let (tok, len) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            ',' => (Tok::Comma, 1),
            '&' if at(i + 1) == Some('&') => two(Tok::And),
            '|' if at(i + 1) == Some('|') => two(Tok::Or),
            '>' if at(i + 1) == Some('=') => two(Tok::Cmp(CompareOp::Ge)),
            '<' if at(i + 1) == Some('=') => two(Tok::Cmp(CompareOp::Le)),
            '=' if at(i + 1) == Some('=') => two(Tok::Cmp(CompareOp::Eq)),
            '!' if at(i + 1) == Some('=') => two(Tok::Cmp(CompareOp::Ne)),
            '#' => match window(&chars[i + 1..]) {
                Ok((d, text)) => {
                    let len = 1 + text.chars().count();
                    (Tok::Window(d, text), len)
                }
                Err(message) => {
                    out.push(Token {
                        tok: Tok::Error(message),
                        column,
                    });
                    break;
                }
            },
            '>' => (Tok::Cmp(CompareOp::Gt), 1),
            '<' => (Tok::Cmp(CompareOp::Lt), 1),
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                (Tok::Ident(chars[i..i + len].iter().collect()), len)
            }
            c if c.is_ascii_digit()
                || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                match number(&chars[i..], column) {
                    Ok(t) => t,
                    Err(e) => {
                        out.push(Token {
                            tok: Tok::Error(e.message),
                            column,
                        });
                        break;
                    }
                }
            }
            c => {
                out.push(Token {
                    tok: Tok::Error(format!("unexpected character `{c}`")),
                    column,
                });
                break;
            }
        };
        out.push(Token { tok, column });
        i += len;
    }
    out.push(Token {
        tok: Tok::End,
        column: chars.len() + 1,
    });
    out
}

/// Lexes the Go duration after `#` (`10s`, `1m30s`, `500ms`): positive, at most a day.
fn window(chars: &[char]) -> Result<(std::time::Duration, String), String> {
    let text: String = chars
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '.' || **c == 'µ')
        .collect();
    let bad = || format!("invalid window `#{text}` (expected a duration such as `#10s`)");
    if !text.starts_with(|c: char| c.is_ascii_digit()) || text.parse::<i64>().is_ok() {
        return Err(bad());
    }
    let d: crate::types::Duration = text.parse().map_err(|_| bad())?;
    match d.to_std() {
        Some(d) if !d.is_zero() && d <= std::time::Duration::from_secs(86_400) => Ok((d, text)),
        _ => Err(format!("window `#{text}` must be positive and at most 24h")),
    }
}

/// Lexes a Go-style decimal number at the start of `chars`.
fn number(chars: &[char], column: usize) -> Result<(Tok, usize), PredicateError> {
    let digits = |from: usize| {
        chars[from..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut len = digits(0);
    let mut float = false;
    if chars.get(len) == Some(&'.') {
        float = true;
        len += 1 + digits(len + 1);
    }
    if matches!(chars.get(len), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(len + 1), Some('+' | '-')));
        let exp = digits(len + 1 + sign);
        if exp > 0 {
            float = true;
            len += 1 + sign + exp;
        }
    }
    let text: String = chars[..len].iter().collect();
    let bad = |what: &str| PredicateError {
        column,
        message: format!("invalid number `{text}`{what}"),
    };
    if chars
        .get(len)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
    {
        return Err(bad(""));
    }
    let tok = if float {
        let f: f64 = text.parse().map_err(|_| bad(""))?;
        if !f.is_finite() {
            return Err(bad(" (out of range)"));
        }
        Tok::Float(f)
    } else {
        Tok::Int(text.parse().map_err(|_| bad(" (out of range)"))?)
    };
    Ok((tok, len))
}
