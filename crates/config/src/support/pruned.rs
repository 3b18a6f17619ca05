//! A JSON view of a configuration holding only the keys some gap pattern can reach: the
//! gaps name a handful of options, and serializing 10,000 routers whole to look at one field
//! of each took a third of a reload's compile. A serializer walks the model and descends
//! only into fields and map keys on a pattern's way (`*` is any key); where a pattern ends,
//! the option is serialized whole (what [`super::walk`] and `is_set` look at). Objects with
//! nothing on the way below are left out.

use serde::Serialize;
use serde::ser::{self, Serializer};
use serde_json::{Map, Value};

type Error = serde_json::Error;

/// The parts of `value` on the way of one of `patterns` (dotted, `*` for one key): the
/// objects on a pattern's path that lead to a value, and the whole value where a pattern
/// ends. Everything else is left out.
pub(super) fn pruned<T: Serialize + ?Sized>(value: &T, patterns: &[&str]) -> Value {
    let split: Vec<Vec<&str>> = patterns.iter().map(|p| p.split('.').collect()).collect();
    let rest: Vec<&[&str]> = split.iter().map(Vec::as_slice).collect();
    value.serialize(Nav { rest: &rest }).unwrap_or(Value::Null)
}

/// The remaining segments of the patterns still alive at this node (each non-empty).
#[derive(Clone, Copy)]
struct Nav<'p> {
    rest: &'p [&'p [&'p str]],
}

impl<'p> Nav<'p> {
    /// The child `key`: `None` when no pattern goes there; `Some(true)` when one ends there
    /// (serialize it whole), otherwise the patterns going on, in `buf`.
    fn child(&self, key: &str, buf: &mut Vec<&'p [&'p str]>) -> Option<bool> {
        buf.clear();
        let mut ends = false;
        for r in self.rest {
            if let Some((first, tail)) = r.split_first()
                && (*first == "*" || *first == key)
            {
                if tail.is_empty() {
                    ends = true;
                } else {
                    buf.push(tail);
                }
            }
        }
        (ends || !buf.is_empty()).then_some(ends)
    }

    fn field<T: Serialize + ?Sized>(&self, key: &str, value: &T, out: &mut Map<String, Value>) {
        let mut buf = Vec::new();
        let v = match self.child(key, &mut buf) {
            None => return,
            Some(true) => serde_json::to_value(value).unwrap_or(Value::Null),
            // Nothing on the way below (an empty object, a value that is not an object):
            // left out, so that 10,000 items without the option cost no map and no walk.
            Some(false) => match value.serialize(Nav { rest: &buf }) {
                Ok(Value::Object(m)) if !m.is_empty() => Value::Object(m),
                _ => return,
            },
        };
        out.insert(key.to_string(), v);
    }
}

/// A map or struct on a pattern's way.
struct Obj<'p> {
    nav: Nav<'p>,
    out: Map<String, Value>,
    key: Option<String>,
}

/// A compound value that is not an object: not on anyone's way.
struct Skip;

macro_rules! null {
    ($($name:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $name(self, $(_: $arg),*) -> Result<Value, Error> { Ok(Value::Null) })*
    };
}

impl<'p> Serializer for Nav<'p> {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Skip;
    type SerializeTuple = Skip;
    type SerializeTupleStruct = Skip;
    type SerializeTupleVariant = Skip;
    type SerializeMap = Obj<'p>;
    type SerializeStruct = Obj<'p>;
    type SerializeStructVariant = Skip;

    null!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Value, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Value, Error> {
        Ok(Value::Null)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Skip, Error> {
        Ok(Skip)
    }
    fn serialize_tuple(self, _: usize) -> Result<Skip, Error> {
        Ok(Skip)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Skip, Error> {
        Ok(Skip)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Skip, Error> {
        Ok(Skip)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Obj<'p>, Error> {
        Ok(Obj {
            nav: self,
            out: Map::new(),
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Obj<'p>, Error> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Skip, Error> {
        Ok(Skip)
    }
}

impl ser::SerializeMap for Obj<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = match serde_json::to_value(key)? {
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        };
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if let Some(key) = self.key.take() {
            self.nav.field(&key, value, &mut self.out);
        }
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Object(self.out))
    }
}

impl ser::SerializeStruct for Obj<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.nav.field(key, value, &mut self.out);
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Object(self.out))
    }
}

macro_rules! skip {
    ($($tr:ident :: $m:ident),* $(,)?) => {
        $(impl ser::$tr for Skip {
            type Ok = Value;
            type Error = Error;
            fn $m<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Error> { Ok(()) }
            fn end(self) -> Result<Value, Error> { Ok(Value::Null) }
        })*
    };
}
skip!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
);

impl ser::SerializeStructVariant for Skip {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::pruned;

    #[test]
    fn keeps_only_the_ways_to_the_patterns_and_whole_values_where_they_end() {
        let v = json!({
            "http": {
                "routers": {
                    "a": {"rule": "Host(`a`)", "observability": {"tracing": false, "x": 1}},
                    "b": {"rule": "Host(`b`)"}
                },
                "services": {"s": {"loadBalancer": {"servers": [{"url": "u"}]}}}
            },
            "tcp": {"routers": {"t": {"tls": {"certResolver": "le", "domains": [{"main": "d"}]}}}}
        });
        let got = pruned(
            &v,
            &[
                "http.routers.*.observability",
                "tcp.routers.*.tls.domains",
                "udp.routers",
            ],
        );
        assert_eq!(
            got,
            json!({
                "http": {"routers": {
                    "a": {"observability": {"tracing": false, "x": 1}}
                }},
                "tcp": {"routers": {"t": {"tls": {"domains": [{"main": "d"}]}}}}
            })
        );
    }

    #[test]
    fn structs_and_options_are_walked_like_maps() {
        #[derive(serde::Serialize)]
        struct Inner {
            keep: Option<u32>,
            drop: String,
        }
        #[derive(serde::Serialize)]
        struct Outer {
            inner: Option<Inner>,
            other: Vec<u8>,
        }
        let o = Outer {
            inner: Some(Inner {
                keep: Some(3),
                drop: "x".into(),
            }),
            other: vec![1],
        };
        assert_eq!(pruned(&o, &["inner.keep"]), json!({"inner": {"keep": 3}}));
    }
}
