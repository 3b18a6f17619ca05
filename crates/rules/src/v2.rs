//! ruleSyntax v2 specifics: gorilla/mux templates (`{name}`, `{name:regexp}`) and `k=v` queries.
//!
//! A template becomes an anchored regexp: literal text is escaped, `{name}` takes the default
//! pattern of its position (`[^/]+` in paths, `[^.]+` in hosts, `.*` in query values) and
//! `{name:re}` becomes `(?:re)`. Braces inside a variable pattern must be balanced, as in mux.

use regex::Regex;

use crate::error::ErrorKind;
use crate::goregex;

/// Where a template is used, which decides anchoring and the default variable pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Template {
    /// `Path`: the whole path.
    Path,
    /// `PathPrefix`: a prefix of the path.
    Prefix,
    /// `HostRegexp`: the whole host.
    Host,
    /// A `Query` value: the whole value.
    QueryValue,
}

/// Whether `value` uses template variables (otherwise v2 `Path`/`PathPrefix` stay literal).
pub(crate) fn is_template(value: &str) -> bool {
    value.contains(['{', '}'])
}

/// Compiles a mux template to a regexp.
pub(crate) fn compile(
    matcher: &'static str,
    tpl: &str,
    kind: Template,
) -> Result<Regex, ErrorKind> {
    let default = match kind {
        Template::Path | Template::Prefix => "[^/]+",
        Template::Host => "[^.]+",
        Template::QueryValue => ".*",
    };
    let err = |reason| ErrorKind::Template { matcher, reason };
    let mut pattern = String::from("^");
    let mut rest = tpl;
    while let Some(open) = rest.find('{') {
        let (literal, var) = rest.split_at(open);
        if literal.contains('}') {
            return Err(err("unbalanced braces"));
        }
        pattern.push_str(&regex::escape(literal));
        let close = closing_brace(var).ok_or_else(|| err("unbalanced braces"))?;
        let inner = &var[1..close];
        let (name, re) = inner.split_once(':').unwrap_or((inner, ""));
        if name.is_empty() && re.is_empty() {
            return Err(err("empty variable `{}`"));
        }
        pattern.push_str("(?:");
        pattern.push_str(if re.is_empty() { default } else { re });
        pattern.push(')');
        rest = &var[close + 1..];
    }
    if rest.contains('}') {
        return Err(err("unbalanced braces"));
    }
    pattern.push_str(&regex::escape(rest));
    if tpl.is_empty() && kind == Template::QueryValue {
        pattern.push_str(default);
    }
    if kind != Template::Prefix {
        pattern.push('$');
    }
    goregex::compile(matcher, &pattern)
}

/// Index of the `}` closing the `{` at index 0, counting nesting.
fn closing_brace(s: &str) -> Option<usize> {
    let mut level = 0usize;
    for (i, b) in s.bytes().enumerate() {
        match b {
            b'{' => level += 1,
            b'}' => {
                level = level.checked_sub(1)?;
                if level == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits a v2 `Query` argument `key=value`.
pub(crate) fn query_pair(arg: &str) -> Result<(&str, &str), ErrorKind> {
    arg.split_once('=')
        .ok_or_else(|| ErrorKind::QueryPair(arg.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(tpl: &str, kind: Template) -> Regex {
        compile("test", tpl, kind).expect("valid template")
    }

    #[test]
    fn templates() {
        let r = re("/api/{id:[0-9]+}/x", Template::Path);
        assert!(r.is_match("/api/12/x") && !r.is_match("/api/ab/x") && !r.is_match("/api/1/x/y"));
        let r = re("/user/{name}", Template::Prefix);
        assert!(r.is_match("/user/bob/profile") && !r.is_match("/user/"));
        let r = re("{sub}.example.com", Template::Host);
        assert!(r.is_match("a.example.com") && !r.is_match("a.b.example.com"));
        let r = re("{x:a{2}}.com", Template::Host);
        assert!(r.is_match("aa.com") && !r.is_match("a.com"));
        assert!(re("", Template::QueryValue).is_match("anything"));
        assert!(re("{v}", Template::QueryValue).is_match(""));
        for bad in ["/{", "/}", "/{a", "/{}", "a}{b"] {
            assert!(compile("Path", bad, Template::Path).is_err(), "{bad}");
        }
    }

    #[test]
    fn query_pairs() {
        assert_eq!(query_pair("a=b=c"), Ok(("a", "b=c")));
        assert!(query_pair("a").is_err());
    }
}
