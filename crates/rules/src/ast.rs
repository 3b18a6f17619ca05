//! The boolean expression tree shared by the parser and the compiled HTTP and TCP rules.
//!
//! `&&`/`||` chains are flattened into n-ary [`Node::All`]/[`Node::Any`] so that long chains do
//! not create deep trees; depth only comes from `(` and `!`, which the parser bounds.

/// A boolean combination of leaves (`Call`s after parsing, compiled matchers afterwards).
#[derive(Debug, Clone)]
pub(crate) enum Node<M> {
    Leaf(M),
    Not(Box<Node<M>>),
    All(Vec<Node<M>>),
    Any(Vec<Node<M>>),
}

/// A matcher call as written in the rule, before validation.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) name: String,
    pub(crate) offset: usize,
    pub(crate) args: Vec<Arg>,
}

/// One string argument of a call, decoded, with the offset of its opening quote.
#[derive(Debug, Clone)]
pub(crate) struct Arg {
    pub(crate) value: String,
    pub(crate) offset: usize,
}

// === impl Node ===

impl<M> Node<M> {
    /// Evaluates the tree, short-circuiting like Go's `&&` and `||`.
    pub(crate) fn eval(&self, leaf: &impl Fn(&M) -> bool) -> bool {
        match self {
            Self::Leaf(m) => leaf(m),
            Self::Not(inner) => !inner.eval(leaf),
            Self::All(nodes) => nodes.iter().all(|n| n.eval(leaf)),
            Self::Any(nodes) => nodes.iter().any(|n| n.eval(leaf)),
        }
    }

    /// Replaces every leaf by a subtree (a v2 variadic call becomes an `Any`).
    pub(crate) fn try_map<N, E>(
        self,
        f: &mut impl FnMut(M) -> Result<Node<N>, E>,
    ) -> Result<Node<N>, E> {
        Ok(match self {
            Self::Leaf(m) => f(m)?,
            Self::Not(inner) => Node::Not(Box::new(inner.try_map(f)?)),
            Self::All(nodes) => Node::All(map_all(nodes, f)?),
            Self::Any(nodes) => Node::Any(map_all(nodes, f)?),
        })
    }

    /// Visits every leaf.
    pub(crate) fn for_each_leaf<'a>(&'a self, f: &mut impl FnMut(&'a M)) {
        match self {
            Self::Leaf(m) => f(m),
            Self::Not(inner) => inner.for_each_leaf(f),
            Self::All(nodes) | Self::Any(nodes) => nodes.iter().for_each(|n| n.for_each_leaf(f)),
        }
    }
}

fn map_all<M, N, E>(
    nodes: Vec<Node<M>>,
    f: &mut impl FnMut(M) -> Result<Node<N>, E>,
) -> Result<Vec<Node<N>>, E> {
    nodes.into_iter().map(|n| n.try_map(f)).collect()
}
