//! Go (RE2) regular expressions compiled with the `regex` crate.
//!
//! The two dialects are close; this module bridges the differences that real rules hit:
//! - a `{` that does not start a repetition (`{2}`, `{2,}`, `{2,5}`) is a literal in Go but an
//!   error in Rust, so it is escaped (row 10 of the examples: `{domain:[a-z]+\.com}`);
//! - Go's `\d \w \s \b` are ASCII-only, Rust's are Unicode: they are rewritten to ASCII classes;
//! - inside a class, Go treats `[` (other than `[:name:]`), `&&` and `~~` literally.
//!
//! Not bridged (rejected here, accepted by Go): `\Q...\E` quoting.

use regex::Regex;

use crate::error::ErrorKind;

/// Compiles a Go regular expression used by `matcher`.
pub(crate) fn compile(matcher: &'static str, pattern: &str) -> Result<Regex, ErrorKind> {
    Regex::new(&translate(pattern)).map_err(|e| ErrorKind::Regex {
        matcher,
        error: summarize(&e),
    })
}

/// The regex crate's syntax errors span several lines (pattern, caret, message): keep the message.
pub(crate) fn summarize(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .map_or_else(|| text.replace('\n', " "), str::to_owned)
}

/// Rewrites Go syntax into equivalent Rust `regex` syntax.
pub(crate) fn translate(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    out.push('\\');
                    break;
                };
                match (next, in_class) {
                    ('d', _) => out.push_str("[0-9]"),
                    ('D', _) => out.push_str("[^0-9]"),
                    ('w', _) => out.push_str("[0-9A-Za-z_]"),
                    ('W', _) => out.push_str("[^0-9A-Za-z_]"),
                    ('s', _) => out.push_str("[\\t\\n\\f\\r ]"),
                    ('S', _) => out.push_str("[^\\t\\n\\f\\r ]"),
                    ('b', false) => out.push_str("(?-u:\\b)"),
                    ('B', false) => out.push_str("(?-u:\\B)"),
                    _ => {
                        out.push('\\');
                        out.push(next);
                    }
                }
                i += 2;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // A `]` right after `[` or `[^` is a literal.
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                continue;
            }
            '[' if chars.get(i + 1) == Some(&':') => {
                // POSIX class `[:alpha:]` inside a bracket expression: copy through `:]`.
                let rest: String = chars[i..].iter().collect();
                match rest.find(":]") {
                    Some(end) => {
                        out.push_str(&rest[..end + 2]);
                        i += rest[..end + 2].chars().count();
                    }
                    None => {
                        out.push_str("\\[");
                        i += 1;
                    }
                }
                continue;
            }
            '[' | '&' | '~' if in_class => out.push('\\'),
            ']' if in_class => in_class = false,
            '{' if !in_class => match repetition_len(&chars[i..]) {
                Some(len) => {
                    out.extend(&chars[i..i + len]);
                    i += len;
                    continue;
                }
                None => out.push('\\'),
            },
            '}' if !in_class => out.push('\\'),
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Length of a repetition `{n}`, `{n,}` or `{n,m}` at the start of `s`, if there is one.
fn repetition_len(s: &[char]) -> Option<usize> {
    let mut i = 1;
    let digits = |i: &mut usize| {
        let start = *i;
        while s.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return None;
    }
    if s.get(i) == Some(&',') {
        i += 1;
        digits(&mut i);
    }
    (s.get(i) == Some(&'}')).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(re: &str, s: &str) -> bool {
        compile("test", re).expect("compiles").is_match(s)
    }

    #[test]
    fn literal_braces_and_repetitions() {
        assert!(is_match(r"{domain:[a-z]+\.com}", "{domain:abc.com}"));
        assert!(!is_match(r"{domain:[a-z]+\.com}", "example.com"));
        assert!(is_match(r"^a{2}$", "aa"));
        assert!(is_match(r"^a{2,}$", "aaa"));
        assert!(is_match(r"^a{1,2}}$", "a}"));
        assert!(is_match(r"^a{,2}$", "a{,2}"));
    }

    #[test]
    fn ascii_classes() {
        assert!(!is_match(r"^\d$", "٣"));
        assert!(is_match(r"^[\d\s]+$", "1 2"));
        assert!(!is_match(r"^\w+$", "é"));
        assert!(is_match(r"^[[:alpha:]]+$", "abc"));
        assert!(is_match(r"^[[]$", "["));
        assert!(is_match(r"^[]a]+$", "]a"));
        assert!(is_match(r"^[a&&b]+$", "&"));
        assert!(is_match(r"\bfoo\b", "a foo b"));
    }

    #[test]
    fn errors_are_one_line() {
        let Err(ErrorKind::Regex { error, .. }) = compile("PathRegexp", "(x") else {
            panic!("expected a regex error");
        };
        assert!(!error.contains('\n'), "{error}");
        assert!(error.contains("unclosed"), "{error}");
    }
}
