//! `digestAuth`: HTTP Digest authentication against `name:realm:hash` users.

use serde::{Deserialize, Serialize};

use super::basic_auth::check_users;
use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DigestAuth {
    /// `name:realm:md5(name:realm:password)` entries.
    pub users: Vec<String>,
    pub users_file: String,
    pub realm: String,
    pub header_field: String,
    pub remove_header: bool,
}

impl Default for DigestAuth {
    fn default() -> Self {
        Self {
            users: Vec::new(),
            users_file: String::new(),
            realm: "traefik".to_string(),
            header_field: String::new(),
            remove_header: false,
        }
    }
}

impl Validate for DigestAuth {
    fn validate(&self, scope: &mut Scope<'_>) {
        let hashes = check_users(scope, &self.users, &self.users_file, 3, "name:realm:hash");
        for (i, hash) in hashes {
            if hash.len() != 32 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                scope.warning(
                    &format!("users[{i}]"),
                    IssueKind::InvalidValue,
                    "the hash is not an MD5 hex digest (32 hex digits); this user can never log in",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{decode_yaml, validate_issues};

    #[test]
    fn decodes_and_validates() {
        let d: DigestAuth = decode_yaml(
            "users: ['test:traefik:a2688e031edb4be6a3797f3882655c05']\nheaderField: X-WebAuth-User",
        );
        assert_eq!(d.realm, "traefik");
        assert_eq!(d.header_field, "X-WebAuth-User");
        assert!(validate_issues(&d).is_empty());
        let d: DigestAuth = decode_yaml("users: ['test:traefik', 'a:b:nothex']");
        assert_eq!(
            validate_issues(&d),
            [
                "users[0]: invalid user entry starting with `test`: expected `name:realm:hash`",
                "users[1]: the hash is not an MD5 hex digest (32 hex digits); this user can never log in",
            ]
        );
    }
}
