//! Template values: what Go's `reflect.Value`s are in templates, reduced to the kinds
//! templates meet (nil, bool, int, float, string, list, map with string keys, struct), with
//! Go's truthiness, type names and equality.
//!
//! Maps are shared and mutable, as Go's are: sprig's `set` changes the map every variable
//! holding it sees. Lists are immutable (sprig's list functions return new lists).

mod format;

pub(crate) use self::format::{format_float, quote};

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// How deep printing and comparing go into nested values (a map can hold itself).
pub(crate) const MAX_NESTING: usize = 64;
/// The longest string a function may return or a value print to.
pub(crate) const MAX_TEXT: usize = 16 << 20;
/// The most list items a function may return.
pub(crate) const MAX_LIST: usize = 1 << 20;
/// How many nodes a deep comparison or copy may visit (values can share their parts).
pub(crate) const MAX_VISITS: usize = 1 << 20;

/// A value in a template.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// Go's invalid value or nil interface: a missing map key, `nil`. Prints `<no value>`.
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Rc<Vec<Value>>),
    Map(Map),
    Struct(Rc<Struct>),
}

/// A map with string keys (Go's `map[string]interface{}`, or `map[string]string`).
#[derive(Debug, Clone)]
pub struct Map {
    entries: Rc<RefCell<BTreeMap<String, Value>>>,
    /// Go's `map[string]string`: `index` gives `""` for a missing key, not nil.
    strings: bool,
}

/// A Go struct: named fields; asking for another field is an error.
#[derive(Debug)]
pub struct Struct {
    type_name: String,
    fields: Vec<(String, Value)>,
}

// === impl Value ===

impl Value {
    /// A list of values.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Self {
        Value::List(Rc::new(items.into_iter().collect()))
    }

    /// A Go struct value named `type_name` (used in error messages).
    pub fn structure(type_name: &str, fields: Vec<(&str, Value)>) -> Self {
        Value::Struct(Rc::new(Struct {
            type_name: type_name.to_string(),
            fields: fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }))
    }

    /// Go's truth: false for nil, false, 0, and empty strings, lists and maps.
    pub fn truth(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Struct(_) => true,
        }
    }

    /// The Go type name, as `%T` prints it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float64".into(),
            Value::Str(_) => "string".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(m) if m.strings => "map[string]string".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Struct(s) => s.type_name.clone(),
        }
    }

    /// The Go `reflect.Kind` name (sprig's `kindOf`).
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Struct(_) => "struct",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Deep equality (Go's `reflect.DeepEqual` on these kinds).
    pub(crate) fn deep_eq(&self, other: &Value) -> bool {
        let mut visits = MAX_VISITS;
        self.eq_depth(other, 0, &mut visits)
    }

    fn eq_depth(&self, other: &Value, depth: usize, visits: &mut usize) -> bool {
        if depth > MAX_NESTING || *visits == 0 {
            return false;
        }
        *visits -= 1;
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| x.eq_depth(y, depth + 1, visits))
            }
            (Value::Map(a), Value::Map(b)) => {
                let (a, b) = (a.entries(), b.entries());
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.eq_depth(vb, depth + 1, visits))
            }
            (Value::Struct(a), Value::Struct(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(m)
    }
}

// === impl Map ===

impl Map {
    /// A `map[string]interface{}`.
    pub fn new(entries: BTreeMap<String, Value>) -> Self {
        Self {
            entries: Rc::new(RefCell::new(entries)),
            strings: false,
        }
    }

    /// A `map[string]string`.
    pub fn strings<K: Into<String>, V: Into<String>>(
        entries: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let entries = entries
            .into_iter()
            .map(|(k, v)| (k.into(), Value::Str(v.into())))
            .collect();
        Self {
            entries: Rc::new(RefCell::new(entries)),
            strings: true,
        }
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.entries.try_borrow().ok()?.get(key).cloned()
    }

    /// What `index` gives for a missing key: the zero value of the element type.
    pub(crate) fn zero(&self) -> Value {
        if self.strings {
            Value::Str(String::new())
        } else {
            Value::Nil
        }
    }

    pub fn len(&self) -> usize {
        self.entries.try_borrow().map_or(0, |e| e.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries in key order (a copy: the map may change while they are used).
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.entries.try_borrow().map_or_else(
            |_| Vec::new(),
            |e| e.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        )
    }

    /// Sets `key` (sprig's `set`: every holder of the map sees it).
    pub(crate) fn insert(&self, key: String, value: Value) -> Result<(), String> {
        if self.strings {
            return Err(
                "wrong type for value; expected map[string]interface {}; got map[string]string"
                    .into(),
            );
        }
        let mut e = self
            .entries
            .try_borrow_mut()
            .map_err(|_| "map is in use".to_string())?;
        e.insert(key, value);
        Ok(())
    }

    pub(crate) fn remove(&self, key: &str) -> Result<(), String> {
        let mut e = self
            .entries
            .try_borrow_mut()
            .map_err(|_| "map is in use".to_string())?;
        e.remove(key);
        Ok(())
    }
}

// === impl Struct ===

impl Struct {
    pub(crate) fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    pub(crate) fn field_names(&self) -> impl Iterator<Item = &str> + Clone {
        self.fields.iter().map(|(k, _)| k.as_str())
    }

    pub(crate) fn type_name(&self) -> &str {
        &self.type_name
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Value> {
        self.fields.iter().map(|(_, v)| v)
    }
}
