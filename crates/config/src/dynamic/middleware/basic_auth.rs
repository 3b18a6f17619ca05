//! `basicAuth`: HTTP Basic authentication against `name:hash` users.

use serde::{Deserialize, Serialize};

use crate::issue::IssueKind;
use crate::validate::{Scope, Validate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BasicAuth {
    /// `name:hash` entries (MD5 `$apr1$`, SHA1 `{SHA}`, bcrypt `$2y$`/`$2a$`/`$2b$`).
    pub users: Vec<String>,
    /// A file with one `name:hash` per line (merged; `users` wins).
    pub users_file: String,
    pub realm: String,
    /// Header set to the authenticated user name.
    pub header_field: String,
    /// Strip `Authorization` before forwarding.
    pub remove_header: bool,
}

impl Default for BasicAuth {
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

/// Checks `users` entries have exactly `fields` non-empty `:`-separated parts (`format` is
/// shown in messages); returns the entries' last parts (hashes) with their index.
pub(crate) fn check_users<'u>(
    scope: &mut Scope<'_>,
    users: &'u [String],
    users_file: &str,
    fields: usize,
    format: &str,
) -> Vec<(usize, &'u str)> {
    if users.is_empty() && users_file.is_empty() {
        scope.warning(
            "users",
            IssueKind::Missing,
            "no users or usersFile: every request is rejected",
        );
    }
    let mut hashes = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let parts: Vec<&str> = user.split(':').collect();
        if parts.len() != fields || parts.iter().any(|p| p.is_empty()) {
            let shown = user.split(':').next().unwrap_or_default();
            scope.error(
                &format!("users[{i}]"),
                IssueKind::InvalidValue,
                format!("invalid user entry starting with `{shown}`: expected `{format}`"),
            );
        } else if let Some(hash) = parts.last() {
            hashes.push((i, *hash));
        }
    }
    hashes
}

impl Validate for BasicAuth {
    fn validate(&self, scope: &mut Scope<'_>) {
        let hashes = check_users(scope, &self.users, &self.users_file, 2, "name:hash");
        for (i, hash) in hashes {
            let known = ["$apr1$", "$1$", "{SHA}", "$2y$", "$2a$", "$2b$"];
            if !known.iter().any(|p| hash.starts_with(p)) {
                scope.warning(
                    &format!("users[{i}]"),
                    IssueKind::InvalidValue,
                    "unrecognized password hash (expected MD5 `$apr1$`, SHA1 `{SHA}` or bcrypt `$2y$`); this user can never log in",
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
        let b: BasicAuth = decode_yaml(
            "users:\n  - 'test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/'\n  - 'test2:$2y$05$ZxVlZ1mJ'\nremoveHeader: true",
        );
        assert_eq!(b.realm, "traefik");
        assert!(b.remove_header);
        assert!(validate_issues(&b).is_empty());
        let b: BasicAuth = decode_yaml("usersFile: /etc/users\nrealm: Secure");
        assert_eq!(b.realm, "Secure");
        assert!(validate_issues(&b).is_empty());
    }

    #[test]
    fn reports_problems() {
        assert_eq!(
            validate_issues(&BasicAuth::default()),
            ["users: no users or usersFile: every request is rejected"]
        );
        let b: BasicAuth = decode_yaml("users: ['alice', 'bob:plain', ':$apr1$x']");
        let issues = validate_issues(&b);
        assert_eq!(issues.len(), 3, "{issues:?}");
        assert_eq!(
            issues[0],
            "users[0]: invalid user entry starting with `alice`: expected `name:hash`"
        );
        assert!(
            issues[1].starts_with("users[2]: invalid user entry"),
            "{issues:?}"
        );
        assert!(issues[2].starts_with("users[1]: unrecognized password hash"));
    }
}
