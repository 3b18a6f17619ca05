//! Tokens → tree, following Go's `text/template/parse/parse.go`: control structures with
//! their `else` branches, pipelines with declarations, commands and operands; variables must
//! be declared before use and functions must exist, as in Go.

mod number;

use crate::error::Error;
use crate::funcs::Funcs;
use crate::lex::{self, Keyword, Kind, Token};
use crate::tree::{Arg, Cmd, Control, Node, Operand, Pipe, Span};

pub(crate) use self::number::parse_int;

/// How deeply control structures and parentheses may nest.
const MAX_DEPTH: usize = 100;

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    next: usize,
    /// Variables in scope (`$` first).
    vars: Vec<String>,
    range_depth: usize,
    depth: usize,
    funcs: &'a Funcs,
}

/// What `{{ … }}` was: a node, or the `end`/`else` closing the current list.
enum Item {
    Node(Node),
    End,
    /// With the position of the `else` keyword.
    Else(usize),
}

/// Parses `src` into the nodes of its top level.
pub(crate) fn parse(src: &str, funcs: &Funcs) -> Result<Vec<Node>, Error> {
    let mut p = Parser {
        src,
        tokens: lex::lex(src)?,
        next: 0,
        vars: vec!["$".to_string()],
        range_depth: 0,
        depth: 0,
        funcs,
    };
    let mut root = Vec::new();
    while p.peek().kind != Kind::Eof {
        let at = p.peek_non_space().pos;
        match p.text_or_action()? {
            Item::Node(n) => root.push(n),
            Item::End => return Err(p.err(at, "unexpected {{end}}")),
            Item::Else(_) => return Err(p.err(at, "unexpected {{else}}")),
        }
    }
    Ok(root)
}

// === impl Parser ===

impl Parser<'_> {
    fn peek(&self) -> &Token {
        let last = self.tokens.len() - 1;
        &self.tokens[self.next.min(last)]
    }

    /// The next token; past the end, [`Kind::Eof`] again.
    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        self.next += 1;
        t
    }

    fn back(&mut self) {
        self.next = self.next.saturating_sub(1);
    }

    fn skip_space(&mut self) {
        while self.peek().kind == Kind::Space {
            self.next += 1;
        }
    }

    fn next_non_space(&mut self) -> Token {
        self.skip_space();
        self.next()
    }

    fn peek_non_space(&mut self) -> Token {
        self.skip_space();
        self.peek().clone()
    }

    /// The end of the last token taken.
    fn prev_end(&self) -> usize {
        let last = self.tokens.len() - 1;
        self.next
            .checked_sub(1)
            .map_or(0, |i| self.tokens[i.min(last)].end)
    }

    fn err(&self, at: usize, msg: impl Into<String>) -> Error {
        Error::at(self.src, at, msg)
    }

    fn unexpected(&self, t: &Token, context: &str) -> Error {
        let what = match &t.kind {
            Kind::Eof => "EOF".to_string(),
            Kind::Keyword(_) => format!("<{}>", &self.src[t.pos..t.end]),
            _ => {
                let text = &self.src[t.pos..t.end];
                match text.char_indices().nth(10) {
                    Some((i, _)) => format!("{:?}...", &text[..i]),
                    None => format!("{text:?}"),
                }
            }
        };
        self.err(t.pos, format!("unexpected {what} in {context}"))
    }

    fn expect_right_delim(&mut self, context: &str) -> Result<(), Error> {
        let t = self.next_non_space();
        if t.kind != Kind::RightDelim {
            return Err(self.unexpected(&t, context));
        }
        Ok(())
    }

    fn text_or_action(&mut self) -> Result<Item, Error> {
        let t = self.next_non_space();
        match t.kind {
            Kind::Text(text) => Ok(Item::Node(Node::Text(text, t.pos))),
            Kind::LeftDelim => self.action(),
            _ => Err(self.unexpected(&t, "input")),
        }
    }

    fn action(&mut self) -> Result<Item, Error> {
        let t = self.next_non_space();
        let Kind::Keyword(kw) = t.kind else {
            self.back();
            let pipe = self.pipeline("command", &Kind::RightDelim)?;
            return Ok(Item::Node(Node::Action(pipe)));
        };
        let word = &self.src[t.pos..t.end];
        let node = match kw {
            Keyword::Block | Keyword::Define | Keyword::Template => {
                let msg = format!(
                    "{{{{{word}}}}} is not supported (named templates: define, template, block)"
                );
                return Err(self.err(t.pos, msg));
            }
            Keyword::Break | Keyword::Continue => {
                self.expect_right_delim(&format!("{{{{{word}}}}}"))?;
                if self.range_depth == 0 {
                    return Err(self.err(t.pos, format!("{{{{{word}}}}} outside {{{{range}}}}")));
                }
                if kw == Keyword::Break {
                    Node::Break
                } else {
                    Node::Continue
                }
            }
            Keyword::Else => {
                // `else if` / `else with`: the keyword stays for `control` to find.
                let peek = self.peek_non_space().kind;
                if !matches!(peek, Kind::Keyword(Keyword::If | Keyword::With)) {
                    self.expect_right_delim("else")?;
                }
                return Ok(Item::Else(t.pos));
            }
            Keyword::End => {
                self.expect_right_delim("end")?;
                return Ok(Item::End);
            }
            Keyword::If => Node::If(self.control("if", t.pos)?),
            Keyword::With => Node::With(self.control("with", t.pos)?),
            Keyword::Range => Node::Range(self.control("range", t.pos)?),
            Keyword::Nil => {
                self.back();
                Node::Action(self.pipeline("command", &Kind::RightDelim)?)
            }
        };
        Ok(Item::Node(node))
    }

    /// The nodes up to the `end` or `else` that closes them.
    fn item_list(
        &mut self,
        opener: usize,
        context: &str,
    ) -> Result<(Vec<Node>, Option<usize>), Error> {
        let mut list = Vec::new();
        loop {
            if self.peek_non_space().kind == Kind::Eof {
                let msg = format!("unexpected EOF: {{{{{context}}}}} without {{{{end}}}}");
                return Err(self.err(opener, msg));
            }
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                Item::End => return Ok((list, None)),
                Item::Else(at) => return Ok((list, Some(at))),
            }
        }
    }

    /// `if`, `with` or `range` after its keyword (at `opener`), up to its `end`.
    fn control(&mut self, context: &str, opener: usize) -> Result<Control, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(opener, "control structures nested too deeply"));
        }
        let mark = self.vars.len();
        let pipe = self.pipeline(context, &Kind::RightDelim)?;
        let range = context == "range";
        self.range_depth += usize::from(range);
        let (body, has_else) = self.item_list(opener, context)?;
        self.range_depth -= usize::from(range);
        let otherwise = if has_else.is_none() {
            None
        } else {
            let chained = match self.peek().kind {
                Kind::Keyword(Keyword::If) if context == "if" => Some(Keyword::If),
                Kind::Keyword(Keyword::With) if context == "with" => Some(Keyword::With),
                _ => None,
            };
            match chained {
                Some(kw) => {
                    let at = self.next().pos;
                    Some(vec![match kw {
                        Keyword::If => Node::If(self.control("if", at)?),
                        _ => Node::With(self.control("with", at)?),
                    }])
                }
                None => {
                    let (list, again) = self.item_list(opener, context)?;
                    if let Some(at) = again {
                        return Err(self.err(at, "expected end; found {{else}}"));
                    }
                    Some(list)
                }
            }
        };
        self.vars.truncate(mark);
        self.depth -= 1;
        Ok(Control {
            pipe,
            body,
            otherwise,
        })
    }

    /// A pipeline up to `end` (`}}` or `)`), with its declarations.
    fn pipeline(&mut self, context: &str, end: &Kind) -> Result<Pipe, Error> {
        let start = self.peek_non_space().pos;
        let mut decl = Vec::new();
        let mut assign = false;
        loop {
            let at = self.next;
            let v = self.peek_non_space();
            let Kind::Variable(name) = v.kind else { break };
            self.next();
            match self.peek_non_space().kind {
                Kind::Assign | Kind::Declare => {
                    assign = self.next().kind == Kind::Assign;
                    decl.push(name.clone());
                    self.vars.push(name);
                }
                Kind::Char(',') => {
                    self.next();
                    decl.push(name.clone());
                    self.vars.push(name);
                    if context == "range" && decl.len() < 2 {
                        match self.peek_non_space().kind {
                            Kind::Variable(_) | Kind::RightDelim | Kind::RightParen => continue,
                            _ => return Err(self.err(v.pos, "range can only initialize variables")),
                        }
                    }
                    return Err(self.err(v.pos, format!("too many declarations in {context}")));
                }
                _ => self.next = at,
            }
            break;
        }
        let mut cmds = Vec::new();
        loop {
            let t = self.next_non_space();
            if &t.kind == end {
                break;
            }
            match t.kind {
                Kind::Bool(_)
                | Kind::CharConst(_)
                | Kind::Dot
                | Kind::Field(_)
                | Kind::Ident(_)
                | Kind::Number(_)
                | Kind::Keyword(Keyword::Nil)
                | Kind::Str(_)
                | Kind::Variable(_)
                | Kind::LeftParen => {
                    self.back();
                    cmds.push(self.command()?);
                }
                _ => return Err(self.unexpected(&t, context)),
            }
        }
        if cmds.is_empty() {
            return Err(self.err(start, format!("missing value for {context}")));
        }
        for (i, c) in cmds.iter().enumerate().skip(1) {
            if let Arg::Bool(_) | Arg::Dot | Arg::Nil | Arg::Int(_) | Arg::Float(_) | Arg::Str(_) =
                c.args[0].arg
            {
                let msg = format!("non executable command in pipeline stage {}", i + 1);
                return Err(self.err(c.span.start, msg));
            }
        }
        Ok(Pipe {
            span: Span {
                start,
                end: self.prev_end(),
            },
            decl,
            assign,
            cmds,
        })
    }

    fn command(&mut self) -> Result<Cmd, Error> {
        let start = self.peek_non_space().pos;
        let mut args = Vec::new();
        loop {
            self.skip_space();
            if let Some(op) = self.operand()? {
                args.push(op);
            }
            let t = self.next();
            match t.kind {
                Kind::Space => continue,
                Kind::RightDelim | Kind::RightParen => self.back(),
                Kind::Pipe => {}
                _ => return Err(self.unexpected(&t, "operand")),
            }
            break;
        }
        let Some(last) = args.last() else {
            return Err(self.err(start, "empty command"));
        };
        let span = Span {
            start,
            end: last.span.end,
        };
        Ok(Cmd { span, args })
    }

    /// A term and the `.Field`s chained to it.
    fn operand(&mut self) -> Result<Option<Operand>, Error> {
        let Some(term) = self.term()? else {
            return Ok(None);
        };
        let mut fields = Vec::new();
        while let Kind::Field(f) = &self.peek().kind {
            fields.push(f.clone());
            self.next();
        }
        if fields.is_empty() {
            return Ok(Some(term));
        }
        let span = Span {
            start: term.span.start,
            end: self.prev_end(),
        };
        let arg = match term.arg {
            Arg::Field(mut names) => {
                names.extend(fields);
                Arg::Field(names)
            }
            Arg::Var(name, mut names) => {
                names.extend(fields);
                Arg::Var(name, names)
            }
            Arg::Bool(_) | Arg::Str(_) | Arg::Int(_) | Arg::Float(_) | Arg::Nil | Arg::Dot => {
                let text = &self.src[term.span.start..term.span.end];
                return Err(self.err(term.span.start, format!("unexpected . after term {text:?}")));
            }
            _ => Arg::Chain(Box::new(term), fields),
        };
        Ok(Some(Operand { span, arg }))
    }

    fn term(&mut self) -> Result<Option<Operand>, Error> {
        let t = self.next_non_space();
        let arg = match t.kind {
            Kind::Ident(name) => {
                if self.funcs.get(&name).is_none() {
                    return Err(self.err(t.pos, self.funcs.not_defined(&name)));
                }
                Arg::Func(name)
            }
            Kind::Dot => Arg::Dot,
            Kind::Keyword(Keyword::Nil) => Arg::Nil,
            Kind::Variable(name) => {
                if !self.vars.contains(&name) {
                    return Err(self.err(t.pos, format!("undefined variable {name:?}")));
                }
                Arg::Var(name, Vec::new())
            }
            Kind::Field(name) => Arg::Field(vec![name]),
            Kind::Bool(b) => Arg::Bool(b),
            Kind::CharConst(c) => Arg::Int(i64::from(u32::from(c))),
            Kind::Number(text) => number::literal(&text).map_err(|m| self.err(t.pos, m))?,
            Kind::Str(s) => Arg::Str(s),
            Kind::LeftParen => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(self.err(t.pos, "parentheses nested too deeply"));
                }
                let pipe = self.pipeline("parenthesized pipeline", &Kind::RightParen)?;
                self.depth -= 1;
                Arg::Pipe(Box::new(pipe))
            }
            _ => {
                self.back();
                return Ok(None);
            }
        };
        let span = Span {
            start: t.pos,
            end: self.prev_end(),
        };
        Ok(Some(Operand { span, arg }))
    }
}

#[cfg(test)]
mod tests;
