//! What Traefik adds to sprig: `normalize` everywhere, and for the file provider Go's
//! `strings.Split` in place of sprig's `split` (`pkg/provider/file/file.go`:
//! `split "a,b" ","` is the list `[a b]`, the string first).

use super::args::{str, strings};
use super::strings::go_split;
use super::{Func, Funcs};
use crate::value::Value;

/// Traefik's `provider.Normalize`: the runs of letters and digits joined with `-`
/// (`web_shop` → `web-shop`, `/my_app.1` → `my-app-1`).
pub fn normalize(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

// === impl Funcs ===

impl Funcs {
    /// The file provider's functions: sprig, `normalize`, and `split` as `strings.Split`.
    pub fn traefik_file() -> Self {
        Self::traefik_default_rule().with(
            "split",
            Func::new(2, Some(2), |a: &[Value]| {
                strings(go_split(str(&a[0])?, str(&a[1])?, -1))
            }),
        )
    }

    /// `providers.docker.defaultRule`'s functions: sprig and `normalize`.
    pub fn traefik_default_rule() -> Self {
        Self::sprig().with(
            "normalize",
            Func::new(1, Some(1), |a: &[Value]| {
                Ok(Value::Str(normalize(str(&a[0])?)))
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn runs_of_separators_become_one_dash() {
        assert_eq!(normalize("web_shop"), "web-shop");
        assert_eq!(normalize("/my_app.1"), "my-app-1");
        assert_eq!(normalize("a__..b"), "a-b");
        assert_eq!(normalize("plain"), "plain");
        assert_eq!(normalize("-x-"), "x");
    }
}
