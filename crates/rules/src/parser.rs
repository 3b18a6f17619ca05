//! Recursive-descent parser: tokens to a [`Node`] tree of unvalidated [`Call`]s.
//!
//! Grammar (precedence `!` > `&&` > `||`):
//! ```text
//! or      = and { "||" and }
//! and     = unary { "&&" unary }
//! unary   = "!" unary | "(" or ")" | call
//! call    = IDENT "(" [ STRING { "," STRING } [ "," ] ] ")"
//! ```
//! Nesting of `(` and `!` is limited to [`MAX_DEPTH`] so hostile rules cannot overflow the stack.

use crate::ast::{Arg, Call, Node};
use crate::error::{ErrorKind, Found, RuleError};
use crate::lexer::{Spanned, Token, tokenize};

/// Maximum nesting of parentheses and `!`.
pub const MAX_DEPTH: usize = 64;

/// Parses `rule` into an expression tree of calls.
pub(crate) fn parse(rule: &str) -> Result<Node<Call>, RuleError> {
    let tokens = tokenize(rule)?;
    if tokens.len() == 1 {
        return Err(RuleError::at(rule, 0, ErrorKind::Empty));
    }
    let mut p = Parser {
        rule,
        tokens,
        pos: 0,
    };
    let node = p.or(0)?;
    let last = p.peek();
    if last.token != Token::Eof {
        let found = found(&last.token);
        let offset = last.offset;
        return Err(p.err(
            offset,
            ErrorKind::Unexpected {
                expected: "`&&`, `||` or end of rule",
                found,
            },
        ));
    }
    Ok(node)
}

struct Parser<'a> {
    rule: &'a str,
    tokens: Vec<Spanned>,
    pos: usize,
}

// === impl Parser ===

impl Parser<'_> {
    fn peek(&self) -> &Spanned {
        // `tokenize` always ends with Eof and we never advance past it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Spanned {
        let tok = self.peek().clone();
        if tok.token != Token::Eof {
            self.pos += 1;
        }
        tok
    }

    fn err(&self, offset: usize, kind: ErrorKind) -> RuleError {
        RuleError::at(self.rule, offset, kind)
    }

    fn or(&mut self, depth: usize) -> Result<Node<Call>, RuleError> {
        let mut nodes = vec![self.and(depth)?];
        while self.peek().token == Token::Or {
            self.bump();
            nodes.push(self.and(depth)?);
        }
        Ok(collapse(nodes, Node::Any))
    }

    fn and(&mut self, depth: usize) -> Result<Node<Call>, RuleError> {
        let mut nodes = vec![self.unary(depth)?];
        while self.peek().token == Token::And {
            self.bump();
            nodes.push(self.unary(depth)?);
        }
        Ok(collapse(nodes, Node::All))
    }

    fn unary(&mut self, depth: usize) -> Result<Node<Call>, RuleError> {
        let tok = self.bump();
        if matches!(tok.token, Token::Not | Token::LParen) && depth >= MAX_DEPTH {
            return Err(self.err(tok.offset, ErrorKind::TooDeep(MAX_DEPTH)));
        }
        match tok.token {
            Token::Not => Ok(Node::Not(Box::new(self.unary(depth + 1)?))),
            Token::LParen => {
                let inner = self.or(depth + 1)?;
                self.expect_close("`)`, `&&` or `||`")?;
                Ok(inner)
            }
            Token::Ident(name) => self.call(name, tok.offset),
            other => Err(self.err(tok.offset, ErrorKind::ExpectedMatcher(found(&other)))),
        }
    }

    fn call(&mut self, name: String, offset: usize) -> Result<Node<Call>, RuleError> {
        if self.peek().token != Token::LParen {
            return Err(self.err(offset, ErrorKind::NotACall(name)));
        }
        self.bump();
        let mut args = Vec::new();
        loop {
            let tok = self.bump();
            match tok.token {
                Token::RParen => break,
                Token::Str(value) => args.push(Arg {
                    value,
                    offset: tok.offset,
                }),
                other => return Err(self.err(tok.offset, ErrorKind::ExpectedString(found(&other)))),
            }
            let sep = self.bump();
            match sep.token {
                Token::Comma => continue,
                Token::RParen => break,
                other => {
                    let found = found(&other);
                    return Err(self.err(
                        sep.offset,
                        ErrorKind::Unexpected {
                            expected: "`,` or `)`",
                            found,
                        },
                    ));
                }
            }
        }
        Ok(Node::Leaf(Call { name, offset, args }))
    }

    fn expect_close(&mut self, expected: &'static str) -> Result<(), RuleError> {
        let tok = self.bump();
        match tok.token {
            Token::RParen => Ok(()),
            other => Err(self.err(
                tok.offset,
                ErrorKind::Unexpected {
                    expected,
                    found: found(&other),
                },
            )),
        }
    }
}

fn collapse(mut nodes: Vec<Node<Call>>, wrap: fn(Vec<Node<Call>>) -> Node<Call>) -> Node<Call> {
    match nodes.pop() {
        Some(only) if nodes.is_empty() => only,
        Some(last) => {
            nodes.push(last);
            wrap(nodes)
        }
        None => wrap(nodes),
    }
}

fn found(token: &Token) -> Found {
    match token {
        Token::Ident(name) => Found::Identifier(name.clone()),
        Token::Str(_) => Found::Str,
        Token::LParen => Found::Symbol("("),
        Token::RParen => Found::Symbol(")"),
        Token::Comma => Found::Symbol(","),
        Token::Not => Found::Symbol("!"),
        Token::And => Found::Symbol("&&"),
        Token::Or => Found::Symbol("||"),
        Token::Unknown(c) => Found::Char(*c),
        Token::Eof => Found::EndOfRule,
    }
}

#[cfg(test)]
mod tests;
