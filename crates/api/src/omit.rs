//! Go's `omitempty`: Traefik's configuration types omit zero values from their JSON (`false`,
//! `0`, `""`, empty lists, zero durations), while Waygate's serialize every field. Dropping
//! them gives the members Traefik shows. Objects always stay (Go keeps empty structs, such as
//! a router's `tls: {}`), and so do the fields that are pointers in Go (`*bool`, `*int`),
//! whose zero is a value: `passHostHeader: false`, `weight: 0`.

use serde_json::{Map, Value};

/// Members that are pointers in Traefik's types: a `false` or `0` there is shown.
const POINTERS: &[&str] = &[
    "accessLogs",
    "followRedirects",
    "forceSlash",
    "maxBodySize",
    "metrics",
    "mirrorBody",
    "passHostHeader",
    "sanitizePath",
    "terminationDelay",
    "tracing",
    "weight",
];

/// Drops zero-valued members, recursively (into objects and lists of objects).
pub(crate) fn omit_zero(map: &mut Map<String, Value>) {
    map.retain(|k, v| {
        if POINTERS.contains(&k.as_str()) && (v.is_boolean() || v.is_number()) {
            return true;
        }
        match v {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::String(s) => !s.is_empty() && s != "0s",
            Value::Array(a) => {
                for item in a.iter_mut() {
                    if let Value::Object(o) = item {
                        omit_zero(o);
                    }
                }
                !a.is_empty()
            }
            Value::Object(o) => {
                omit_zero(o);
                true
            }
        }
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn zeros_go_pointers_stay() {
        let mut v = json!({"basicAuth": {"users": ["a"], "realm": "", "removeHeader": false},
            "loadBalancer": {"servers": [{"url": "u", "weight": 0, "preservePath": false}],
                "passHostHeader": false, "healthCheck": {"status": 0, "interval": "0s"}},
            "tls": {}});
        omit_zero(v.as_object_mut().unwrap());
        assert_eq!(
            v,
            json!({"basicAuth": {"users": ["a"]},
                "loadBalancer": {"servers": [{"url": "u", "weight": 0}],
                    "passHostHeader": false, "healthCheck": {}},
                "tls": {}})
        );
    }
}
