//! The predicate language of `circuitBreaker.expression` and `buffering.retryExpression`
//! (vulcand/oxy): metric calls compared with numbers, combined with `&&`, `||` and parentheses.
//!
//! Two Waygate extensions, for expressions found in the wild (docs/compat.md):
//! `RecentRequests#<window>` (requests seen in the last `<window>`, a Go duration such as
//! `10s`: a volume guard) and `ConsecutiveErrors()` (server errors in a row, no window).

use std::fmt;

use self::lex::{Tok, Token, lex};

mod lex;

/// Deepest parenthesis nesting accepted.
const MAX_DEPTH: usize = 32;
/// Most conditions (comparisons or boolean calls) in one expression.
const MAX_CONDITIONS: usize = 128;

/// Which functions an expression may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredicateDialect {
    /// `circuitBreaker.expression`.
    CircuitBreaker,
    /// `buffering.retryExpression`.
    Retry,
}

/// A parsed predicate.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    And(Box<Predicate>, Box<Predicate>),
    Or(Box<Predicate>, Box<Predicate>),
    /// `Metric() <op> number`.
    Compare {
        metric: PredicateMetric,
        op: CompareOp,
        value: PredicateNumber,
    },
    /// A boolean function on its own (`IsNetworkError()`).
    Is(PredicateMetric),
}

/// A function of the language.
#[derive(Debug, Clone, PartialEq)]
pub enum PredicateMetric {
    NetworkErrorRatio,
    /// Ratio of responses with codes in `[from, to)` to those in `[div_from, div_to)`.
    ResponseCodeRatio {
        from: i64,
        to: i64,
        div_from: i64,
        div_to: i64,
    },
    /// `LatencyAtQuantileMS(q)`.
    LatencyAtQuantileMs(f64),
    /// Extension: `RecentRequests#10s`, requests seen within the window.
    RecentRequests(std::time::Duration),
    /// Extension: `ConsecutiveErrors()`, responses ≥ 500 in a row.
    ConsecutiveErrors,
    Attempts,
    ResponseCode,
    IsNetworkError,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

/// A number literal, keeping whether it was written as an integer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PredicateNumber {
    Int(i64),
    Float(f64),
}

impl CompareOp {
    /// `value <op> limit`, as oxy compares a metric with a literal.
    pub fn holds(self, value: f64, limit: f64) -> bool {
        match self {
            CompareOp::Gt => value > limit,
            CompareOp::Ge => value >= limit,
            CompareOp::Lt => value < limit,
            CompareOp::Le => value <= limit,
            CompareOp::Eq => value == limit,
            CompareOp::Ne => value != limit,
        }
    }
}

impl PredicateNumber {
    pub fn as_f64(self) -> f64 {
        match self {
            PredicateNumber::Int(i) => i as f64,
            PredicateNumber::Float(f) => f,
        }
    }
}

/// Why an expression did not parse; `column` is 1-based, in characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PredicateError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for PredicateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for PredicateError {}

#[derive(Clone, Copy)]
enum Args {
    None,
    FourInts,
    OneFloat,
    /// `#<duration>` instead of parentheses.
    Window,
}

struct Func {
    name: &'static str,
    dialect: PredicateDialect,
    boolean: bool,
    args: Args,
}

const FUNCS: &[Func] = &[
    func(
        "NetworkErrorRatio",
        PredicateDialect::CircuitBreaker,
        false,
        Args::None,
    ),
    func(
        "ResponseCodeRatio",
        PredicateDialect::CircuitBreaker,
        false,
        Args::FourInts,
    ),
    func(
        "LatencyAtQuantileMS",
        PredicateDialect::CircuitBreaker,
        false,
        Args::OneFloat,
    ),
    func(
        "ConsecutiveErrors",
        PredicateDialect::CircuitBreaker,
        false,
        Args::None,
    ),
    func(
        "RecentRequests",
        PredicateDialect::CircuitBreaker,
        false,
        Args::Window,
    ),
    func("Attempts", PredicateDialect::Retry, false, Args::None),
    func("ResponseCode", PredicateDialect::Retry, false, Args::None),
    func("IsNetworkError", PredicateDialect::Retry, true, Args::None),
];

const fn func(name: &'static str, dialect: PredicateDialect, boolean: bool, args: Args) -> Func {
    Func {
        name,
        dialect,
        boolean,
        args,
    }
}

/// Parses `input` in `dialect`.
pub fn parse_predicate(
    input: &str,
    dialect: PredicateDialect,
) -> Result<Predicate, PredicateError> {
    let tokens = lex(input);
    let mut p = Parser {
        tokens,
        next: 0,
        dialect,
        conditions: 0,
    };
    if p.peek().tok == Tok::End {
        return Err(p.error_here("the expression is empty"));
    }
    let expr = p.or(0)?;
    match p.peek().tok {
        Tok::End => Ok(expr),
        _ => Err(p.error_here(&format!("unexpected {}", p.peek().tok))),
    }
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    dialect: PredicateDialect,
    conditions: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        // `lex` always ends the list with `End`, which is never consumed past.
        &self.tokens[self.next.min(self.tokens.len() - 1)]
    }

    fn bump(&mut self) -> Tok {
        let tok = self.peek().tok.clone();
        if tok != Tok::End {
            self.next += 1;
        }
        tok
    }

    fn error_here(&self, message: &str) -> PredicateError {
        let message = match &self.peek().tok {
            Tok::Error(lexical) => lexical,
            _ => message,
        };
        PredicateError {
            column: self.peek().column,
            message: message.to_string(),
        }
    }

    fn expect(&mut self, tok: &Tok, what: &str) -> Result<(), PredicateError> {
        if &self.peek().tok == tok {
            self.bump();
            Ok(())
        } else {
            Err(self.error_here(&format!("expected {what}, found {}", self.peek().tok)))
        }
    }

    fn or(&mut self, depth: usize) -> Result<Predicate, PredicateError> {
        let mut left = self.and(depth)?;
        while self.peek().tok == Tok::Or {
            self.bump();
            let right = self.and(depth)?;
            left = Predicate::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Predicate, PredicateError> {
        let mut left = self.primary(depth)?;
        while self.peek().tok == Tok::And {
            self.bump();
            let right = self.primary(depth)?;
            left = Predicate::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn primary(&mut self, depth: usize) -> Result<Predicate, PredicateError> {
        match self.peek().tok.clone() {
            Tok::LParen => {
                if depth >= MAX_DEPTH {
                    return Err(self.error_here(&format!(
                        "parentheses nested too deeply (at most {MAX_DEPTH} levels)"
                    )));
                }
                self.bump();
                let inner = self.or(depth + 1)?;
                self.expect(&Tok::RParen, "`)`")?;
                Ok(inner)
            }
            Tok::Ident(name) => self.condition(&name),
            other => {
                Err(self.error_here(&format!("expected a function call or `(`, found {other}")))
            }
        }
    }

    fn condition(&mut self, name: &str) -> Result<Predicate, PredicateError> {
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(self.error_here(&format!("too many conditions (at most {MAX_CONDITIONS})")));
        }
        let Some(func) = FUNCS
            .iter()
            .find(|f| f.name == name && f.dialect == self.dialect)
        else {
            let known: Vec<_> = FUNCS
                .iter()
                .filter(|f| f.dialect == self.dialect)
                .map(|f| match f.args {
                    Args::Window => format!("{}#<window>", f.name),
                    _ => format!("{}()", f.name),
                })
                .collect();
            return Err(self.error_here(&format!(
                "unknown function `{name}`; expected one of {}",
                known.join(", ")
            )));
        };
        self.bump();
        let metric = if let Args::Window = func.args {
            let Tok::Window(d, _) = self.peek().tok else {
                return Err(self.error_here(&format!(
                    "`{name}` takes a window such as `{name}#10s`, found {}",
                    self.peek().tok
                )));
            };
            self.bump();
            PredicateMetric::RecentRequests(d)
        } else {
            self.expect(&Tok::LParen, &format!("`(` after `{name}`"))?;
            let m = self.arguments(func)?;
            self.expect(
                &Tok::RParen,
                &format!("`)` closing the arguments of `{name}`"),
            )?;
            m
        };
        let display = if let PredicateMetric::RecentRequests(_) = metric {
            name.to_string()
        } else {
            format!("{name}()")
        };
        if func.boolean {
            if let Tok::Cmp(_) = self.peek().tok {
                return Err(
                    self.error_here(&format!("`{name}()` is a condition and cannot be compared"))
                );
            }
            return Ok(Predicate::Is(metric));
        }
        let Tok::Cmp(op) = self.peek().tok else {
            return Err(self.error_here(&format!(
                "expected a comparison (>, >=, <, <=, ==, !=) after `{display}`, found {}",
                self.peek().tok
            )));
        };
        self.bump();
        let value = match self.peek().tok {
            Tok::Int(n) => PredicateNumber::Int(n),
            Tok::Float(n) => PredicateNumber::Float(n),
            ref other => return Err(self.error_here(&format!("expected a number, found {other}"))),
        };
        self.bump();
        Ok(Predicate::Compare { metric, op, value })
    }

    fn arguments(&mut self, func: &Func) -> Result<PredicateMetric, PredicateError> {
        let name = func.name;
        let metric = match func.args {
            Args::None => match name {
                "NetworkErrorRatio" => PredicateMetric::NetworkErrorRatio,
                "ConsecutiveErrors" => PredicateMetric::ConsecutiveErrors,
                "Attempts" => PredicateMetric::Attempts,
                "ResponseCode" => PredicateMetric::ResponseCode,
                _ => PredicateMetric::IsNetworkError,
            },
            // Read by `condition` (no parentheses); never reached with this kind.
            Args::Window => PredicateMetric::RecentRequests(std::time::Duration::ZERO),
            Args::OneFloat => match self.peek().tok {
                Tok::Float(q) => {
                    self.bump();
                    PredicateMetric::LatencyAtQuantileMs(q)
                }
                _ => {
                    return Err(self.error_here(&format!(
                        "`{name}` takes one float literal such as `50.0`, found {}",
                        self.peek().tok
                    )));
                }
            },
            Args::FourInts => {
                let mut ints = [0i64; 4];
                for (i, slot) in ints.iter_mut().enumerate() {
                    if i > 0 {
                        self.expect(
                            &Tok::Comma,
                            &format!("`,` (`{name}` takes 4 integer arguments)"),
                        )?;
                    }
                    let Tok::Int(n) = self.peek().tok else {
                        return Err(self.error_here(&format!(
                            "`{name}` takes 4 integer arguments (from, to, divFrom, divTo), found {}",
                            self.peek().tok
                        )));
                    };
                    self.bump();
                    *slot = n;
                }
                let [from, to, div_from, div_to] = ints;
                PredicateMetric::ResponseCodeRatio {
                    from,
                    to,
                    div_from,
                    div_to,
                }
            }
        };
        if matches!(func.args, Args::None) && self.peek().tok != Tok::RParen {
            return Err(self.error_here(&format!("`{name}` takes no arguments")));
        }
        Ok(metric)
    }
}

#[cfg(test)]
mod tests;
