//! Sprig's defaults and flow helpers (`defaults.go`, `reflect.go`, `fail`): `default`,
//! `empty`, `coalesce`, `all`, `any`, `ternary`, the type checks and `fail`.

use super::args::{boolean, empty, str};
use super::{Def, fixed, variadic};
use crate::value::Value;

pub(super) static FUNCS: &[Def] = &[
    // `default D` alone is D; `default D X` is X unless X is empty.
    variadic("default", 1, |a| {
        Ok(match a.get(1) {
            Some(given) if !empty(given) => given.clone(),
            _ => a[0].clone(),
        })
    }),
    fixed("empty", 1, |a| Ok(Value::Bool(empty(&a[0])))),
    variadic("coalesce", 0, |a| {
        Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or_default())
    }),
    variadic("all", 0, |a| Ok(Value::Bool(a.iter().all(|v| !empty(v))))),
    variadic("any", 0, |a| Ok(Value::Bool(a.iter().any(|v| !empty(v))))),
    fixed("ternary", 3, |a| {
        Ok(if boolean(&a[2])? {
            a[0].clone()
        } else {
            a[1].clone()
        })
    }),
    fixed("fail", 1, |a| Err(str(&a[0])?.to_string())),
    fixed("kindOf", 1, |a| Ok(Value::Str(a[0].kind_name().into()))),
    fixed("kindIs", 2, |a| {
        Ok(Value::Bool(str(&a[0])? == a[1].kind_name()))
    }),
    fixed("typeOf", 1, |a| Ok(Value::Str(a[0].type_name()))),
    fixed("typeIs", 2, |a| {
        Ok(Value::Bool(str(&a[0])? == a[1].type_name()))
    }),
    fixed("typeIsLike", 2, |a| {
        let (want, got) = (str(&a[0])?, a[1].type_name());
        Ok(Value::Bool(want == got || format!("*{want}") == got))
    }),
    fixed("deepEqual", 2, |a| Ok(Value::Bool(a[0].deep_eq(&a[1])))),
];
