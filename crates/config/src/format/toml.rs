//! TOML into [`Node`], with byte spans turned into line/column positions.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::SyntaxError;
use crate::node::{Entry, Node, Pos, Value};

/// Parses a TOML document.
pub fn parse_toml(src: &str) -> Result<Node, SyntaxError> {
    let lines = LineIndex::new(src);
    let table = DeTable::parse(src).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| lines.line_col(s.start));
        SyntaxError {
            line,
            col,
            message: format!("invalid TOML: {}", e.message().trim()),
        }
    })?;
    let span = table.span();
    Ok(Node::new(
        table_value(table.into_inner(), &lines),
        lines.pos(span.start),
    ))
}

fn table_value(table: DeTable<'_>, lines: &LineIndex) -> Value {
    let mut entries: Vec<(usize, Entry)> = table
        .into_iter()
        .map(|(k, v)| {
            let start = k.span().start;
            let entry = Entry {
                key: k.into_inner().into_owned(),
                key_pos: lines.pos(start),
                value: node(v, lines),
            };
            (start, entry)
        })
        .collect();
    // Keep source order (the map itself may be sorted by key).
    entries.sort_by_key(|(start, _)| *start);
    Value::Map(entries.into_iter().map(|(_, e)| e).collect())
}

fn node(v: Spanned<DeValue<'_>>, lines: &LineIndex) -> Node {
    let pos = lines.pos(v.span().start);
    let value = match v.into_inner() {
        DeValue::String(s) => Value::Scalar(s.into_owned()),
        DeValue::Integer(i) => Value::Scalar(integer_text(i.as_str(), i.radix())),
        DeValue::Float(f) => Value::Scalar(f.as_str().replace('_', "")),
        DeValue::Boolean(b) => Value::Scalar(b.to_string()),
        DeValue::Datetime(d) => Value::Scalar(d.to_string()),
        DeValue::Array(a) => Value::List(a.into_iter().map(|v| node(v, lines)).collect()),
        DeValue::Table(t) => table_value(t, lines),
    };
    Node::new(value, pos)
}

/// Integers in decimal text, whatever radix TOML wrote them in.
fn integer_text(raw: &str, radix: u32) -> String {
    let digits: String = raw.chars().filter(|c| *c != '_').collect();
    if radix == 10 {
        return digits;
    }
    let body = ["0x", "0o", "0b"]
        .iter()
        .find_map(|p| digits.strip_prefix(p))
        .unwrap_or(&digits);
    i64::from_str_radix(body, radix).map_or(digits.clone(), |n| n.to_string())
}

/// Byte offset → 1-based line and column (the column counts bytes).
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    fn line_col(&self, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line.saturating_sub(1)];
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(offset - start + 1).unwrap_or(u32::MAX),
        )
    }

    fn pos(&self, offset: usize) -> Pos {
        let (line, col) = self.line_col(offset);
        Pos::At { line, col }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_arrays_positions() {
        let src = "[entryPoints.web]\naddress = \":80\"\n\n[[tls.certificates]]\ncertFile = \"a\"\n\n[providers.docker]\n";
        let n = parse_toml(src).expect("toml");
        let addr = n.get_path("entryPoints.web.address").expect("addr");
        assert_eq!(addr.as_str(), Some(":80"));
        assert_eq!(addr.pos, Pos::At { line: 2, col: 11 });
        assert!(
            matches!(n.get_path("tls.certificates").map(|n| &n.value), Some(Value::List(l)) if l.len() == 1)
        );
        assert!(
            matches!(n.get_path("providers.docker").map(|n| &n.value), Some(Value::Map(m)) if m.is_empty())
        );
    }

    #[test]
    fn numbers_as_text() {
        let n = parse_toml("a = 0x1F\nb = 1_000\nc = 1.5\nd = true\n").expect("toml");
        assert_eq!(n.get("a").and_then(Node::as_str), Some("31"));
        assert_eq!(n.get("b").and_then(Node::as_str), Some("1000"));
        assert_eq!(n.get("c").and_then(Node::as_str), Some("1.5"));
        assert_eq!(n.get("d").and_then(Node::as_str), Some("true"));
    }

    #[test]
    fn syntax_error_position() {
        let e = parse_toml("a = 1\nb = = 2\n").expect_err("bad");
        assert_eq!(e.line, 2);
    }
}
