//! YAML into [`Node`], built from saphyr-parser's event stream so every node keeps its
//! line and column.
//!
//! Supports anchors, aliases and `<<` merge keys. Guards against "billion laughs" (alias
//! expansion is bounded) and against deep nesting.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::SyntaxError;
use crate::node::{Entry, Node, Pos, Value};

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 128;
/// Most nodes a document may expand to (aliases count their whole subtree).
const MAX_NODES: usize = 1_000_000;

/// Parses the first document of `src`. An empty input is a null node.
pub fn parse_yaml(src: &str) -> Result<Node, SyntaxError> {
    let mut parser = Parser::new_from_str(src);
    let mut b = Builder::default();
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| SyntaxError {
            line: u32::try_from(e.marker().line()).unwrap_or(u32::MAX),
            col: u32::try_from(e.marker().col() + 1).unwrap_or(u32::MAX),
            message: format!("invalid YAML: {}", e.info()),
        })?;
        if b.event(ev, span)? {
            break;
        }
    }
    Ok(b.root.unwrap_or_else(Node::null))
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    nodes: usize,
}

enum Frame {
    List {
        node: Node,
        anchor: usize,
    },
    Map {
        node: Node,
        anchor: usize,
        key: Option<(String, Pos)>,
    },
}

fn pos_of(span: &Span) -> Pos {
    Pos::At {
        line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        col: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
    }
}

fn err(span: &Span, message: impl Into<String>) -> SyntaxError {
    let Pos::At { line, col } = pos_of(span) else {
        unreachable!("pos_of always returns Pos::At")
    };
    SyntaxError {
        line,
        col,
        message: message.into(),
    }
}

fn count(node: &Node) -> usize {
    1 + match &node.value {
        Value::List(l) => l.iter().map(count).sum(),
        Value::Map(m) => m.iter().map(|e| count(&e.value)).sum(),
        _ => 0,
    }
}

// === impl Builder ===

impl Builder {
    /// Handles one event; returns true when the first document is complete.
    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<bool, SyntaxError> {
        match ev {
            Event::DocumentEnd => return Ok(self.root.is_some() || self.stack.is_empty()),
            Event::Scalar(text, style, anchor, _tag) => {
                let value = if style == ScalarStyle::Plain
                    && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL")
                {
                    Value::Null
                } else {
                    Value::Scalar(text.into_owned())
                };
                self.push(Node::new(value, pos_of(&span)), anchor, &span)?;
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| err(&span, "alias to an unknown anchor"))?;
                self.nodes += count(&node);
                if self.nodes > MAX_NODES {
                    return Err(err(
                        &span,
                        "document expands to too many nodes (alias bomb?)",
                    ));
                }
                self.push(node, 0, &span)?;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(err(
                        &span,
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let frame = if matches!(ev, Event::SequenceStart(..)) {
                    Frame::List {
                        node: Node::new(Value::List(Vec::new()), pos_of(&span)),
                        anchor,
                    }
                } else {
                    Frame::Map {
                        node: Node::new(Value::Map(Vec::new()), pos_of(&span)),
                        anchor,
                        key: None,
                    }
                };
                self.stack.push(frame);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::List { node, anchor }) | Some(Frame::Map { node, anchor, .. }) => {
                        (node, anchor)
                    }
                    None => return Err(err(&span, "unbalanced collection end")),
                };
                self.push(node, anchor, &span)?;
            }
            _ => {}
        }
        Ok(false)
    }

    fn push(&mut self, node: Node, anchor: usize, span: &Span) -> Result<(), SyntaxError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(err(span, "document has too many nodes"));
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::List { node: list, .. }) => {
                if let Value::List(items) = &mut list.value {
                    items.push(node);
                }
            }
            Some(Frame::Map { node: map, key, .. }) => match key.take() {
                None => {
                    let name = match node.value {
                        Value::Scalar(s) => s,
                        Value::Null => String::new(),
                        _ => return Err(err(span, "map keys must be plain strings")),
                    };
                    *key = Some((name, node.pos));
                }
                Some((name, key_pos)) => {
                    if let Value::Map(entries) = &mut map.value {
                        if name == "<<" {
                            merge(entries, node, span)?;
                        } else {
                            entries.push(Entry {
                                key: name,
                                key_pos,
                                value: node,
                            });
                        }
                    }
                }
            },
        }
        Ok(())
    }
}

/// Applies a `<<: *anchor` merge: entries not already present are added.
fn merge(entries: &mut Vec<Entry>, node: Node, span: &Span) -> Result<(), SyntaxError> {
    let sources = match node.value {
        Value::Map(m) => vec![m],
        Value::List(l) => l
            .into_iter()
            .map(|n| match n.value {
                Value::Map(m) => Ok(m),
                _ => Err(err(span, "`<<` merges maps only")),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(err(span, "`<<` merges maps only")),
    };
    for source in sources {
        for e in source {
            if !entries.iter().any(|x| x.key == e.key) {
                entries.push(e);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_nulls() {
        let n = parse_yaml("providers:\n  docker:\n  file:\n    directory: /etc\n").expect("yaml");
        let docker = n.get_path("providers.docker").expect("docker");
        assert!(docker.is_null());
        let dir = n.get_path("providers.file.directory").expect("dir");
        assert_eq!(dir.as_str(), Some("/etc"));
        assert_eq!(dir.pos, Pos::At { line: 4, col: 16 });
        assert_eq!(
            n.get("providers").expect("p").key_pos("file"),
            Some(&Pos::At { line: 3, col: 3 })
        );
    }

    #[test]
    fn anchors_merge_and_json() {
        let n = parse_yaml("a: &x {k: 1}\nb:\n  <<: *x\n  j: 2\n").expect("yaml");
        assert_eq!(n.get_path("b.k").and_then(Node::as_str), Some("1"));
        let j = parse_yaml(r#"{"http": {"routers": {"r": {"rule": "Path(`/`)"}}}}"#).expect("json");
        assert_eq!(
            j.get_path("http.routers.r.rule").and_then(Node::as_str),
            Some("Path(`/`)")
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse_yaml("a:\n  b: [1, 2\nc: d\n").expect_err("bad yaml");
        assert!(e.line >= 2, "{e:?}");
        assert!(parse_yaml(&"[".repeat(500)).is_err());
        let bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
        assert!(parse_yaml(bomb).is_err());
    }

    #[test]
    fn empty_is_null() {
        assert!(parse_yaml("").expect("empty").is_null());
        assert!(parse_yaml("# only a comment\n").expect("comment").is_null());
    }
}
