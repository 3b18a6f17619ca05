//! The `jwt` middleware's `claims` expressions, as Traefik Hub writes them:
//! `Equals`, `Prefix`, `Contains`, `SplitContains` and `OneOf` calls on claim keys (nested with
//! `.`, a literal dot written `\.`, a backslash `\\`), joined by `&&`, `||`, `!` and
//! parentheses; arguments are backquoted (or double-quoted) strings. Parsed at validation and
//! when the middleware is built; [`ClaimsExpr::holds`] evaluates one on a token's claims.

use serde_json::Value;

/// A parsed `claims` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimsExpr {
    And(Box<ClaimsExpr>, Box<ClaimsExpr>),
    Or(Box<ClaimsExpr>, Box<ClaimsExpr>),
    Not(Box<ClaimsExpr>),
    Call(ClaimsCall),
}

/// One function call: the claim's key path and the other arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimsCall {
    pub func: ClaimsFn,
    pub key: Vec<String>,
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimsFn {
    /// `Equals(key, value)`.
    Equals,
    /// `Prefix(key, value)`.
    Prefix,
    /// `Contains(key, value)`: a substring of a string, or an element of an array.
    Contains,
    /// `SplitContains(key, separator, value)`.
    SplitContains,
    /// `OneOf(key, value...)`: the claim (or one of its elements) is one of the values.
    OneOf,
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

/// Parses a `claims` expression; the error says what is wrong and where (column, from 1).
pub fn parse_claims(src: &str) -> Result<ClaimsExpr, String> {
    let mut p = Parser { src, pos: 0 };
    let expr = p.or()?;
    p.skip_ws();
    if p.pos < src.len() {
        return Err(p.error("unexpected text after the expression"));
    }
    Ok(expr)
}

// === impl ClaimsExpr ===

impl ClaimsExpr {
    /// Whether the token's `claims` (a JSON object) satisfy the expression.
    pub fn holds(&self, claims: &Value) -> bool {
        match self {
            ClaimsExpr::And(a, b) => a.holds(claims) && b.holds(claims),
            ClaimsExpr::Or(a, b) => a.holds(claims) || b.holds(claims),
            ClaimsExpr::Not(e) => !e.holds(claims),
            ClaimsExpr::Call(call) => call.holds(claims),
        }
    }
}

// === impl ClaimsCall ===

impl ClaimsCall {
    fn holds(&self, claims: &Value) -> bool {
        let Some(value) = claim(claims, &self.key) else {
            return false;
        };
        let arg = |i: usize| self.args.get(i).map(String::as_str).unwrap_or_default();
        match self.func {
            ClaimsFn::Equals => scalar(value).is_some_and(|v| v == arg(0)),
            ClaimsFn::Prefix => scalar(value).is_some_and(|v| v.starts_with(arg(0))),
            ClaimsFn::Contains => match value {
                Value::Array(items) => items.iter().any(|i| scalar(i).is_some_and(|v| v == arg(0))),
                _ => scalar(value).is_some_and(|v| v.contains(arg(0))),
            },
            ClaimsFn::SplitContains => scalar(value)
                .is_some_and(|v| !arg(0).is_empty() && v.split(arg(0)).any(|p| p == arg(1))),
            ClaimsFn::OneOf => {
                let one = |v: &Value| scalar(v).is_some_and(|v| self.args.contains(&v));
                match value {
                    Value::Array(items) => items.iter().any(one),
                    _ => one(value),
                }
            }
        }
    }
}

/// The claim at `path` (nested objects).
pub fn claim<'v>(claims: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(claims, |v, key| v.get(key))
}

/// A scalar claim as text: strings as they are, numbers and booleans as JSON writes them.
pub fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

/// Splits a claim key at unescaped dots (`\.` is a dot, `\\` a backslash).
pub fn claim_path(key: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = key.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next()
                    && let Some(last) = parts.last_mut()
                {
                    last.push(next);
                }
            }
            '.' => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    parts
}

// === impl Parser ===

impl Parser<'_> {
    fn or(&mut self) -> Result<ClaimsExpr, String> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = ClaimsExpr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<ClaimsExpr, String> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            left = ClaimsExpr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<ClaimsExpr, String> {
        if self.eat("!") {
            return Ok(ClaimsExpr::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let inner = self.or()?;
            if !self.eat(")") {
                return Err(self.error("expected `)`"));
            }
            return Ok(inner);
        }
        self.call()
    }

    fn call(&mut self) -> Result<ClaimsExpr, String> {
        self.skip_ws();
        let start = self.pos;
        let name_len = self
            .rest()
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        let name = &self.src[start..start + name_len];
        let func = match name {
            "Equals" => ClaimsFn::Equals,
            "Prefix" => ClaimsFn::Prefix,
            "Contains" => ClaimsFn::Contains,
            "SplitContains" => ClaimsFn::SplitContains,
            "OneOf" => ClaimsFn::OneOf,
            "" => {
                return Err(self.error(
                    "expected a function (Equals, Prefix, Contains, SplitContains, OneOf)",
                ));
            }
            other => {
                return Err(self.error(&format!(
                    "unknown function `{other}` (expected Equals, Prefix, Contains, SplitContains or OneOf)"
                )));
            }
        };
        self.pos += name_len;
        if !self.eat("(") {
            return Err(self.error(&format!("expected `(` after {name}")));
        }
        let mut args = vec![self.string()?];
        while self.eat(",") {
            args.push(self.string()?);
        }
        if !self.eat(")") {
            return Err(self.error("expected `,` or `)`"));
        }
        let wanted = match func {
            ClaimsFn::SplitContains => (3, 3),
            ClaimsFn::OneOf => (2, usize::MAX),
            _ => (2, 2),
        };
        if args.len() < wanted.0 || args.len() > wanted.1 {
            let n = if wanted.0 == wanted.1 {
                wanted.0.to_string()
            } else {
                format!("at least {}", wanted.0)
            };
            return Err(format!(
                "column {}: {name} takes {n} arguments, found {}",
                start + 1,
                args.len()
            ));
        }
        let key = claim_path(&args.remove(0));
        Ok(ClaimsExpr::Call(ClaimsCall { func, key, args }))
    }

    /// A backquoted or double-quoted string (no escapes inside).
    fn string(&mut self) -> Result<String, String> {
        self.skip_ws();
        let Some(quote) = self
            .rest()
            .chars()
            .next()
            .filter(|c| *c == '`' || *c == '"')
        else {
            return Err(self.error("expected a quoted string (`...`)"));
        };
        let body = &self.rest()[1..];
        let Some(end) = body.find(quote) else {
            return Err(self.error("unterminated string"));
        };
        let s = body[..end].to_string();
        self.pos += end + 2;
        Ok(s)
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        self.pos += self.rest().len() - self.rest().trim_start().len();
    }

    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn error(&self, what: &str) -> String {
        format!(
            "column {}: {what}",
            self.src[..self.pos].chars().count() + 1
        )
    }
}

#[cfg(test)]
mod tests;
