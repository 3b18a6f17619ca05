//! Rendering: walks the tree with Go's execution rules (`text/template/exec.go`): variables
//! live until the `end` of the control structure that declared them, `range` sets `.` and
//! its variables for each element, `with` sets `.`, a pipeline passes each command's result
//! as the last argument of the next.
//!
//! Work is bounded: output size, and steps (function calls and loop iterations).

mod eval;

use std::sync::Arc;

use crate::Template;
use crate::error::Error;
use crate::rendered::{Rendered, Segment};
use crate::tree::{Control, Node, Span};
use crate::value::Value;

/// The most output a template may produce.
const MAX_OUTPUT: usize = 64 << 20;
/// The most function calls and loop iterations a rendering may take.
const MAX_STEPS: u64 = 10_000_000;

/// How a list of nodes ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

struct State<'t> {
    t: &'t Template,
    /// Variables in scope, innermost last (`$` first).
    vars: Vec<(String, Value)>,
    out: String,
    segments: Vec<Segment>,
    steps: u64,
}

/// Renders `t` with `dot` as its data.
pub(crate) fn execute(t: &Template, dot: &Value) -> Result<Rendered, Error> {
    let mut s = State {
        t,
        vars: vec![("$".to_string(), dot.clone())],
        out: String::new(),
        segments: Vec::new(),
        steps: 0,
    };
    s.walk(dot, &t.root)?;
    Ok(Rendered::new(s.out, Arc::clone(&t.src), s.segments))
}

// === impl State ===

impl State<'_> {
    /// An execution error about `span`, quoting it as Go does (`at <.Field>: …`).
    fn err(&self, span: Span, msg: impl std::fmt::Display) -> Error {
        let text = self.t.src.get(span.start..span.end).unwrap_or_default();
        let context = match text.char_indices().nth(40) {
            Some((i, _)) => format!("{}...", &text[..i]),
            None => text.to_string(),
        };
        Error::at(&self.t.src, span.start, format!("at <{context}>: {msg}"))
    }

    fn step(&mut self, span: Span) -> Result<(), Error> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(self.err(
                span,
                format!("more than {MAX_STEPS} steps (calls and loop iterations)"),
            ));
        }
        Ok(())
    }

    fn write(&mut self, text: &str, src: usize, literal: bool) -> Result<(), Error> {
        if text.is_empty() {
            return Ok(());
        }
        if self.out.len() + text.len() > MAX_OUTPUT {
            let msg = format!("output larger than {} MiB", MAX_OUTPUT >> 20);
            return Err(Error::at(&self.t.src, src, msg));
        }
        self.segments.push(Segment {
            out: self.out.len(),
            src,
            literal,
        });
        self.out.push_str(text);
        Ok(())
    }

    fn walk(&mut self, dot: &Value, nodes: &[Node]) -> Result<Flow, Error> {
        for node in nodes {
            let flow = match node {
                Node::Text(text, pos) => {
                    self.write(text, *pos, true)?;
                    Flow::Normal
                }
                Node::Action(pipe) => {
                    let v = self.pipeline(dot, pipe)?;
                    if pipe.decl.is_empty() {
                        let text = match v {
                            Value::Nil => "<no value>".to_string(),
                            Value::Str(s) => s,
                            v => v.to_string(),
                        };
                        self.write(&text, pipe.span.start, false)?;
                    }
                    Flow::Normal
                }
                Node::If(c) => self.if_with(dot, c, false)?,
                Node::With(c) => self.if_with(dot, c, true)?,
                Node::Range(c) => self.range(dot, c)?,
                Node::Break => Flow::Break,
                Node::Continue => Flow::Continue,
            };
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn if_with(&mut self, dot: &Value, c: &Control, with: bool) -> Result<Flow, Error> {
        let mark = self.vars.len();
        let v = self.pipeline(dot, &c.pipe)?;
        let flow = if v.truth() {
            self.walk(if with { &v } else { dot }, &c.body)?
        } else if let Some(otherwise) = &c.otherwise {
            self.walk(dot, otherwise)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn range(&mut self, dot: &Value, c: &Control) -> Result<Flow, Error> {
        let mark = self.vars.len();
        let v = self.pipeline(dot, &c.pipe)?;
        let inner = self.vars.len();
        let decl = c.pipe.decl.len();
        let mut ran = false;
        let mut iteration = |s: &mut Self, key: Value, elem: Value| -> Result<bool, Error> {
            s.step(c.pipe.span)?;
            // Go sets the top variables of the stack: the declared ones (or, after `=`,
            // whatever is on top, as in Go).
            if decl > 0
                && let Some(slot) = inner.checked_sub(1).and_then(|i| s.vars.get_mut(i))
            {
                slot.1 = elem.clone();
            }
            if decl > 1
                && let Some(slot) = inner.checked_sub(2).and_then(|i| s.vars.get_mut(i))
            {
                slot.1 = key;
            }
            ran = true;
            let flow = s.walk(&elem, &c.body)?;
            s.vars.truncate(inner);
            Ok(flow != Flow::Break)
        };
        match &v {
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    let i = Value::Int(i64::try_from(i).unwrap_or(i64::MAX));
                    if !iteration(self, i, item.clone())? {
                        break;
                    }
                }
            }
            Value::Map(m) => {
                for (k, item) in m.entries() {
                    if !iteration(self, Value::Str(k), item)? {
                        break;
                    }
                }
            }
            Value::Int(n) => {
                if decl > 1 {
                    return Err(self.err(
                        c.pipe.span,
                        format!("can't use {n} to iterate over more than one variable"),
                    ));
                }
                for i in 0..*n {
                    if !iteration(self, Value::Nil, Value::Int(i))? {
                        break;
                    }
                }
            }
            Value::Nil => {}
            other => return Err(self.err(c.pipe.span, format!("range can't iterate over {other}"))),
        }
        if !ran && let Some(otherwise) = &c.otherwise {
            self.walk(dot, otherwise)?;
        }
        self.vars.truncate(mark);
        Ok(Flow::Normal)
    }
}
