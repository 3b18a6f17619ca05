//! Sprig's list functions (`list.go`, `until`, `seq`): lists are never changed in place,
//! each function returns a new one. The `must…` variants are the same functions: sprig's
//! plain ones panic where the `must` ones return an error, and Go's template engine turns
//! both into the same execution error.

use super::args::{count, empty, int, list, to_int64};
use super::{Def, fixed, variadic};
use crate::value::{MAX_LIST, Value};

pub(super) static FUNCS: &[Def] = &[
    variadic("list", 0, |a| Ok(Value::list(a.iter().cloned()))),
    variadic("tuple", 0, |a| Ok(Value::list(a.iter().cloned()))),
    fixed("append", 2, push),
    fixed("push", 2, push),
    fixed("mustAppend", 2, push),
    fixed("mustPush", 2, push),
    fixed("prepend", 2, prepend),
    fixed("mustPrepend", 2, prepend),
    fixed("first", 1, first),
    fixed("mustFirst", 1, first),
    fixed("last", 1, last),
    fixed("mustLast", 1, last),
    fixed("rest", 1, rest),
    fixed("mustRest", 1, rest),
    fixed("initial", 1, initial),
    fixed("mustInitial", 1, initial),
    fixed("reverse", 1, reverse),
    fixed("mustReverse", 1, reverse),
    fixed("uniq", 1, uniq),
    fixed("mustUniq", 1, uniq),
    variadic("without", 1, without),
    variadic("mustWithout", 1, without),
    fixed("has", 2, has),
    fixed("mustHas", 2, has),
    fixed("compact", 1, compact),
    fixed("mustCompact", 1, compact),
    variadic("slice", 1, slice),
    variadic("mustSlice", 1, slice),
    variadic("concat", 0, concat),
    fixed("chunk", 2, chunk),
    fixed("mustChunk", 2, chunk),
    fixed("until", 1, |a| {
        let n = int(&a[0])?;
        ints(until_step(0, n, if n < 0 { -1 } else { 1 })?)
    }),
    fixed("untilStep", 3, |a| {
        ints(until_step(int(&a[0])?, int(&a[1])?, int(&a[2])?)?)
    }),
    variadic("seq", 0, seq),
];

fn push(a: &[Value]) -> Result<Value, String> {
    let items = list(&a[0], "push")?;
    Ok(Value::list(items.iter().chain([&a[1]]).cloned()))
}

fn prepend(a: &[Value]) -> Result<Value, String> {
    let items = list(&a[0], "prepend")?;
    Ok(Value::list([&a[1]].into_iter().chain(items).cloned()))
}

fn first(a: &[Value]) -> Result<Value, String> {
    Ok(list(&a[0], "find first")?
        .first()
        .cloned()
        .unwrap_or_default())
}

fn last(a: &[Value]) -> Result<Value, String> {
    Ok(list(&a[0], "find last")?
        .last()
        .cloned()
        .unwrap_or_default())
}

fn rest(a: &[Value]) -> Result<Value, String> {
    let items = list(&a[0], "find rest")?;
    Ok(Value::list(items.iter().skip(1).cloned()))
}

fn initial(a: &[Value]) -> Result<Value, String> {
    let items = list(&a[0], "find initial")?;
    Ok(Value::list(
        items.iter().take(items.len().saturating_sub(1)).cloned(),
    ))
}

fn reverse(a: &[Value]) -> Result<Value, String> {
    Ok(Value::list(
        list(&a[0], "find reverse")?.iter().rev().cloned(),
    ))
}

fn uniq(a: &[Value]) -> Result<Value, String> {
    let mut out: Vec<Value> = Vec::new();
    for v in list(&a[0], "find uniq")? {
        if !out.iter().any(|o| o.deep_eq(v)) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

fn without(a: &[Value]) -> Result<Value, String> {
    let items = list(&a[0], "find without")?;
    let omit = &a[1..];
    Ok(Value::list(
        items
            .iter()
            .filter(|v| !omit.iter().any(|o| o.deep_eq(v)))
            .cloned(),
    ))
}

fn has(a: &[Value]) -> Result<Value, String> {
    if matches!(a[1], Value::Nil) {
        return Ok(Value::Bool(false));
    }
    let items = list(&a[1], "find has")?;
    Ok(Value::Bool(items.iter().any(|v| v.deep_eq(&a[0]))))
}

fn compact(a: &[Value]) -> Result<Value, String> {
    let items = list(&a[0], "compact")?;
    Ok(Value::list(items.iter().filter(|v| !empty(v)).cloned()))
}

/// `slice LIST [START [END]]`.
fn slice(a: &[Value]) -> Result<Value, String> {
    let Value::List(items) = &a[0] else {
        return Err(format!(
            "list should be type of slice or array but {}",
            a[0].kind_name()
        ));
    };
    if items.is_empty() {
        return Ok(Value::Nil);
    }
    let start = a.get(1).map_or(0, to_int64);
    let end = a
        .get(2)
        .map_or(i64::try_from(items.len()).unwrap_or(i64::MAX), to_int64);
    let range = usize::try_from(start).ok().zip(usize::try_from(end).ok());
    match range {
        Some((s, e)) if s <= e && e <= items.len() => Ok(Value::list(items[s..e].iter().cloned())),
        _ => Err(format!(
            "slice bounds out of range [{start}:{end}] with capacity {}",
            items.len()
        )),
    }
}

fn concat(a: &[Value]) -> Result<Value, String> {
    let mut out = Vec::new();
    for l in a {
        match l {
            Value::List(items) => out.extend(items.iter().cloned()),
            v => return Err(format!("Cannot concat type {} as list", v.kind_name())),
        }
    }
    Ok(Value::list(out))
}

fn chunk(a: &[Value]) -> Result<Value, String> {
    let size = count(&a[0], MAX_LIST)?;
    let items = list(&a[1], "chunk")?;
    if size == 0 {
        return Err("runtime error: integer divide by zero".into());
    }
    Ok(Value::list(
        items.chunks(size).map(|c| Value::list(c.iter().cloned())),
    ))
}

/// Sprig's `untilStep`: from `start` towards `stop` (excluded) by `step`.
pub(crate) fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, String> {
    let mut out = Vec::new();
    let going = |i: i64| if stop < start { i > stop } else { i < stop };
    if step == 0 || (stop < start && step > 0) || (stop >= start && step < 0) {
        return Ok(out);
    }
    let mut i = start;
    while going(i) {
        if out.len() >= MAX_LIST {
            return Err(format!("more than {MAX_LIST} numbers"));
        }
        out.push(i);
        let Some(n) = i.checked_add(step) else { break };
        i = n;
    }
    Ok(out)
}

fn ints(items: Vec<i64>) -> Result<Value, String> {
    Ok(Value::list(items.into_iter().map(Value::Int)))
}

/// Sprig's `seq`, like the shell's: `seq 3` is `1 2 3`, `seq 2 5`, `seq 0 2 10`.
fn seq(a: &[Value]) -> Result<Value, String> {
    let p = a.iter().map(int).collect::<Result<Vec<_>, _>>()?;
    let (start, step, end) = match p.as_slice() {
        [end] => (1, if *end < 1 { -1 } else { 1 }, *end),
        [start, end] => (*start, if end < start { -1 } else { 1 }, *end),
        [start, step, end] => {
            if end < start && *step > 0 {
                return Ok(Value::Str(String::new()));
            }
            (*start, *step, *end)
        }
        _ => return Ok(Value::Str(String::new())),
    };
    let increment = if end < start { -1 } else { 1 };
    let items = until_step(start, end.saturating_add(increment), step)?;
    let text: Vec<String> = items.iter().map(ToString::to_string).collect();
    Ok(Value::Str(text.join(" ")))
}
