//! The source-neutral configuration tree.
//!
//! Every configuration source (YAML, TOML, Docker labels, KV stores, environment variables, CLI
//! flags) is first turned into a [`Node`] tree; one serde deserializer (`crate::de`) turns that
//! tree into the typed model. Nodes remember where they came from so errors can point at a
//! `file:line:col` or at the label/flag/variable that set them.

use std::sync::Arc;

/// Where a node was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Pos {
    /// Unknown (synthesised nodes).
    #[default]
    None,
    /// A 1-based line and column in a file.
    At { line: u32, col: u32 },
    /// The flat key (label, flag, env var or KV key) that set this node, spelled as written.
    Key(Arc<str>),
}

/// A tree node: a value and its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

/// The shape of a node. Scalars are kept as text: every source can express them as text, and
/// the deserializer parses them into the type the model asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An explicit null, or a key with no value (`docker:` in YAML).
    Null,
    Scalar(String),
    List(Vec<Node>),
    /// Entries in source order. Duplicates are kept so the decoder can report them.
    Map(Vec<Entry>),
}

/// One `key: value` pair of a map.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

// === impl Node ===

impl Node {
    pub fn new(value: Value, pos: Pos) -> Self {
        Self { value, pos }
    }

    pub fn null() -> Self {
        Self::new(Value::Null, Pos::None)
    }

    pub fn scalar(s: impl Into<String>) -> Self {
        Self::new(Value::Scalar(s.into()), Pos::None)
    }

    pub fn map(entries: Vec<Entry>) -> Self {
        Self::new(Value::Map(entries), Pos::None)
    }

    /// The map entries, or an empty slice when this node is not a map.
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(e) => e,
            _ => &[],
        }
    }

    /// Finds a map entry by case-insensitive key (Traefik field names are case-insensitive).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
            .map(|e| &e.value)
    }

    /// Follows a dotted path of case-insensitive keys.
    pub fn get_path(&self, path: &str) -> Option<&Node> {
        path.split('.').try_fold(self, |node, key| node.get(key))
    }

    /// The position of the entry `key` itself (not its value), if present.
    pub fn key_pos(&self, key: &str) -> Option<&Pos> {
        self.entries()
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
            .map(|e| &e.key_pos)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Removes the child at `trail` (a path of child indices). Returns false when `trail` is
    /// empty or does not lead anywhere.
    pub(crate) fn remove_at(&mut self, trail: &[usize]) -> bool {
        let Some((&last, parents)) = trail.split_last() else {
            return false;
        };
        let mut node = self;
        for &i in parents {
            node = match &mut node.value {
                Value::Map(e) if i < e.len() => &mut e[i].value,
                Value::List(l) if i < l.len() => &mut l[i],
                _ => return false,
            };
        }
        match &mut node.value {
            Value::Map(e) if last < e.len() => {
                e.remove(last);
                true
            }
            Value::List(l) if last < l.len() => {
                l.remove(last);
                true
            }
            _ => false,
        }
    }
}

// === impl Entry ===

impl Entry {
    pub fn new(key: impl Into<String>, value: Node) -> Self {
        Self {
            key: key.into(),
            key_pos: Pos::None,
            value,
        }
    }
}
