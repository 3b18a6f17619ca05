//! Printing values as Go's `fmt` does with `%v`: `[a b]` lists, `map[k:v]` maps, `{a b}`
//! structs, `<nil>` inside them; Go's float formats (`%g`'s shortest form, `%e`, `%f`) and
//! `strconv.Quote`.

use std::fmt::{self, Write};

use super::{MAX_NESTING, MAX_TEXT, Value};

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text(self))
    }
}

/// `%v` of `v`, cut with `...` past [`MAX_TEXT`] bytes: a value may share its parts (a list
/// holding the same list twice, again and again), so its full text can be exponentially long.
pub(crate) fn text(v: &Value) -> String {
    let mut out = String::new();
    write_v(&mut out, v, 0);
    out
}

fn write_v(out: &mut String, v: &Value, depth: usize) {
    if depth > MAX_NESTING || out.len() > MAX_TEXT {
        out.push_str("...");
        return;
    }
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(x) => out.push_str(&format_float(*x, 'g', None)),
        Value::Str(s) => out.push_str(s),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if out.len() > MAX_TEXT {
                    break;
                }
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, item, depth + 1);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, item)) in m.entries().iter().enumerate() {
                if out.len() > MAX_TEXT {
                    break;
                }
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_v(out, item, depth + 1);
            }
            out.push(']');
        }
        Value::Struct(s) => {
            out.push('{');
            for (i, item) in s.values().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, item, depth + 1);
            }
            out.push('}');
        }
    }
}

/// `x` formatted with verb `g`, `e` or `f` (upper-case variants too) and an optional
/// precision, as Go's `strconv.FormatFloat` does (`None` with `g` is the shortest form).
pub(crate) fn format_float(x: f64, verb: char, prec: Option<usize>) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    // Rust's formatter refuses precisions above `u16::MAX`; Go's output there is zeros.
    let prec = prec.map(|p| p.min(1000));
    let upper = verb.is_ascii_uppercase();
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let body = match verb.to_ascii_lowercase() {
        'f' => format!("{:.*}", prec.unwrap_or(6), x.abs()),
        'e' => exp_form(&format!("{:.*e}", prec.unwrap_or(6), x.abs())),
        _ => general(x.abs(), prec),
    };
    let out = format!("{sign}{body}");
    if upper { out.replace('e', "E") } else { out }
}

/// Rust's `1.5e3` as Go's `1.5e+03`.
fn exp_form(rust: &str) -> String {
    let (mant, exp) = rust.split_once('e').unwrap_or((rust, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{:02}", exp.abs())
}

/// `%g` of a non-negative finite `x`.
fn general(x: f64, prec: Option<usize>) -> String {
    if x == 0.0 {
        return "0".into();
    }
    // The significant digits (trailing zeros dropped) and the decimal point position.
    let sci = match prec {
        None => format!("{x:e}"),
        Some(p) => format!("{:.*e}", p.max(1) - 1, x),
    };
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let mut digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let nd = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let dp = exp.parse::<i64>().unwrap_or(0) + 1;
    let (eprec, prec) = match prec {
        None => (6, nd),
        Some(p) => {
            let p = i64::try_from(p.max(1)).unwrap_or(i64::MAX);
            let eprec = if p > nd && nd >= dp { nd } else { p };
            (eprec, p)
        }
    };
    let exp = dp - 1;
    if exp < -4 || exp >= eprec {
        let decimals = usize::try_from(prec.min(nd) - 1).unwrap_or(0);
        let mut out = digits[..1].to_string();
        if decimals > 0 {
            out.push('.');
            out.push_str(&digits[1..]);
            out.extend(std::iter::repeat_n(
                '0',
                decimals.saturating_sub(digits.len() - 1),
            ));
        }
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{out}e{sign}{:02}", exp.abs());
    }
    let prec = if prec > dp { nd } else { prec };
    let decimals = (prec - dp).max(0);
    let digit = |i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| digits.as_bytes().get(i))
            .map_or('0', |&b| char::from(b))
    };
    let mut out = String::new();
    if dp > 0 {
        (0..dp).for_each(|i| out.push(digit(i)));
    } else {
        out.push('0');
    }
    if decimals > 0 {
        out.push('.');
        (0..decimals).for_each(|i| out.push(digit(dp + i)));
    }
    out
}

/// Go's `strconv.Quote`: a double-quoted string with Go escapes.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            ' ' => out.push(' '),
            c if c < ' ' || c == '\x7f' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if c.is_control() || c.is_whitespace() => {
                let n = u32::from(c);
                let _ = if n < 0x10000 {
                    write!(out, "\\u{n:04x}")
                } else {
                    write!(out, "\\U{n:08x}")
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::{format_float, quote};
    use crate::value::{Map, Value};

    #[test]
    fn floats_as_go_prints_them() {
        let rows: &[(f64, char, Option<usize>, &str)] = &[
            (1.5, 'g', None, "1.5"),
            (100000.0, 'g', None, "100000"),
            (1e6, 'g', None, "1e+06"),
            (123456789.0, 'g', None, "1.23456789e+08"),
            (0.0001, 'g', None, "0.0001"),
            (0.00001, 'g', None, "1e-05"),
            (0.0, 'g', None, "0"),
            (-2.5, 'g', None, "-2.5"),
            (1e21, 'g', None, "1e+21"),
            (3.0, 'g', None, "3"),
            (1234.0, 'g', Some(3), "1.23e+03"),
            (12.0, 'g', Some(3), "12"),
            (0.1, 'g', Some(3), "0.1"),
            (1.23456, 'f', Some(2), "1.23"),
            (2.0, 'f', None, "2.000000"),
            (1234.5678, 'e', Some(2), "1.23e+03"),
            (0.001, 'e', None, "1.000000e-03"),
            (1.5, 'E', Some(1), "1.5E+00"),
            (f64::INFINITY, 'g', None, "+Inf"),
        ];
        for (x, verb, prec, want) in rows {
            assert_eq!(format_float(*x, *verb, *prec), *want, "{x} {verb} {prec:?}");
        }
    }

    #[test]
    fn values_print_like_fmt_v() {
        let map = Map::new(
            [
                ("b".to_string(), Value::Int(2)),
                ("a".to_string(), Value::Nil),
            ]
            .into_iter()
            .collect(),
        );
        let list = Value::list([Value::from("x"), Value::Int(1), Value::Map(map)]);
        assert_eq!(list.to_string(), "[x 1 map[a:<nil> b:2]]");
        let s = Value::structure("T", vec![("A", Value::from("a")), ("B", Value::Bool(true))]);
        assert_eq!(s.to_string(), "{a true}");
    }

    #[test]
    fn quote_escapes_like_strconv() {
        assert_eq!(quote("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(quote("\x01é\u{a0}"), r#""\x01é\u00a0""#);
    }
}
