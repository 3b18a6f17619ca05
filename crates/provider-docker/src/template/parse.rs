//! Template text → pieces: splits literal text from `{{ … }}` actions and parses each action
//! as a pipeline.

use super::{Command, Operand, Piece, Pipeline, TemplateError};

/// How deeply parentheses may nest.
const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Field(Vec<String>),
    Str(String),
    Pipe,
    Open,
    Close,
}

pub(super) fn parse(src: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut rest = src;
    while let Some(start) = rest.find("{{") {
        let mut text = &rest[..start];
        let mut body = &rest[start + 2..];
        if let Some(b) = body.strip_prefix("- ") {
            text = text.trim_end();
            body = b;
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text.to_string()));
        }
        let (tokens, trim_after, after) = lex_action(body)?;
        rest = if trim_after {
            after.trim_start()
        } else {
            after
        };
        if tokens.is_empty() {
            return Err(err("empty action `{{}}`"));
        }
        let mut parser = Parser { tokens, pos: 0 };
        let pipeline = parser.pipeline(0)?;
        if parser.pos != parser.tokens.len() {
            return Err(err("unexpected `)` in action"));
        }
        pieces.push(Piece::Action(pipeline));
    }
    if rest.contains("}}") {
        return Err(err("`}}` without a matching `{{`"));
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Ok(pieces)
}

/// Lexes one action up to its `}}`: the tokens, whether it ended with `-}}`, and the text
/// after it.
fn lex_action(src: &str) -> Result<(Vec<Token>, bool, &str), TemplateError> {
    let mut tokens = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        let tail = &src[i..];
        if let Some(after) = tail.strip_prefix("}}") {
            return Ok((tokens, false, after));
        }
        if let Some(after) = tail.strip_prefix(" -}}") {
            return Ok((tokens, true, after));
        }
        chars.next();
        match c {
            c if c.is_whitespace() => {}
            '|' => tokens.push(Token::Pipe),
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            '"' => tokens.push(Token::Str(quoted(&mut chars)?)),
            '`' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some((_, '`')) => break,
                        Some((_, c)) => s.push(c),
                        None => return Err(err("unterminated raw string")),
                    }
                }
                tokens.push(Token::Str(s));
            }
            '.' => {
                let mut names = Vec::new();
                let mut name = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' {
                        name.push(c);
                    } else if c == '.' && !name.is_empty() {
                        names.push(std::mem::take(&mut name));
                    } else {
                        break;
                    }
                    chars.next();
                }
                if !name.is_empty() {
                    names.push(name);
                }
                tokens.push(Token::Field(names));
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut name = c.to_string();
                while let Some(&(_, c)) = chars.peek().filter(|(_, c)| c.is_alphanumeric()) {
                    name.push(c);
                    chars.next();
                }
                if matches!(
                    name.as_str(),
                    "if" | "else" | "end" | "range" | "with" | "define"
                ) {
                    return Err(err(format!("`{name}` actions are not supported")));
                }
                tokens.push(Token::Ident(name));
            }
            '$' => return Err(err("template variables (`$x`) are not supported")),
            '/' if tail.starts_with("/*") => return Err(err("comments are not supported")),
            other => return Err(err(format!("unexpected `{other}` in action"))),
        }
    }
    Err(err("unclosed action: missing `}}`"))
}

/// A Go double-quoted string after its opening quote.
fn quoted(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<String, TemplateError> {
    let mut s = String::new();
    loop {
        match chars.next() {
            Some((_, '"')) => return Ok(s),
            Some((_, '\\')) => match chars.next() {
                Some((_, 'n')) => s.push('\n'),
                Some((_, 't')) => s.push('\t'),
                Some((_, c @ ('"' | '\\'))) => s.push(c),
                Some((_, c)) => return Err(err(format!("unknown escape `\\{c}` in string"))),
                None => return Err(err("unterminated string")),
            },
            Some((_, c)) => s.push(c),
            None => return Err(err("unterminated string")),
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

// === impl Parser ===

impl Parser {
    fn pipeline(&mut self, depth: usize) -> Result<Pipeline, TemplateError> {
        if depth > MAX_DEPTH {
            return Err(err("parentheses nested too deeply"));
        }
        let mut commands = vec![self.command(depth)?];
        while self.tokens.get(self.pos) == Some(&Token::Pipe) {
            self.pos += 1;
            commands.push(self.command(depth)?);
        }
        Ok(Pipeline { commands })
    }

    fn command(&mut self, depth: usize) -> Result<Command, TemplateError> {
        if let Some(Token::Ident(name)) = self.tokens.get(self.pos) {
            let name = name.clone();
            self.pos += 1;
            let mut args = Vec::new();
            while let Some(arg) = self.operand(depth)? {
                args.push(arg);
            }
            return Ok(Command::Call(name, args));
        }
        let first = self
            .operand(depth)?
            .ok_or_else(|| err("missing value in action"))?;
        if self.operand(depth)?.is_some() {
            return Err(err(
                "a value is followed by another one; only functions take arguments",
            ));
        }
        Ok(Command::Operand(first))
    }

    /// The next operand, or `None` at `|`, `)` or the end.
    fn operand(&mut self, depth: usize) -> Result<Option<Operand>, TemplateError> {
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Ok(None);
        };
        let operand = match token {
            Token::Pipe | Token::Close => return Ok(None),
            Token::Field(names) => Operand::Field(names),
            Token::Str(s) => Operand::Str(s),
            Token::Ident(name) => {
                return Err(err(format!(
                    "function `{name}` used as an argument: wrap the call in parentheses"
                )));
            }
            Token::Open => {
                self.pos += 1;
                let inner = self.pipeline(depth + 1)?;
                if self.tokens.get(self.pos) != Some(&Token::Close) {
                    return Err(err("missing `)`"));
                }
                Operand::Paren(Box::new(inner))
            }
        };
        self.pos += 1;
        Ok(Some(operand))
    }
}

fn err(msg: impl Into<String>) -> TemplateError {
    TemplateError(msg.into())
}
