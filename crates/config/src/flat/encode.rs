//! Model → flat keys: the inverse of the decoder, for round-trip tests and for showing a
//! configuration as labels or flags.

use serde::Serialize;

use crate::node::{Entry, Node, Pos, Value};

/// Serializes a model value into a [`Node`] tree (via JSON; nulls are dropped).
pub fn to_node<T: Serialize>(value: &T) -> Node {
    let json = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    from_json(json).unwrap_or_else(|| Node::new(Value::Map(Vec::new()), Pos::None))
}

fn from_json(v: serde_json::Value) -> Option<Node> {
    use serde_json::Value as J;
    let value = match v {
        J::Null => return None,
        J::Bool(b) => Value::Scalar(b.to_string()),
        J::Number(n) => Value::Scalar(n.to_string()),
        J::String(s) => Value::Scalar(s),
        J::Array(items) => Value::List(items.into_iter().filter_map(from_json).collect()),
        J::Object(map) => Value::Map(
            map.into_iter()
                .filter_map(|(k, v)| from_json(v).map(|n| Entry::new(k, n)))
                .collect(),
        ),
    };
    Some(Node::new(value, Pos::None))
}

/// Flattens a tree into `(dotted.key, value)` pairs, `[n]` for list items. Lists of plain
/// strings without commas are written comma-separated, as users write them in labels. An
/// empty section is written `key=true`.
pub fn encode(node: &Node) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(node, String::new(), &mut out);
    out
}

fn walk(node: &Node, key: String, out: &mut Vec<(String, String)>) {
    match &node.value {
        Value::Null => out.push((key, "true".to_string())),
        Value::Scalar(s) => out.push((key, s.clone())),
        // An empty section is enabled by `key=true`; the empty root has no keys at all.
        Value::Map(entries) if entries.is_empty() => {
            if !key.is_empty() {
                out.push((key, "true".to_string()));
            }
        }
        Value::Map(entries) => {
            for e in entries {
                let child = if key.is_empty() {
                    e.key.clone()
                } else {
                    format!("{key}.{}", e.key)
                };
                walk(&e.value, child, out);
            }
        }
        Value::List(items) if items.is_empty() => {}
        Value::List(items) => {
            let plain: Option<Vec<&str>> = items
                .iter()
                .map(|n| {
                    n.as_str()
                        .filter(|s| !s.is_empty() && !s.contains(',') && s.trim() == *s)
                })
                .collect();
            match plain {
                Some(values) => out.push((key, values.join(","))),
                None => {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, format!("{key}[{i}]"), out);
                    }
                }
            }
        }
    }
}
