//! Request path hygiene before routing (reference §1.2 `sanitizePath`): RFC 3986 dot-segment
//! removal and `//` collapsing. The cleaned path is what routers match and backends receive.

use std::borrow::Cow;

/// Removes `.`/`..` segments and collapses repeated slashes. Keeps a trailing slash.
pub fn sanitize(path: &str) -> Cow<'_, str> {
    let needs = path.contains("//")
        || path.split('/').any(|s| s == "." || s == "..")
        || !path.starts_with('/');
    if !needs {
        return Cow::Borrowed(path);
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut s = String::with_capacity(path.len());
    for seg in &out {
        s.push('/');
        s.push_str(seg);
    }
    if s.is_empty() || (trailing && !s.ends_with('/')) {
        s.push('/');
    }
    Cow::Owned(s)
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn cleans_dots_and_slashes() {
        for (input, want) in [
            ("/", "/"),
            ("/a/b", "/a/b"),
            ("/a//b", "/a/b"),
            ("/a/./b", "/a/b"),
            ("/a/../b", "/b"),
            ("/../../etc/passwd", "/etc/passwd"),
            ("/a/b/", "/a/b/"),
            ("/a/b/..", "/a/"),
            ("", "/"),
            ("a", "/a"),
        ] {
            assert_eq!(sanitize(input), want, "{input}");
        }
    }
}
