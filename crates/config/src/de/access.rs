//! serde access types: struct fields (case-insensitive, unknown keys recorded with a
//! suggestion), plain maps (keys kept as written) and sequences.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess};

use super::{Ctx, DeError, NodeDe};
use crate::issue::IssueKind;
use crate::node::{Entry, Node};
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
