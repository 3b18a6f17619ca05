//! Recursive-descent parser for constraint expressions, with a nesting limit so a hostile
//! expression cannot exhaust the stack.

use crate::suggest::suggest as did_you_mean;
use regex::Regex;

use super::{Constraint, ConstraintError};

/// How deeply `!` and parentheses may nest.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

pub(super) fn parse(src: &str) -> Result<Constraint, ConstraintError> {
    let mut p = Parser { src, pos: 0 };
    p.skip_ws();
    if p.pos == src.len() {
        return Err(p.err("empty expression"));
    }
    let c = p.or(0)?;
    p.skip_ws();
    if p.pos != src.len() {
        return Err(p.err("unexpected text after the expression"));
    }
    Ok(c)
}

// === impl Parser ===

impl Parser<'_> {
    fn or(&mut self, depth: usize) -> Result<Constraint, ConstraintError> {
        let mut left = self.and(depth)?;
        while self.eat("||") {
            let right = self.and(depth)?;
            left = Constraint::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Constraint, ConstraintError> {
        let mut left = self.unary(depth)?;
        while self.eat("&&") {
            let right = self.unary(depth)?;
            left = Constraint::And(Box::new(left), Box::new(right));
        }
        self.skip_ws();
        if self.rest().starts_with('&') && !self.rest().starts_with("&&")
            || self.rest().starts_with('|') && !self.rest().starts_with("||")
        {
            return Err(self.err("use `&&` and `||` for and/or"));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Constraint, ConstraintError> {
        if depth > MAX_DEPTH {
            return Err(self.err("expression nested too deeply"));
        }
        if self.eat("!") {
            return Ok(Constraint::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.eat("(") {
            let inner = self.or(depth + 1)?;
            self.expect(")")?;
            return Ok(inner);
        }
        self.call()
    }

    fn call(&mut self) -> Result<Constraint, ConstraintError> {
        self.skip_ws();
        let start = self.pos;
        let name: String = self
            .rest()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            return Err(self.err("expected `Label(…)`, `LabelRegex(…)`, `!` or `(`"));
        }
        self.pos += name.len();
        const FUNCS: [&str; 2] = ["Label", "LabelRegex"];
        if !FUNCS.contains(&name.as_str()) {
            let hint = did_you_mean(&name, FUNCS)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(ConstraintError {
                message: format!("unknown function `{name}`{hint}"),
                at: start,
            });
        }
        self.expect("(")?;
        let key = self.string()?;
        self.expect(",")?;
        let value_at = self.pos;
        let value = self.string()?;
        self.expect(")")?;
        if name == "Label" {
            return Ok(Constraint::Label(key, value));
        }
        let re = Regex::new(&value).map_err(|e| ConstraintError {
            message: format!("invalid regex `{value}`: {e}"),
            at: value_at,
        })?;
        Ok(Constraint::LabelRegex(key, re))
    }

    fn string(&mut self) -> Result<String, ConstraintError> {
        self.skip_ws();
        let quote = match self.rest().chars().next() {
            Some(q @ ('"' | '`')) => q,
            _ => return Err(self.err("expected a quoted string")),
        };
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                c if c == quote => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\\' if quote == '"' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => out.push(e),
                    _ => return Err(self.err("bad escape in string")),
                },
                c => out.push(c),
            }
        }
        Err(self.err("unterminated string"))
    }

    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.src.len() - trimmed.len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        let ok = self.rest().starts_with(token);
        if ok {
            self.pos += token.len();
        }
        ok
    }

    fn expect(&mut self, token: &str) -> Result<(), ConstraintError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.err(&format!("expected `{token}`")))
        }
    }

    fn err(&self, message: &str) -> ConstraintError {
        ConstraintError {
            message: message.to_string(),
            at: self.pos,
        }
    }
}
