//! Provider settings from environment variables, read the way lego reads them: a variable
//! `NAME`, or when it is unset or empty, the content of the file named by `NAME_FILE` (one
//! trailing newline removed); aliases are tried in order (`CF_DNS_API_TOKEN`, then
//! `CLOUDFLARE_DNS_API_TOKEN`).
//!
//! Stricter than lego on purpose: an unreadable `_FILE` or a value that is not a
//! non-negative integer is an error naming the variable, where lego silently falls back to
//! its default.

use std::time::Duration;

use super::DnsError;

/// Reads one provider's variables through the lookup function handed to `from_env`.
pub(crate) struct Env<'a> {
    provider: &'static str,
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

// === impl Env ===

impl<'a> Env<'a> {
    pub(crate) fn new(provider: &'static str, lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { provider, lookup }
    }

    /// An error prefixed with the provider name, as lego's errors are (`rfc2136: ...`).
    pub(crate) fn error(&self, msg: impl std::fmt::Display) -> DnsError {
        DnsError(format!("{}: {msg}", self.provider))
    }

    /// The first of `names` that is set (directly or through `<NAME>_FILE`).
    pub(crate) fn get(&self, names: &[&str]) -> Result<Option<String>, DnsError> {
        for name in names {
            if let Some(v) = (self.lookup)(name).filter(|v| !v.is_empty()) {
                return Ok(Some(v));
            }
            let file_var = format!("{name}_FILE");
            if let Some(path) = (self.lookup)(&file_var).filter(|v| !v.is_empty()) {
                let content = std::fs::read_to_string(&path).map_err(|e| {
                    self.error(format!("cannot read {path} (from {file_var}): {e}"))
                })?;
                let content = content.strip_suffix('\n').unwrap_or(&content);
                if !content.is_empty() {
                    return Ok(Some(content.to_string()));
                }
            }
        }
        Ok(None)
    }

    /// Like [`Env::get`], but a missing value is an error naming the variable(s).
    pub(crate) fn required(&self, names: &[&str]) -> Result<String, DnsError> {
        self.get(names)?.ok_or_else(|| {
            let names = names
                .iter()
                .map(|n| format!("{n} (or {n}_FILE)"))
                .collect::<Vec<_>>();
            self.error(format!(
                "missing environment variable {}",
                names.join(", or ")
            ))
        })
    }

    /// A number of seconds (lego's `GetOrDefaultSecond`), `default` when unset.
    pub(crate) fn seconds(&self, name: &str, default: Duration) -> Result<Duration, DnsError> {
        Ok(self
            .int(name)?
            .map_or(default, |s| Duration::from_secs(u64::from(s))))
    }

    /// A non-negative integer, `None` when unset.
    pub(crate) fn int(&self, name: &str) -> Result<Option<u32>, DnsError> {
        match self.get(&[name])? {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<u32>()
                .map(Some)
                .map_err(|_| self.error(format!("{name}={v:?} is not a non-negative integer"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(map: HashMap<&'static str, String>) -> impl Fn(&str) -> Option<String> {
        move |k| map.get(k).cloned()
    }

    #[test]
    fn value_file_alias_and_numbers() {
        let file = std::env::temp_dir().join(format!("waygate-env-test-{}", std::process::id()));
        std::fs::write(&file, "from-file\n").expect("write temp file");
        let f = lookup(HashMap::from([
            ("A", "direct".to_string()),
            ("B_FILE", file.display().to_string()),
            ("N", "90".to_string()),
            ("BAD", "1m".to_string()),
        ]));
        let env = Env::new("test", &f);
        assert_eq!(env.get(&["A"]).ok().flatten().as_deref(), Some("direct"));
        assert_eq!(env.get(&["B"]).ok().flatten().as_deref(), Some("from-file"));
        assert_eq!(
            env.get(&["MISSING", "A"]).ok().flatten().as_deref(),
            Some("direct")
        );
        assert_eq!(
            env.seconds("N", Duration::ZERO).ok(),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            env.seconds("UNSET", Duration::from_secs(2)).ok(),
            Some(Duration::from_secs(2))
        );
        let bad = env
            .seconds("BAD", Duration::ZERO)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert!(bad.contains("BAD=\"1m\""), "{bad}");
        let missing = env
            .required(&["X_NAMESERVER"])
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert_eq!(
            missing,
            "test: missing environment variable X_NAMESERVER (or X_NAMESERVER_FILE)"
        );
        let _ = std::fs::remove_file(file);
    }
}
