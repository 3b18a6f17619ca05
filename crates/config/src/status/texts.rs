//! [`Texts`]: the short lists of an item's status (errors, warnings, `using`, `usedBy`), one
//! pointer wide when empty, as most are. Four `Vec<String>` made a status 104 bytes; with
//! 10,000 routers and 10,000 services, a table's statuses are 40 bytes each instead.

use std::fmt;
use std::ops::Deref;

use serde::{Serialize, Serializer};

/// A list of texts, in the order pushed; empty without any allocation.
#[derive(Clone, Default)]
#[allow(
    clippy::box_collection,
    reason = "a boxed Vec is one pointer (a Vec three words, a boxed slice two), and the \
              list still grows in place"
)]
pub struct Texts(Option<Box<Vec<String>>>);

// === impl Texts ===

impl Texts {
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|v| v.is_empty())
    }

    pub fn push(&mut self, text: String) {
        // Most lists hold one text: no room for four.
        self.0
            .get_or_insert_with(|| Box::new(Vec::with_capacity(1)))
            .push(text);
    }
}

impl Deref for Texts {
    type Target = [String];

    fn deref(&self) -> &[String] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl<'a> IntoIterator for &'a Texts {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl FromIterator<String> for Texts {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        let v: Vec<String> = iter.into_iter().collect();
        Texts((!v.is_empty()).then(|| Box::new(v)))
    }
}

impl PartialEq for Texts {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: AsRef<str>> PartialEq<Vec<T>> for Texts {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<T: AsRef<str>, const N: usize> PartialEq<[T; N]> for Texts {
    fn eq(&self, other: &[T; N]) -> bool {
        self.len() == N && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl fmt::Debug for Texts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Texts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pointer_and_serialized_as_a_list() {
        assert_eq!(size_of::<Texts>(), size_of::<usize>());
        let mut t = Texts::default();
        assert!(t.is_empty());
        assert_eq!(serde_json::to_string(&t).expect("json"), "[]");
        t.push("a".to_string());
        t.push("b".to_string());
        assert_eq!(t, ["a", "b"]);
        assert_eq!(serde_json::to_string(&t).expect("json"), r#"["a","b"]"#);
        assert_eq!(format!("{t:?}"), r#"["a", "b"]"#);
        let collected: Texts = ["a", "b"].map(String::from).into_iter().collect();
        assert_eq!(collected, t);
        assert_eq!(Texts::default(), std::iter::empty().collect::<Texts>());
    }
}
