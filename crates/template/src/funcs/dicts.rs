//! Sprig's dictionary functions (`dict.go`): `map[string]interface{}` values. `set`,
//! `unset`, `merge` and `mergeOverwrite` change the map in place, as in Go, so
//! `{{ $_ := set $d "k" "v" }}` is seen through every variable holding `$d`.

use std::collections::BTreeMap;

use super::args::{empty, map, str, strval};
use super::{Def, fixed, variadic};
use crate::value::{MAX_NESTING, MAX_VISITS, Map, Value};

pub(super) static FUNCS: &[Def] = &[
    variadic("dict", 0, |a| {
        let mut m = BTreeMap::new();
        for pair in a.chunks(2) {
            let value = pair
                .get(1)
                .cloned()
                .unwrap_or_else(|| Value::Str(String::new()));
            m.insert(strval(&pair[0]), value);
        }
        Ok(Value::Map(Map::new(m)))
    }),
    fixed("get", 2, |a| {
        Ok(map(&a[0])?
            .get(str(&a[1])?)
            .unwrap_or_else(|| Value::Str(String::new())))
    }),
    fixed("set", 3, |a| {
        let m = map(&a[0])?;
        m.insert(str(&a[1])?.to_string(), a[2].clone())?;
        Ok(Value::Map(m))
    }),
    fixed("unset", 2, |a| {
        let m = map(&a[0])?;
        m.remove(str(&a[1])?)?;
        Ok(Value::Map(m))
    }),
    fixed("hasKey", 2, |a| {
        Ok(Value::Bool(map(&a[0])?.get(str(&a[1])?).is_some()))
    }),
    variadic("pluck", 1, |a| {
        let key = str(&a[0])?;
        let found = a[1..].iter().map(map).collect::<Result<Vec<_>, _>>()?;
        Ok(Value::list(found.iter().filter_map(|m| m.get(key))))
    }),
    variadic("keys", 0, |a| {
        let mut keys = Vec::new();
        for m in a {
            keys.extend(map(m)?.entries().into_iter().map(|(k, _)| Value::Str(k)));
        }
        Ok(Value::list(keys))
    }),
    variadic("pick", 1, |a| {
        let m = map(&a[0])?;
        let mut out = BTreeMap::new();
        for k in &a[1..] {
            let k = str(k)?;
            if let Some(v) = m.get(k) {
                out.insert(k.to_string(), v);
            }
        }
        Ok(Value::Map(Map::new(out)))
    }),
    variadic("omit", 1, |a| {
        let omit = a[1..].iter().map(str).collect::<Result<Vec<_>, _>>()?;
        let out = map(&a[0])?
            .entries()
            .into_iter()
            .filter(|(k, _)| !omit.contains(&k.as_str()))
            .collect();
        Ok(Value::Map(Map::new(out)))
    }),
    fixed("values", 1, |a| {
        Ok(Value::list(
            map(&a[0])?.entries().into_iter().map(|(_, v)| v),
        ))
    }),
    variadic("dig", 3, dig),
    variadic("merge", 1, |a| merge(a, false)),
    variadic("mustMerge", 1, |a| merge(a, false)),
    variadic("mergeOverwrite", 1, |a| merge(a, true)),
    variadic("mustMergeOverwrite", 1, |a| merge(a, true)),
    fixed("deepCopy", 1, |a| copy(&a[0])),
    fixed("mustDeepCopy", 1, |a| copy(&a[0])),
];

/// `dig "a" "b" DEFAULT DICT`: `DICT.a.b`, or `DEFAULT` when a key is missing.
fn dig(a: &[Value]) -> Result<Value, String> {
    let (keys, rest) = a.split_at(a.len() - 2);
    let mut current = map(&rest[1])?;
    for (i, key) in keys.iter().enumerate() {
        let Some(v) = current.get(str(key)?) else {
            return Ok(rest[0].clone());
        };
        if i + 1 == keys.len() {
            return Ok(v);
        }
        current = map(&v)?;
    }
    Ok(rest[0].clone())
}

/// Merges the sources into the first map (mergo's rules, roughly): nested maps merge; other
/// values fill keys that are missing or empty, or with `overwrite` replace them unless the
/// source value is empty.
fn merge(a: &[Value], overwrite: bool) -> Result<Value, String> {
    let dst = map(&a[0])?;
    let mut visits = MAX_VISITS;
    for src in &a[1..] {
        merge_into(&dst, &map(src)?, overwrite, 0, &mut visits)?;
    }
    Ok(Value::Map(dst))
}

fn merge_into(
    dst: &Map,
    src: &Map,
    overwrite: bool,
    depth: usize,
    visits: &mut usize,
) -> Result<(), String> {
    if depth > MAX_NESTING || *visits == 0 {
        return Err("maps nested too deeply or too large to merge".into());
    }
    *visits -= 1;
    for (k, v) in src.entries() {
        match (dst.get(&k), &v) {
            (Some(Value::Map(d)), Value::Map(s)) => {
                merge_into(&d, s, overwrite, depth + 1, visits)?
            }
            (Some(old), _) if !(empty(&old) || overwrite && !empty(&v)) => {}
            _ => dst.insert(k, v)?,
        }
    }
    Ok(())
}

fn copy(v: &Value) -> Result<Value, String> {
    let mut visits = MAX_VISITS;
    deep_copy(v, 0, &mut visits)
}

fn deep_copy(v: &Value, depth: usize, visits: &mut usize) -> Result<Value, String> {
    if depth > MAX_NESTING || *visits == 0 {
        return Err("value nested too deeply or too large to copy".into());
    }
    *visits -= 1;
    Ok(match v {
        Value::List(items) => Value::list(
            items
                .iter()
                .map(|i| deep_copy(i, depth + 1, visits))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Value::Map(m) => {
            let mut out = BTreeMap::new();
            for (k, i) in m.entries() {
                out.insert(k, deep_copy(&i, depth + 1, visits)?);
            }
            Value::Map(Map::new(out))
        }
        v => v.clone(),
    })
}
