//! serde access types: struct fields (case-insensitive, unknown keys recorded with a
//! suggestion), plain maps (keys kept as written) and sequences.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess};

use super::{Ctx, DeError, NodeDe};
use crate::issue::IssueKind;
use crate::node::{Entry, Node, Value};
use crate::suggest::did_you_mean;

/// Fields of a struct: keys are matched case-insensitively against the serde field list and
/// handed to the visitor in their canonical spelling.
pub(super) struct StructAccess<'a> {
    pub(super) parent: &'a NodeDe<'a>,
    pub(super) entries: &'a [Entry],
    pub(super) fields: &'static [&'static str],
    pub(super) next: usize,
    pub(super) current: Option<(usize, &'static str)>,
}

impl<'de> MapAccess<'de> for StructAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        while let Some(entry) = self.entries.get(self.next) {
            let index = self.next;
            self.next += 1;
            if entry.key == MERGED {
                continue;
            }
            if let Some(field) = self
                .fields
                .iter()
                .find(|f| f.eq_ignore_ascii_case(&entry.key))
            {
                self.current = Some((index, field));
                return seed
                    .deserialize(BorrowedStrDeserializer::<DeError>::new(field))
                    .map(Some);
            }
            self.parent.record_unknown(index, entry, self.fields);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (index, field) = self
            .current
            .take()
            .ok_or_else(|| DeError::new(IssueKind::InvalidValue, "value without a key"))?;
        let entry = &self.entries[index];
        seed.deserialize(self.parent.child(&entry.value, index, field))
    }
}

/// The key left in place of a section merged into an earlier spelling of it (keeps entry
/// indices, which error trails refer to, unchanged).
const MERGED: &str = "\u{0}merged";

/// When several keys of a struct's map are spellings of one field (keys are
/// case-insensitive) and every one of them is a section, a copy of the map where the first
/// holds all their entries and the others are [`MERGED`] placeholders; `None` otherwise (the
/// common case, or a scalar set twice, which stays a duplicate).
pub(super) fn merge_spellings(node: &Node, fields: &[&str]) -> Option<Node> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    let field_of = |key: &str| fields.iter().position(|f| f.eq_ignore_ascii_case(key));
    let mergeable = |e: &Entry| matches!(e.value.value, Value::Map(_) | Value::Null);
    let needs = entries.iter().enumerate().any(|(i, e)| {
        field_of(&e.key).is_some_and(|f| {
            entries[..i]
                .iter()
                .any(|p| field_of(&p.key) == Some(f) && mergeable(p) && mergeable(e))
        })
    });
    if !needs {
        return None;
    }
    let mut out = entries.clone();
    for i in 0..out.len() {
        let Some(f) = field_of(&out[i].key) else {
            continue;
        };
        if !mergeable(&out[i]) {
            continue;
        }
        let Some(first) = (0..i).find(|&j| field_of(&out[j].key) == Some(f) && mergeable(&out[j]))
        else {
            continue;
        };
        let key_pos = out[i].key_pos.clone();
        let later = std::mem::replace(
            &mut out[i],
            Entry {
                key: MERGED.to_string(),
                key_pos,
                value: Node::null(),
            },
        );
        if let Value::Map(more) = later.value.value {
            match &mut out[first].value.value {
                Value::Map(into) => into.extend(more),
                other => *other = Value::Map(more),
            }
        }
    }
    Some(Node::new(Value::Map(out), node.pos.clone()))
}

/// A map with user-chosen keys (router names, header names): keys are kept as written.
/// A key written twice is reported and the later value ignored.
pub(super) struct PlainMapAccess<'a> {
    pub(super) parent: &'a NodeDe<'a>,
    pub(super) entries: &'a [Entry],
    pub(super) next: usize,
    pub(super) current: Option<usize>,
}

impl<'de> MapAccess<'de> for PlainMapAccess<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        while let Some(entry) = self.entries.get(self.next) {
            let index = self.next;
            self.next += 1;
            if self.entries[..index].iter().any(|e| e.key == entry.key) {
                self.parent.record_duplicate(index, entry);
                continue;
            }
            self.current = Some(index);
            return seed
                .deserialize(entry.key.as_str().into_deserializer())
                .map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let index = self
            .current
            .take()
            .ok_or_else(|| DeError::new(IssueKind::InvalidValue, "value without a key"))?;
        let entry = &self.entries[index];
        seed.deserialize(self.parent.child(&entry.value, index, &entry.key))
    }
}

/// Items of a list. `trail` is `None` for items split out of a comma-separated scalar (they
/// are not nodes of the source tree, so errors point at the scalar itself).
pub(super) struct ListAccess<'a> {
    pub(super) parent: &'a NodeDe<'a>,
    pub(super) items: Vec<(Option<usize>, &'a Node)>,
    pub(super) next: usize,
}

impl<'de> SeqAccess<'de> for ListAccess<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(&(index, node)) = self.items.get(self.next) else {
            return Ok(None);
        };
        let position = self.next;
        self.next += 1;
        let de = match index {
            Some(i) => self.parent.child_index(node, i, position),
            None => self.parent.same_place(node),
        };
        seed.deserialize(de).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.next)
    }
}

pub(super) fn unknown_key_error(entry: &Entry, fields: &[&str]) -> DeError {
    let mut e = DeError::new(
        IssueKind::UnknownKey,
        format!("unknown key `{}`", entry.key),
    );
    e.suggestion = did_you_mean(&entry.key, fields.iter().copied()).map(str::to_string);
    e
}

pub(super) fn ctx_record(ctx: &Ctx, e: DeError) {
    ctx.recorded.borrow_mut().push(e);
}
