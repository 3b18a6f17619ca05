//! Evaluating pipelines, commands and operands: variables, `.Field` chains on maps and
//! structs, and function calls (`and` and `or` stop at the first deciding argument, as in
//! Go since 1.18).

use super::State;
use crate::error::Error;
use crate::funcs::suggest;
use crate::tree::{Arg, Cmd, Operand, Pipe, Span};
use crate::value::{MAX_LIST, MAX_TEXT, Value};

// === impl State ===

impl State<'_> {
    /// Runs the commands, each result the last argument of the next, then declares or
    /// assigns the pipeline's variables.
    pub(super) fn pipeline(&mut self, dot: &Value, p: &Pipe) -> Result<Value, Error> {
        let mut value = None;
        for cmd in &p.cmds {
            value = Some(self.command(dot, cmd, value.take())?);
        }
        let value = value.unwrap_or_default();
        for name in &p.decl {
            if p.assign {
                let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) else {
                    return Err(self.err(p.span, format!("undefined variable: {name}")));
                };
                slot.1 = value.clone();
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn command(&mut self, dot: &Value, cmd: &Cmd, fin: Option<Value>) -> Result<Value, Error> {
        let first = &cmd.args[0];
        let has_args = cmd.args.len() > 1 || fin.is_some();
        match &first.arg {
            Arg::Func(name) => return self.call(dot, name, cmd, &cmd.args[1..], fin),
            Arg::Field(names) => return self.fields(dot.clone(), names, first.span, has_args),
            Arg::Chain(inner, names) => {
                let recv = self.operand(dot, inner)?;
                return self.fields(recv, names, first.span, has_args);
            }
            Arg::Var(name, names) if !names.is_empty() => {
                let recv = self.var(name, first.span)?;
                return self.fields(recv, names, first.span, has_args);
            }
            Arg::Nil => return Err(self.err(first.span, "nil is not a command")),
            _ => {}
        }
        if has_args {
            let text = &self.t.src[first.span.start..first.span.end];
            return Err(self.err(
                cmd.span,
                format!("can't give argument to non-function {text}"),
            ));
        }
        self.operand(dot, first)
    }

    /// An argument's value.
    fn operand(&mut self, dot: &Value, op: &Operand) -> Result<Value, Error> {
        Ok(match &op.arg {
            Arg::Dot => dot.clone(),
            Arg::Nil => Value::Nil,
            Arg::Bool(b) => Value::Bool(*b),
            Arg::Int(i) => Value::Int(*i),
            Arg::Float(f) => Value::Float(*f),
            Arg::Str(s) => Value::Str(s.clone()),
            Arg::Field(names) => self.fields(dot.clone(), names, op.span, false)?,
            Arg::Var(name, names) => {
                let v = self.var(name, op.span)?;
                self.fields(v, names, op.span, false)?
            }
            Arg::Func(name) => {
                let cmd = Cmd {
                    span: op.span,
                    args: Vec::new(),
                };
                self.call(dot, name, &cmd, &[], None)?
            }
            Arg::Pipe(p) => self.pipeline(dot, p)?,
            Arg::Chain(inner, names) => {
                let recv = self.operand(dot, inner)?;
                self.fields(recv, names, op.span, false)?
            }
        })
    }

    fn var(&self, name: &str, span: Span) -> Result<Value, Error> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| self.err(span, format!("undefined variable: {name}")))
    }

    /// `.A.B` on `recv`: map keys (a missing one is nil, and so is any field of nil) and
    /// struct fields (a missing one is an error).
    fn fields(
        &self,
        mut recv: Value,
        names: &[String],
        span: Span,
        has_args: bool,
    ) -> Result<Value, Error> {
        for (i, name) in names.iter().enumerate() {
            if has_args && i + 1 == names.len() {
                return Err(self.err(span, format!("{name} is not a method but has arguments")));
            }
            recv = match &recv {
                Value::Nil => Value::Nil,
                Value::Map(m) => m.get(name).unwrap_or_default(),
                Value::Struct(s) => match s.field(name) {
                    Some(v) => v.clone(),
                    None => {
                        let hint = suggest(name, s.field_names())
                            .map(|f| format!(" (did you mean `.{f}`?)"))
                            .unwrap_or_default();
                        let msg = format!(
                            "can't evaluate field {name} in type {}{hint}",
                            s.type_name()
                        );
                        return Err(self.err(span, msg));
                    }
                },
                other => {
                    let msg = format!("can't evaluate field {name} in type {}", other.type_name());
                    return Err(self.err(span, msg));
                }
            };
        }
        Ok(recv)
    }

    fn call(
        &mut self,
        dot: &Value,
        name: &str,
        cmd: &Cmd,
        args: &[Operand],
        fin: Option<Value>,
    ) -> Result<Value, Error> {
        self.step(cmd.span)?;
        let Some(f) = self.t.funcs.get(name).cloned() else {
            return Err(self.err(cmd.span, self.t.funcs.not_defined(name)));
        };
        let n = args.len() + usize::from(fin.is_some());
        f.check_arity(name, n).map_err(|m| self.err(cmd.span, m))?;
        if name == "and" || name == "or" {
            let want = name == "or";
            let mut last = Value::Nil;
            for a in args {
                last = self.operand(dot, a)?;
                if last.truth() == want {
                    return Ok(last);
                }
            }
            return Ok(fin.unwrap_or(last));
        }
        let mut values = Vec::with_capacity(n);
        for a in args {
            values.push(self.operand(dot, a)?);
        }
        values.extend(fin);
        let result = f
            .call(&values)
            .map_err(|m| self.err(cmd.span, format!("error calling {name}: {m}")))?;
        // Bounds on what one call may build, so that repeated doubling fails early.
        let too_large = match &result {
            Value::Str(s) => s.len() > MAX_TEXT,
            Value::List(items) => items.len() > MAX_LIST,
            Value::Map(m) => m.len() > MAX_LIST,
            _ => false,
        };
        if too_large {
            let msg = format!("error calling {name}: result larger than 16 MiB or 1 Mi items");
            return Err(self.err(cmd.span, msg));
        }
        Ok(result)
    }
}
