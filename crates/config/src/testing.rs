//! Test helpers shared by the model's unit tests.

use serde::de::DeserializeOwned;

use crate::decode::decode;
use crate::format::parse_yaml;
use crate::validate::{Scope, Validate};

/// Decodes YAML into `T`, panicking (with the issues) if anything is wrong.
pub(crate) fn decode_yaml<T: DeserializeOwned>(yaml: &str) -> T {
    let node = parse_yaml(yaml).expect("test YAML must parse");
    match decode::<T>(&node, "", "test.yml").clean() {
        Ok(v) => v,
        Err(issues) => panic!("decode failed: {issues:#?}"),
    }
}

/// Decodes YAML into `T` and returns the rendered issues (unknown keys, bad values).
pub(crate) fn decode_issues<T: DeserializeOwned>(yaml: &str) -> Vec<String> {
    let node = parse_yaml(yaml).expect("test YAML must parse");
    decode::<T>(&node, "", "test.yml")
        .issues
        .iter()
        .map(|i| format!("{}: {}", i.key_path, i.message))
        .collect()
}

/// Validates `value` at the root path and returns `"key.path: message"` strings.
pub(crate) fn validate_issues<T: Validate>(value: &T) -> Vec<String> {
    let mut issues = Vec::new();
    value.validate(&mut Scope::new(&mut issues, ""));
    issues
        .iter()
        .map(|i| format!("{}: {}", i.key_path, i.message))
        .collect()
}
