//! One serde deserializer over [`Node`] trees, shared by every configuration source.
//!
//! Traefik semantics it implements: field names are case-insensitive; unknown keys are
//! reported (with a did-you-mean) and skipped so every problem is found in one pass; scalars are
//! text parsed on demand (`"8080"` and `8080` are the same); a comma-separated scalar is a list
//! (`a,b`), as are maps with numeric keys (`servers[0]`, `_0_`, `/0/`); a section marked with
//! [`section`] is enabled by its mere presence (`docker:`, `--api`, `compress=true`) and
//! disabled by `false`.

mod access;
mod error;
#[cfg(test)]
pub(crate) mod schema;

use std::cell::RefCell;
use std::fmt::Display;
use std::str::FromStr;

use serde::de::{self, IntoDeserializer, Visitor};

use self::access::{ListAccess, PlainMapAccess, StructAccess};
use crate::issue::IssueKind;
use crate::node::{Entry, Node, Value};
use crate::suggest::did_you_mean;

pub use self::error::DeError;

/// Newtype-struct name that marks an optional section (see [`section`]).
const SECTION: &str = "$waygate::section";

/// Problems found while decoding that do not stop it (unknown keys, duplicate names).
#[derive(Default)]
pub(crate) struct Ctx {
    pub(crate) recorded: RefCell<Vec<DeError>>,
}

/// A deserializer positioned on one node.
pub(crate) struct NodeDe<'a> {
    node: &'a Node,
    at: At<'a>,
    ctx: &'a Ctx,
}

/// Where a node is, as the way from its parent: its key path and trail are spelled out only
/// when an issue needs them. Built for every node, they were a fifth of decoding 10,000
/// routers (a `format!` and two allocations per node).
enum At<'a> {
    /// The decoded root, at this key path.
    Root(&'a str),
    /// A map value: the entry's index among its parent's children and its key.
    Key(&'a NodeDe<'a>, usize, &'a str),
    /// A list item: its index among its parent's children and its position in the list.
    Item(&'a NodeDe<'a>, usize, usize),
    /// The same place as another node (an option's value, a section, a scalar split out of a
    /// comma-separated list, a merged spelling).
    Same(&'a NodeDe<'a>),
}

/// `deserialize_with` helper for optional sections: absent or `false` is `None`; present
/// (even empty, null or `true`) is `Some` with defaults for unset fields.
pub fn section<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: de::Deserializer<'de>,
    T: de::Deserialize<'de>,
{
    struct SectionVisitor<T>(std::marker::PhantomData<T>);
    impl<'de, T: de::Deserialize<'de>> Visitor<'de> for SectionVisitor<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a section, `true` or `false`")
        }
        fn visit_none<E>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Option<T>, E> {
            Ok(None)
        }
        fn visit_some<D2: de::Deserializer<'de>>(self, d: D2) -> Result<Option<T>, D2::Error> {
            T::deserialize(d).map(Some)
        }
        fn visit_newtype_struct<D2: de::Deserializer<'de>>(
            self,
            d: D2,
        ) -> Result<Option<T>, D2::Error> {
            T::deserialize(d).map(Some)
        }
    }
    deserializer.deserialize_newtype_struct(SECTION, SectionVisitor(std::marker::PhantomData))
}

/// Go's `strconv.ParseBool`, case-insensitively.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "t" | "true" => Some(true),
        "0" | "f" | "false" => Some(false),
        _ => None,
    }
}

// === impl NodeDe ===

impl<'a> NodeDe<'a> {
    pub(crate) fn new(node: &'a Node, path: &'a str, ctx: &'a Ctx) -> Self {
        Self {
            node,
            at: At::Root(path),
            ctx,
        }
    }

    fn child(&'a self, node: &'a Node, index: usize, key: &'a str) -> NodeDe<'a> {
        self.at(node, At::Key(self, index, key))
    }

    fn child_index(&'a self, node: &'a Node, index: usize, position: usize) -> NodeDe<'a> {
        self.at(node, At::Item(self, index, position))
    }

    fn same_place(&'a self, node: &'a Node) -> NodeDe<'a> {
        self.at(node, At::Same(self))
    }

    fn at(&self, node: &'a Node, at: At<'a>) -> NodeDe<'a> {
        NodeDe {
            node,
            at,
            ctx: self.ctx,
        }
    }

    /// The node's key path (`http.routers.web.service`, `…servers[0]`).
    fn path(&self) -> String {
        let mut path = String::new();
        self.write_path(&mut path);
        path
    }

    fn write_path(&self, out: &mut String) {
        match &self.at {
            At::Root(path) => out.push_str(path),
            At::Key(parent, _, key) => {
                parent.write_path(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            At::Item(parent, _, position) => {
                parent.write_path(out);
                out.push('[');
                out.push_str(&position.to_string());
                out.push(']');
            }
            At::Same(other) => other.write_path(out),
        }
    }

    /// The child indices from the decoded root to the node.
    fn trail(&self) -> Vec<usize> {
        let mut trail = Vec::new();
        self.write_trail(&mut trail);
        trail
    }

    fn write_trail(&self, out: &mut Vec<usize>) {
        match &self.at {
            At::Root(_) => {}
            At::Key(parent, index, _) | At::Item(parent, index, _) => {
                parent.write_trail(out);
                out.push(*index);
            }
            At::Same(other) => other.write_trail(out),
        }
    }

    /// Fills in where an error happened, unless a deeper node already did.
    fn locate(&self, mut e: DeError) -> DeError {
        if e.path.is_none() {
            e.path = Some(self.path());
            e.pos = self.node.pos.clone();
            e.trail = self.trail();
        }
        e
    }

    fn fail(&self, kind: IssueKind, message: impl Into<String>) -> DeError {
        self.locate(DeError::new(kind, message))
    }

    fn record_unknown(&self, index: usize, entry: &Entry, fields: &[&str]) {
        let mut e = access::unknown_key_error(entry, fields);
        let path = self.path();
        e.path = Some(if path.is_empty() {
            entry.key.clone()
        } else {
            format!("{path}.{}", entry.key)
        });
        e.pos = entry.key_pos.clone();
        e.trail = self.trail();
        e.trail.push(index);
        access::ctx_record(self.ctx, e);
    }

    fn record_duplicate(&self, index: usize, entry: &Entry) {
        let mut e = DeError::new(
            IssueKind::Duplicate,
            format!(
                "`{}` is defined twice; the first definition is kept",
                entry.key
            ),
        );
        e.path = Some(format!("{}.{}", self.path(), entry.key));
        e.pos = entry.key_pos.clone();
        e.trail = self.trail();
        e.trail.push(index);
        access::ctx_record(self.ctx, e);
    }

    fn describe(&self) -> String {
        match &self.node.value {
            Value::Null => "nothing".to_string(),
            Value::Scalar(s) => format!("`{s}`"),
            Value::List(_) => "a list".to_string(),
            Value::Map(_) => "a section".to_string(),
        }
    }

    /// The scalar text; null reads as the empty string.
    fn text(&self, expected: &str) -> Result<&'a str, DeError> {
        match &self.node.value {
            Value::Scalar(s) => Ok(s),
            Value::Null => Ok(""),
            _ => Err(self.fail(
                IssueKind::InvalidValue,
                format!("expected {expected}, found {}", self.describe()),
            )),
        }
    }

    fn parse<T: FromStr>(&self, expected: &str) -> Result<T, DeError>
    where
        T::Err: Display,
    {
        let text = self.text(expected)?.trim();
        let text = if text.is_empty() && self.node.is_null() {
            "0"
        } else {
            text
        };
        text.parse().map_err(|e: T::Err| {
            self.fail(
                IssueKind::InvalidValue,
                format!("expected {expected}, found `{text}` ({e})"),
            )
        })
    }

    fn empty_section(&self) -> bool {
        match &self.node.value {
            Value::Null => true,
            Value::Scalar(s) => s.is_empty() || parse_bool(s) == Some(true),
            _ => false,
        }
    }

    fn struct_access(
        &'a self,
        fields: &'static [&'static str],
    ) -> Result<StructAccess<'a>, DeError> {
        let entries: &[Entry] = match &self.node.value {
            Value::Map(e) => e,
            _ if self.empty_section() => &[],
            _ => {
                return Err(self.fail(
                    IssueKind::InvalidValue,
                    format!("expected a section, found {}", self.describe()),
                ));
            }
        };
        Ok(StructAccess {
            parent: self,
            entries,
            fields,
            next: 0,
            current: None,
        })
    }

    fn list_items(
        &'a self,
        split: &'a mut Vec<Node>,
    ) -> Result<Vec<(Option<usize>, &'a Node)>, DeError> {
        match &self.node.value {
            Value::List(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, n)| (Some(i), n))
                .collect()),
            Value::Null => Ok(Vec::new()),
            Value::Scalar(s) => {
                *split = s
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| Node::new(Value::Scalar(p.to_string()), self.node.pos.clone()))
                    .collect();
                Ok(split.iter().map(|n| (None, n)).collect())
            }
            Value::Map(entries) => {
                let mut indexed = Vec::with_capacity(entries.len());
                for (i, e) in entries.iter().enumerate() {
                    let n: usize = e.key.parse().map_err(|_| {
                        self.fail(
                            IssueKind::InvalidValue,
                            format!(
                                "expected a list, found a section (key `{}` is not an index)",
                                e.key
                            ),
                        )
                    })?;
                    indexed.push((n, i, &e.value));
                }
                indexed.sort_by_key(|(n, _, _)| *n);
                Ok(indexed
                    .into_iter()
                    .map(|(_, i, node)| (Some(i), node))
                    .collect())
            }
        }
    }
}

macro_rules! parse_number {
    ($($method:ident => $ty:ty, $visit:ident, $what:literal;)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let n: $ty = self.parse($what)?;
            visitor.$visit(n).map_err(|e| self.locate(e))
        })*
    };
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let r = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Scalar(s) => visitor.visit_str(s),
            Value::List(_) => return self.deserialize_seq(visitor),
            Value::Map(entries) => visitor.visit_map(PlainMapAccess {
                parent: &self,
                entries,
                next: 0,
                current: None,
            }),
        };
        r.map_err(|e| self.locate(e))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let text = self.text("a boolean")?;
        let b = if self.node.is_null() {
            false
        } else {
            parse_bool(text.trim()).ok_or_else(|| {
                self.fail(
                    IssueKind::InvalidValue,
                    format!("expected a boolean (true/false), found `{text}`"),
                )
            })?
        };
        visitor.visit_bool(b).map_err(|e| self.locate(e))
    }

    parse_number! {
        deserialize_i8 => i8, visit_i8, "an integer";
        deserialize_i16 => i16, visit_i16, "an integer";
        deserialize_i32 => i32, visit_i32, "an integer";
        deserialize_i64 => i64, visit_i64, "an integer";
        deserialize_u8 => u8, visit_u8, "a non-negative integer";
        deserialize_u16 => u16, visit_u16, "a non-negative integer";
        deserialize_u32 => u32, visit_u32, "a non-negative integer";
        deserialize_u64 => u64, visit_u64, "a non-negative integer";
        deserialize_f32 => f32, visit_f32, "a number";
        deserialize_f64 => f64, visit_f64, "a number";
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let text = self.text("a string")?;
        visitor.visit_str(text).map_err(|e| self.locate(e))
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let text = self.text("a string")?;
        visitor
            .visit_bytes(text.as_bytes())
            .map_err(|e| self.locate(e))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            return visitor.visit_none().map_err(|e| self.locate(e));
        }
        let me = self.same_place(self.node);
        visitor.visit_some(me).map_err(|e| self.locate(e))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit().map_err(|e| self.locate(e))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == SECTION {
            if let Value::Scalar(s) = &self.node.value {
                match parse_bool(s.trim()) {
                    Some(false) => return visitor.visit_none().map_err(|e| self.locate(e)),
                    Some(true) => {}
                    None if s.trim().is_empty() => {}
                    None => {
                        return Err(self.fail(
                            IssueKind::InvalidValue,
                            format!("expected a section, `true` or `false`, found `{s}`"),
                        ));
                    }
                }
            }
            let me = self.same_place(self.node);
            return visitor.visit_some(me).map_err(|e| self.locate(e));
        }
        let me = self.same_place(self.node);
        visitor.visit_newtype_struct(me).map_err(|e| self.locate(e))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let mut split = Vec::new();
        let items = self.list_items(&mut split)?;
        let r = visitor.visit_seq(ListAccess {
            parent: &self,
            items,
            next: 0,
        });
        r.map_err(|e| self.locate(e))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let entries: &[Entry] = match &self.node.value {
            Value::Map(e) => e,
            _ if self.empty_section() => &[],
            _ => {
                return Err(self.fail(
                    IssueKind::InvalidValue,
                    format!("expected a section, found {}", self.describe()),
                ));
            }
        };
        let r = visitor.visit_map(PlainMapAccess {
            parent: &self,
            entries,
            next: 0,
            current: None,
        });
        r.map_err(|e| self.locate(e))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        #[cfg(test)]
        schema::record(&self.path(), fields);
        // `[accessLog]` and `[accesslog.otlp]`: two spellings of one section are one section.
        if let Some(merged) = access::merge_spellings(self.node, fields) {
            let de = self.same_place(&merged);
            let access = de.struct_access(fields)?;
            let r = visitor.visit_map(access);
            return r.map_err(|e| de.locate(e));
        }
        let access = self.struct_access(fields)?;
        let r = visitor.visit_map(access);
        r.map_err(|e| self.locate(e))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let text = self.text("one of the documented values")?.trim();
        let Some(variant) = variants.iter().find(|v| v.eq_ignore_ascii_case(text)) else {
            let mut e = self.fail(
                IssueKind::InvalidValue,
                format!(
                    "unknown value `{text}`; expected one of {}",
                    variants.join(", ")
                ),
            );
            e.suggestion = did_you_mean(text, variants.iter().copied()).map(str::to_string);
            return Err(e);
        };
        let variant: &'static str = variant;
        visitor
            .visit_enum(variant.into_deserializer())
            .map_err(|e| self.locate(e))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests;
