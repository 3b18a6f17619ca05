//! The one flat-key decoder: Docker labels, KV stores, environment variables and CLI flags all
//! become a [`Node`] tree through [`insert`], with the same key grammar (reference §2.3):
//! dotted, case-insensitive segments; `[n]`, `_n_` or `/n/` list indexes; comma-separated
//! scalar lists; `key=true` enabling a section that also has sub-keys.
//!
//! [`encode`] goes the other way (model → flat keys), so the decoder is round-trip tested.

mod encode;
mod sources;

use crate::issue::{Issue, IssueKind};
use crate::node::{Entry, Node, Pos, Value};

pub use self::encode::{encode, to_node};
pub use self::sources::{env_to_node, flags_to_node, kv_to_node, labels_to_node};

/// Splits a dotted key (`http.routers.web.tls.domains[0].main`) into segments.
pub fn dotted_segments(key: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if name.is_empty() && rest.is_empty() {
            return Err(format!("empty segment in key `{key}`"));
        }
        if !name.is_empty() {
            out.push(name.to_string());
        }
        while !rest.is_empty() {
            let (idx, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("unclosed `[` in key `{key}`"))?;
            if idx.parse::<usize>().is_err() {
                return Err(format!("`[{idx}]` is not a list index in key `{key}`"));
            }
            out.push(idx.to_string());
            rest = after.strip_prefix('[').unwrap_or(after);
            if !after.is_empty() && !after.starts_with('[') {
                return Err(format!("unexpected `{after}` after `]` in key `{key}`"));
            }
        }
    }
    Ok(out)
}

/// Inserts `value` at `segments` into `root` (a map node). Segment names match existing keys
/// case-insensitively (the first spelling is kept). `written` is the key as the user wrote it.
pub fn insert(
    root: &mut Node,
    segments: &[String],
    value: &str,
    written: &str,
) -> Result<(), Issue> {
    let pos = Pos::Key(written.into());
    let conflict = |msg: String| Issue::error(IssueKind::Conflict, segments.join("."), msg);
    let mut node = root;
    for (depth, seg) in segments.iter().enumerate() {
        let last = depth + 1 == segments.len();
        if !matches!(node.value, Value::Map(_)) {
            match &node.value {
                Value::Null => {}
                Value::Scalar(s) if s.is_empty() || s.eq_ignore_ascii_case("true") => {}
                _ => {
                    return Err(conflict(format!(
                        "`{}` has a value and also sub-keys (`{written}`)",
                        segments[..depth].join(".")
                    )));
                }
            }
            node.value = Value::Map(Vec::new());
        }
        let Value::Map(entries) = &mut node.value else {
            unreachable!("made a map above")
        };
        let index = match entries.iter().position(|e| e.key.eq_ignore_ascii_case(seg)) {
            Some(i) => i,
            None => {
                let child = if last {
                    Node::new(Value::Scalar(value.to_string()), pos.clone())
                } else {
                    Node::new(Value::Map(Vec::new()), pos.clone())
                };
                entries.push(Entry {
                    key: seg.clone(),
                    key_pos: pos.clone(),
                    value: child,
                });
                if last {
                    return Ok(());
                }
                entries.len() - 1
            }
        };
        let child = &mut entries[index].value;
        if last {
            return match &mut child.value {
                Value::Map(_) if value.is_empty() || value.eq_ignore_ascii_case("true") => Ok(()),
                Value::Scalar(existing) => {
                    // A repeated list flag appends (`--x=a --x=b` is `a,b`).
                    existing.push(',');
                    existing.push_str(value);
                    Ok(())
                }
                _ => Err(conflict(format!(
                    "`{}` is a section; `{written}` cannot set it to `{value}`",
                    segments.join(".")
                ))),
            };
        }
        node = child;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
