//! `encodedCharacters` (since 3.7): reject paths with selected percent-encoded characters.

use serde::{Deserialize, Serialize};

use crate::validate::{Scope, Validate};

/// Every option defaults to false: the middleware rejects (400) what is not allowed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EncodedCharacters {
    /// `%2F`.
    pub allow_encoded_slash: bool,
    /// `%5C`.
    pub allow_encoded_back_slash: bool,
    /// `%00`.
    pub allow_encoded_null_character: bool,
    /// `%3B`.
    pub allow_encoded_semicolon: bool,
    /// `%25`.
    pub allow_encoded_percent: bool,
    /// `%3F`.
    pub allow_encoded_question_mark: bool,
    /// `%23`.
    pub allow_encoded_hash: bool,
}

impl Validate for EncodedCharacters {
    fn validate(&self, _scope: &mut Scope<'_>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_and_validates() {
        let e: EncodedCharacters = decode_yaml("{}");
        assert_eq!(e, EncodedCharacters::default());
        let e: EncodedCharacters = decode_yaml(
            "allowEncodedSlash: true\nallowEncodedBackSlash: true\nallowEncodedHash: true",
        );
        assert!(e.allow_encoded_slash && e.allow_encoded_back_slash && e.allow_encoded_hash);
        assert!(!e.allow_encoded_percent);
        assert!(validate_issues(&e).is_empty());
    }
}
