//! Rule tracing, for `waygate explain`: evaluates a [`Rule`] against a request and returns the
//! whole tree — every `&&`, `||`, `!` and matcher with its result, and for each matcher what
//! the request had and what was wanted.
//!
//! A cold path, separate from [`Rule::matches`]: it allocates freely. Each leaf's verdict *is*
//! the real matcher's (`HttpMatcher::matches`), combined by the same operators, so a trace
//! never disagrees with routing; `tests/props.rs` checks it over random rules and requests.
//! Leaves are labelled with how they were written: the rule's text is parsed again for them
//! (a rule does not keep them: only a trace reads them).

mod reason;

use serde::Serialize;

use crate::ast::{Call, Node};
use crate::matcher::{self, HttpMatcher};
use crate::rule::{Request, Rule};
use crate::{Syntax, names, parser};

/// A rule evaluated against one request.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trace {
    /// The rule as written.
    pub rule: String,
    pub matched: bool,
    pub tree: TraceNode,
}

/// One node of a traced rule.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum TraceNode {
    Matcher(MatcherTrace),
    Not {
        matched: bool,
        operand: Box<TraceNode>,
    },
    And {
        matched: bool,
        operands: Vec<TraceNode>,
    },
    Or {
        matched: bool,
        operands: Vec<TraceNode>,
    },
}

/// One matcher call and its result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatcherTrace {
    /// Canonical matcher name (`PathPrefix` for `pathprefix`).
    pub matcher: String,
    /// The call as written (one argument per leaf for v2 variadic calls): ``Host(`a.com`)``.
    pub text: String,
    /// Its arguments, decoded.
    pub args: Vec<String>,
    pub matched: bool,
    /// What the request had, and on failure what was wanted:
    /// "host is `app.example.com`, wanted `api.example.com`".
    pub reason: String,
}

/// How one leaf was written.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    written: String,
    canonical: &'static str,
    args: Vec<String>,
}

// === impl Rule ===

impl Rule {
    /// Evaluates the rule against `req`, keeping every intermediate result.
    pub fn trace(&self, req: &Request<'_>) -> Trace {
        let labels = self.labels();
        let mut next = 0;
        let tree = walk(self.root(), &labels, &mut next, req);
        Trace {
            rule: self.as_str().to_owned(),
            matched: tree.matched(),
            tree,
        }
    }

    /// How each leaf was written, in leaf order: the text parsed and compiled again (it
    /// parsed and compiled when the rule was built, so it does again).
    fn labels(&self) -> Vec<Label> {
        let mut labels = Vec::new();
        let Ok(tree) = parser::parse(&self.source) else {
            return labels;
        };
        let rebuilt = tree.try_map(&mut |call| {
            let label = Label::of(&call, self.syntax);
            let node = matcher::compile(&self.source, self.syntax, call)?;
            label.push_for(&node, &mut labels);
            Ok::<_, crate::RuleError>(node)
        });
        drop(rebuilt);
        labels
    }
}

fn walk(
    node: &Node<HttpMatcher>,
    labels: &[Label],
    next: &mut usize,
    req: &Request<'_>,
) -> TraceNode {
    match node {
        Node::Leaf(m) => {
            let label = labels.get(*next);
            *next += 1;
            let matched = m.matches(req);
            let args = label.map(|l| l.args.clone()).unwrap_or_default();
            TraceNode::Matcher(MatcherTrace {
                matcher: label.map_or("?", |l| l.canonical).to_owned(),
                text: label.map_or_else(|| "?".to_owned(), Label::text),
                reason: reason::of(m, &args, matched, req),
                args,
                matched,
            })
        }
        Node::Not(inner) => {
            let operand = walk(inner, labels, next, req);
            TraceNode::Not {
                matched: !operand.matched(),
                operand: Box::new(operand),
            }
        }
        Node::All(nodes) => {
            let operands: Vec<_> = nodes.iter().map(|n| walk(n, labels, next, req)).collect();
            TraceNode::And {
                matched: operands.iter().all(TraceNode::matched),
                operands,
            }
        }
        Node::Any(nodes) => {
            let operands: Vec<_> = nodes.iter().map(|n| walk(n, labels, next, req)).collect();
            TraceNode::Or {
                matched: operands.iter().any(TraceNode::matched),
                operands,
            }
        }
    }
}

// === impl Trace ===

impl Trace {
    /// The fewest matchers whose result would have to change for the rule to match, and
    /// those matchers (empty when it matches): what stands between the request and this rule.
    pub fn blockers(&self) -> Vec<&MatcherTrace> {
        self.tree.flips(true)
    }
}

// === impl TraceNode ===

impl TraceNode {
    pub fn matched(&self) -> bool {
        match self {
            Self::Matcher(m) => m.matched,
            Self::Not { matched, .. } | Self::And { matched, .. } | Self::Or { matched, .. } => {
                *matched
            }
        }
    }

    /// A smallest set of leaves to flip so that this node evaluates to `want`.
    fn flips(&self, want: bool) -> Vec<&MatcherTrace> {
        if self.matched() == want {
            return Vec::new();
        }
        match self {
            Self::Matcher(m) => vec![m],
            Self::Not { operand, .. } => operand.flips(!want),
            // All operands true, or one false; any operand true, or all false.
            Self::And { operands, .. } | Self::Or { operands, .. } => {
                let every = matches!(self, Self::And { .. }) == want;
                let each = operands.iter().map(|o| o.flips(want));
                if every {
                    each.flatten().collect()
                } else {
                    each.min_by_key(Vec::len).unwrap_or_default()
                }
            }
        }
    }

    /// Every matcher of the tree, left to right.
    pub fn matchers(&self) -> Vec<&MatcherTrace> {
        match self {
            Self::Matcher(m) => vec![m],
            Self::Not { operand, .. } => operand.matchers(),
            Self::And { operands, .. } | Self::Or { operands, .. } => {
                operands.iter().flat_map(TraceNode::matchers).collect()
            }
        }
    }
}

// === impl Label ===

impl Label {
    pub(crate) fn of(call: &Call, syntax: Syntax) -> Self {
        Self {
            written: call.name.clone(),
            canonical: names::resolve(&call.name, names::http(syntax)).unwrap_or("?"),
            args: call.args.iter().map(|a| a.value.clone()).collect(),
        }
    }

    /// Records the labels of the leaves `node` compiled to: one for a single matcher, one per
    /// argument for a v2 variadic call (``Host(`a`, `b`)`` → `Host(a) || Host(b)`).
    pub(crate) fn push_for(self, node: &Node<HttpMatcher>, out: &mut Vec<Label>) {
        let mut leaves = 0;
        node.for_each_leaf(&mut |_| leaves += 1);
        if leaves == 1 {
            out.push(self);
            return;
        }
        for i in 0..leaves {
            out.push(Label {
                written: self.written.clone(),
                canonical: self.canonical,
                args: self.args.get(i).cloned().into_iter().collect(),
            });
        }
    }

    fn text(&self) -> String {
        let args: Vec<String> = self.args.iter().map(|a| quote(a)).collect();
        format!("{}({})", self.written, args.join(", "))
    }
}

/// A Go raw string literal when possible, else a quoted one.
pub(crate) fn quote(s: &str) -> String {
    if s.contains('`') {
        format!("{s:?}")
    } else {
        format!("`{s}`")
    }
}

#[cfg(test)]
mod tests;
