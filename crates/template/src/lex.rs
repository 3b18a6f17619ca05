//! Template text → tokens, following Go's `text/template/parse/lex.go`: text between
//! actions (with `{{-`/`-}}` trimming applied), comments dropped, and inside actions the
//! words, literals and punctuation the parser needs, spaces included (they separate
//! arguments and decide whether `.Field` continues a chain).

mod quote;

use crate::error::Error;

/// Go's keywords (`break` and `continue` included: they are only keywords in Go when no
/// function has their name, and none does here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    Block,
    Break,
    Continue,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Text(String),
    LeftDelim,
    RightDelim,
    Space,
    /// `=`
    Assign,
    /// `:=`
    Declare,
    Pipe,
    LeftParen,
    RightParen,
    /// Any other printable ASCII character (`,` separates range variables).
    Char(char),
    Bool(bool),
    CharConst(char),
    Number(String),
    /// A quoted or raw string, unquoted.
    Str(String),
    /// `.Name` (the name without the dot).
    Field(String),
    /// `$name`, or `$` alone (with the `$`).
    Variable(String),
    Ident(String),
    Dot,
    Keyword(Keyword),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    /// Byte offsets of the token in the template.
    pub(crate) pos: usize,
    pub(crate) end: usize,
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    paren_depth: usize,
    /// Where the current action's `{{` is.
    action_start: usize,
}

/// Splits `src` into tokens, ending with [`Kind::Eof`].
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, Error> {
    let mut l = Lexer {
        src,
        pos: 0,
        tokens: Vec::new(),
        paren_depth: 0,
        action_start: 0,
    };
    while l.text() {
        l.left_delim()?;
    }
    Ok(l.tokens)
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// `-` then a space, right after `{{`.
fn has_left_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(char::from(b[1]))
}

/// A space then `-`, right before `}}`.
fn has_right_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(char::from(b[0])) && b[1] == b'-'
}

fn leading_space_len(s: &str) -> usize {
    s.len() - s.trim_start_matches(is_space).len()
}

// === impl Lexer ===

impl Lexer<'_> {
    fn push(&mut self, kind: Kind, pos: usize) {
        self.tokens.push(Token {
            kind,
            pos,
            end: self.pos,
        });
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn err(&self, at: usize, msg: impl Into<String>) -> Error {
        Error::at(self.src, at, msg)
    }

    /// Text up to the next `{{`; false at the end of the input.
    fn text(&mut self) -> bool {
        let base = self.pos;
        let rest = &self.src[base..];
        let Some(x) = rest.find("{{") else {
            self.pos = self.src.len();
            if !rest.is_empty() {
                self.push(Kind::Text(rest.to_string()), base);
            }
            self.push(Kind::Eof, self.pos);
            return false;
        };
        let mut text = &rest[..x];
        if has_left_trim(&rest[x + 2..]) {
            text = text.trim_end_matches(is_space);
        }
        if !text.is_empty() {
            self.pos = base + text.len();
            self.push(Kind::Text(text.to_string()), base);
        }
        self.pos = base + x;
        true
    }

    /// `{{`, then a comment or an action.
    fn left_delim(&mut self) -> Result<(), Error> {
        let start = self.pos;
        self.pos += 2;
        let marker = if has_left_trim(&self.src[self.pos..]) {
            2
        } else {
            0
        };
        if self.src[self.pos + marker..].starts_with("/*") {
            self.pos += marker;
            return self.comment(start);
        }
        self.push(Kind::LeftDelim, start);
        self.action_start = start;
        self.pos += marker;
        self.paren_depth = 0;
        self.action()
    }

    fn comment(&mut self, start: usize) -> Result<(), Error> {
        self.pos += 2;
        let Some(x) = self.src[self.pos..].find("*/") else {
            return Err(self.err(start, "unclosed comment"));
        };
        self.pos += x + 2;
        let Some(trim) = self.at_right_delim() else {
            return Err(self.err(start, "comment ends before closing delimiter"));
        };
        self.pos += if trim { 4 } else { 2 };
        if trim {
            self.pos += leading_space_len(&self.src[self.pos..]);
        }
        Ok(())
    }

    /// `Some(trim)` when the input continues with `}}` or ` -}}`.
    fn at_right_delim(&self) -> Option<bool> {
        let rest = &self.src[self.pos..];
        if has_right_trim(rest) && rest[2..].starts_with("}}") {
            Some(true)
        } else if rest.starts_with("}}") {
            Some(false)
        } else {
            None
        }
    }

    /// The inside of an action, up to and including its `}}`.
    fn action(&mut self) -> Result<(), Error> {
        loop {
            if let Some(trim) = self.at_right_delim() {
                if self.paren_depth != 0 {
                    return Err(self.err(self.pos, "unclosed left paren"));
                }
                if trim {
                    self.pos += 2;
                }
                let start = self.pos;
                self.pos += 2;
                self.push(Kind::RightDelim, start);
                if trim {
                    self.pos += leading_space_len(&self.src[self.pos..]);
                }
                return Ok(());
            }
            let start = self.pos;
            let Some(c) = self.bump() else {
                return Err(self.err(self.action_start, "unclosed action"));
            };
            let kind = match c {
                c if is_space(c) => {
                    self.space(start);
                    continue;
                }
                '=' => Kind::Assign,
                ':' => {
                    if self.bump() != Some('=') {
                        return Err(self.err(start, "expected :="));
                    }
                    Kind::Declare
                }
                '|' => Kind::Pipe,
                '"' => Kind::Str(self.quoted(start)?),
                '`' => Kind::Str(self.raw(start)?),
                '\'' => Kind::CharConst(self.char_const(start)?),
                '$' => Kind::Variable(format!("${}", self.word(start)?)),
                '.' if !self.peek().is_some_and(|c| c.is_ascii_digit()) => {
                    let name = self.word(start)?;
                    if name.is_empty() {
                        Kind::Dot
                    } else {
                        Kind::Field(name)
                    }
                }
                '.' | '+' | '-' | '0'..='9' => {
                    self.pos = start;
                    Kind::Number(self.number(start)?)
                }
                c if is_alnum(c) => {
                    self.pos = start;
                    self.word(start)?;
                    ident(&self.src[start..self.pos])
                }
                '(' => {
                    self.paren_depth += 1;
                    Kind::LeftParen
                }
                ')' => {
                    if self.paren_depth == 0 {
                        return Err(self.err(start, "unexpected right paren"));
                    }
                    self.paren_depth -= 1;
                    Kind::RightParen
                }
                c if c.is_ascii() && !c.is_ascii_control() => Kind::Char(c),
                c => {
                    let msg = format!("unrecognized character in action: {c:?}");
                    return Err(self.err(start, msg));
                }
            };
            self.push(kind, start);
        }
    }

    /// A run of spaces; the last one belongs to a following `-}}`.
    fn space(&mut self, start: usize) {
        while self.peek().is_some_and(is_space) {
            self.bump();
        }
        if self.src[self.pos..].starts_with("-}}") {
            self.pos -= 1;
            if self.pos == start {
                return;
            }
        }
        self.push(Kind::Space, start);
    }

    /// The alphanumeric word after `.` or `$` (or an identifier), which must end at a
    /// terminator.
    fn word(&mut self, start: usize) -> Result<String, Error> {
        let from = self.pos;
        while self.peek().is_some_and(is_alnum) {
            self.bump();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or(' ');
            return Err(self.err(start, format!("bad character {c:?}")));
        }
        Ok(self.src[from..self.pos].to_string())
    }

    /// What may follow a word: a space, the end, `.`, `,`, `|`, `:`, `(`, `)` or `}`.
    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) => is_space(c) || matches!(c, '.' | ',' | '|' | ':' | ')' | '(' | '}'),
        }
    }

    /// Scans a number as Go does (the parser checks its syntax).
    fn number(&mut self, start: usize) -> Result<String, Error> {
        let accept = |l: &mut Self, set: &str| {
            let ok = l.peek().is_some_and(|c| set.contains(c));
            if ok {
                l.bump();
            }
            ok
        };
        let run = |l: &mut Self, set: &str| while accept(l, set) {};
        accept(self, "+-");
        let mut digits = "0123456789_";
        if accept(self, "0") {
            if accept(self, "xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if accept(self, "oO") {
                digits = "01234567_";
            } else if accept(self, "bB") {
                digits = "01_";
            }
        }
        run(self, digits);
        if accept(self, ".") {
            run(self, digits);
        }
        if digits.len() == 11 && accept(self, "eE") {
            accept(self, "+-");
            run(self, "0123456789_");
        }
        if digits.len() == 23 && accept(self, "pP") {
            accept(self, "+-");
            run(self, "0123456789_");
        }
        accept(self, "i");
        if self.peek().is_some_and(is_alnum) || matches!(self.peek(), Some('+' | '-')) {
            self.bump();
            let text = &self.src[start..self.pos];
            return Err(self.err(start, format!("bad number syntax: {text:?}")));
        }
        Ok(self.src[start..self.pos].to_string())
    }
}

fn ident(word: &str) -> Kind {
    let kw = match word {
        "block" => Keyword::Block,
        "break" => Keyword::Break,
        "continue" => Keyword::Continue,
        "define" => Keyword::Define,
        "else" => Keyword::Else,
        "end" => Keyword::End,
        "if" => Keyword::If,
        "nil" => Keyword::Nil,
        "range" => Keyword::Range,
        "template" => Keyword::Template,
        "with" => Keyword::With,
        "true" => return Kind::Bool(true),
        "false" => return Kind::Bool(false),
        _ => return Kind::Ident(word.to_string()),
    };
    Kind::Keyword(kw)
}

#[cfg(test)]
mod tests;
