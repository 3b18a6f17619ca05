//! The functions templates call: Go's builtins and the sprig functions Traefik registers
//! (`sprig.TxtFuncMap()`), each group in its own module, plus what Traefik adds.
//!
//! - [`builtin`]: `and or not len index print printf println eq ne lt le gt ge html js
//!   urlquery` (Go's `call` is absent: templates here have no function values).
//! - sprig: [`strings`], [`lists`], [`dicts`], [`numbers`], [`defaults`] (defaults, type
//!   checks, `fail`), [`system`] (`env`, `expandenv`, paths, base64/base32), [`regex`],
//!   [`json`].
//! - [`traefik`]: `normalize`, and the file provider's `split`.
//!
//! Sprig functions not in those modules (dates, hashes and crypto, random values, UUIDs,
//! semver, URL parsing, DNS, `xstrings` case conversions, `wrap`, decimal float arithmetic)
//! are not provided: a template using one fails to parse, naming it.

mod args;
mod builtin;
mod defaults;
mod dicts;
mod json;
mod lists;
mod numbers;
mod printf;
mod regex;
mod strings;
mod system;
mod traefik;

pub use self::traefik::normalize;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::value::Value;

/// What a function does with its (already evaluated) arguments.
pub type Callable = dyn Fn(&[Value]) -> Result<Value, String> + Send + Sync;

/// A function templates may call, with how many arguments it takes.
#[derive(Clone)]
pub struct Func {
    min: usize,
    /// `None`: variadic.
    max: Option<usize>,
    call: Arc<Callable>,
}

/// The functions a template may call, by name.
#[derive(Clone, Default)]
pub struct Funcs {
    map: Arc<BTreeMap<String, Func>>,
}

/// One entry of a module's function table.
pub(crate) struct Def {
    name: &'static str,
    min: usize,
    max: Option<usize>,
    f: fn(&[Value]) -> Result<Value, String>,
}

pub(crate) const fn fixed(
    name: &'static str,
    n: usize,
    f: fn(&[Value]) -> Result<Value, String>,
) -> Def {
    Def {
        name,
        min: n,
        max: Some(n),
        f,
    }
}

pub(crate) const fn variadic(
    name: &'static str,
    min: usize,
    f: fn(&[Value]) -> Result<Value, String>,
) -> Def {
    Def {
        name,
        min,
        max: None,
        f,
    }
}

// === impl Func ===

impl Func {
    /// A function of `min` to `max` arguments (`None`: any number from `min`).
    pub fn new(
        min: usize,
        max: Option<usize>,
        f: impl Fn(&[Value]) -> Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        Self {
            min,
            max,
            call: Arc::new(f),
        }
    }

    /// Go's arity error when `n` arguments do not fit.
    pub(crate) fn check_arity(&self, name: &str, n: usize) -> Result<(), String> {
        match self.max {
            Some(max) if n != max => Err(format!(
                "wrong number of args for {name}: want {max} got {n}"
            )),
            None if n < self.min => Err(format!(
                "wrong number of args for {name}: want at least {} got {n}",
                self.min
            )),
            _ => Ok(()),
        }
    }

    pub(crate) fn call(&self, args: &[Value]) -> Result<Value, String> {
        (self.call)(args)
    }
}

// === impl Funcs ===

impl Funcs {
    /// Go's builtin functions only.
    pub fn builtins() -> Self {
        Self::default()
            .with_table(builtin::FUNCS)
            .with_table(printf::FUNCS)
    }

    /// Go's builtins and sprig's `TxtFuncMap` (sprig's `slice` replacing Go's), with `env`
    /// and `expandenv` reading the process environment.
    pub fn sprig() -> Self {
        Self::builtins()
            .with_table(strings::FUNCS)
            .with_table(lists::FUNCS)
            .with_table(dicts::FUNCS)
            .with_table(numbers::FUNCS)
            .with_table(defaults::FUNCS)
            .with_table(system::FUNCS)
            .with_table(regex::FUNCS)
            .with_table(json::FUNCS)
    }

    /// Adds (or replaces) `name`.
    pub fn with(mut self, name: &str, f: Func) -> Self {
        Arc::make_mut(&mut self.map).insert(name.to_string(), f);
        self
    }

    fn with_table(mut self, table: &[Def]) -> Self {
        let map = Arc::make_mut(&mut self.map);
        for d in table {
            let f = d.f;
            map.insert(d.name.to_string(), Func::new(d.min, d.max, f));
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&Func> {
        self.map.get(name)
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// Go's "not defined" error, with the closest name when it looks like a typo.
    pub(crate) fn not_defined(&self, name: &str) -> String {
        let hint = suggest(name, self.names())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        format!("function {name:?} not defined{hint}")
    }
}

/// The closest candidate: a case-insensitive edit distance (adjacent swaps counting as one
/// edit) of at most 2, or a third of the word's length, and less than its length.
pub(crate) fn suggest<'a>(
    input: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let needle = input.to_ascii_lowercase();
    let len = needle.chars().count();
    let limit = (len / 3).clamp(2, 3);
    candidates
        .map(|c| (strsim::osa_distance(&needle, &c.to_ascii_lowercase()), c))
        .filter(|&(d, _)| d <= limit && d < len)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// `expandenv`'s expansion with another lookup, for tests.
#[cfg(test)]
pub(crate) fn expand_for_tests(s: &str, lookup: impl Fn(&str) -> String) -> String {
    system::expand(s, lookup)
}

#[cfg(test)]
mod tests;
