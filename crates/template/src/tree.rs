//! The parsed template: nodes to walk, pipelines of commands, and the operands of commands
//! (Go's `text/template/parse` node types, reduced to what execution needs).

/// A byte range of the template, for errors (`at <.Field>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: usize,
    pub(crate) end: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    /// Literal text, with its offset in the template.
    Text(String, usize),
    /// `{{ pipeline }}`: printed unless it declares or assigns variables.
    Action(Pipe),
    If(Control),
    With(Control),
    Range(Control),
    Break,
    Continue,
}

/// `if`, `with` or `range`: the pipeline, the body and the `else` branch. `else if` and
/// `else with` are an `else` holding one nested control.
#[derive(Debug, Clone)]
pub(crate) struct Control {
    pub(crate) pipe: Pipe,
    pub(crate) body: Vec<Node>,
    pub(crate) otherwise: Option<Vec<Node>>,
}

/// `$x := cmd | cmd | …`
#[derive(Debug, Clone)]
pub(crate) struct Pipe {
    pub(crate) span: Span,
    /// Declared (or, with `assign`, assigned) variables; two only in `range`.
    pub(crate) decl: Vec<String>,
    pub(crate) assign: bool,
    pub(crate) cmds: Vec<Cmd>,
}

/// A command: a function and its arguments, or a single value.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    pub(crate) span: Span,
    pub(crate) args: Vec<Operand>,
}

#[derive(Debug, Clone)]
pub(crate) struct Operand {
    pub(crate) span: Span,
    pub(crate) arg: Arg,
}

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    /// `.`
    Dot,
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// `.A.B`
    Field(Vec<String>),
    /// `$x` or `$x.A.B`
    Var(String, Vec<String>),
    /// A function name.
    Func(String),
    /// `( pipeline )`
    Pipe(Box<Pipe>),
    /// `( pipeline ).A.B`
    Chain(Box<Operand>, Vec<String>),
}
