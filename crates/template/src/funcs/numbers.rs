//! Sprig's integer arithmetic and conversions (`numeric.go`): arguments are converted with
//! spf13/cast's rules (`add "2" 3` is 5), arithmetic wraps like Go's `int64`, and division
//! by zero is Go's runtime error.

use super::args::{int, str, to_float64, to_int64};
use super::{Def, fixed, variadic};
use crate::value::Value;

const DIVIDE_BY_ZERO: &str = "runtime error: integer divide by zero";

pub(super) static FUNCS: &[Def] = &[
    fixed("add1", 1, |a| {
        Ok(Value::Int(to_int64(&a[0]).wrapping_add(1)))
    }),
    variadic("add", 0, |a| {
        Ok(Value::Int(
            a.iter().map(to_int64).fold(0, i64::wrapping_add),
        ))
    }),
    fixed("sub", 2, |a| {
        Ok(Value::Int(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
    }),
    variadic("mul", 1, |a| {
        Ok(Value::Int(
            a.iter().map(to_int64).fold(1, i64::wrapping_mul),
        ))
    }),
    fixed("div", 2, |a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(DIVIDE_BY_ZERO.into());
        }
        Ok(Value::Int(to_int64(&a[0]).wrapping_div(d)))
    }),
    fixed("mod", 2, |a| {
        let d = to_int64(&a[1]);
        if d == 0 {
            return Err(DIVIDE_BY_ZERO.into());
        }
        Ok(Value::Int(to_int64(&a[0]).wrapping_rem(d)))
    }),
    variadic("max", 1, |a| {
        Ok(Value::Int(a.iter().map(to_int64).max().unwrap_or(0)))
    }),
    variadic("biggest", 1, |a| {
        Ok(Value::Int(a.iter().map(to_int64).max().unwrap_or(0)))
    }),
    variadic("min", 1, |a| {
        Ok(Value::Int(a.iter().map(to_int64).min().unwrap_or(0)))
    }),
    variadic("maxf", 1, |a| {
        Ok(Value::Float(
            a.iter().map(to_float64).fold(f64::NEG_INFINITY, f64::max),
        ))
    }),
    variadic("minf", 1, |a| {
        Ok(Value::Float(
            a.iter().map(to_float64).fold(f64::INFINITY, f64::min),
        ))
    }),
    fixed("ceil", 1, |a| Ok(Value::Float(to_float64(&a[0]).ceil()))),
    fixed("floor", 1, |a| Ok(Value::Float(to_float64(&a[0]).floor()))),
    variadic("round", 2, |a| {
        let round_on = a.get(2).map_or(0.5, to_float64);
        let pow = 10f64.powf(to_float64(&Value::Int(int(&a[1])?)));
        let digit = pow * to_float64(&a[0]);
        let r = if digit.fract() >= round_on {
            digit.ceil()
        } else {
            digit.floor()
        };
        Ok(Value::Float(r / pow))
    }),
    fixed("atoi", 1, |a| Ok(Value::Int(atoi(str(&a[0])?)))),
    fixed("int", 1, |a| Ok(Value::Int(to_int64(&a[0])))),
    fixed("int64", 1, |a| Ok(Value::Int(to_int64(&a[0])))),
    fixed("float64", 1, |a| Ok(Value::Float(to_float64(&a[0])))),
    fixed("toDecimal", 1, |a| {
        let text = super::printf::sprint(&a[..1]);
        Ok(Value::Int(i64::from_str_radix(&text, 8).unwrap_or(0)))
    }),
];

/// Go's `strconv.Atoi`, 0 when it fails (as sprig's `atoi`).
fn atoi(s: &str) -> i64 {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    s.parse().unwrap_or(0)
}
