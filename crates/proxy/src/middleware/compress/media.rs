//! Media types as Go's `mime.ParseMediaType` reads them, and the content-type lists of
//! `compress` (`excludedContentTypes` / `includedContentTypes`) matched as Traefik and
//! klauspost's `gzhttp` match them: same media type, and when the list entry has parameters,
//! exactly the same parameters. RFC 2231 continuations (`name*0=`) are kept as plain names.

/// A parsed media type: lower-case `type/subtype` and its parameters (names lower-cased,
/// values unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MediaType {
    pub(crate) essence: String,
    pub(crate) params: Vec<(String, String)>,
}

/// Why a media type did not parse; Go still returns the media type for a bad parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MediaError {
    /// No usable `type/subtype`.
    Type,
    /// The type is fine, a parameter is not (Go's `ErrInvalidMediaParameter`).
    Param(String),
    /// A parameter name appears twice.
    Duplicate,
}

/// Go's `mime.ParseMediaType`.
pub(crate) fn parse(v: &str) -> Result<MediaType, MediaError> {
    let base = v.split(';').next().unwrap_or_default();
    let essence = base.to_lowercase().trim().to_string();
    check_type(&essence).ok_or(MediaError::Type)?;
    let mut params: Vec<(String, String)> = Vec::new();
    let mut rest = &v[base.len()..];
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let Some((key, value, after)) = param(rest) else {
            if rest.trim() == ";" {
                break; // a trailing semicolon is not an error
            }
            return Err(MediaError::Param(essence));
        };
        if params.iter().any(|(k, _)| *k == key) {
            return Err(MediaError::Duplicate);
        }
        params.push((key, value));
        rest = after;
    }
    Ok(MediaType { essence, params })
}

// === impl MediaType ===

impl MediaType {
    /// Whether `other` is this list entry's type: same essence and, if the entry has
    /// parameters, the same set of them.
    pub(crate) fn matches(&self, other: &MediaType) -> bool {
        self.essence == other.essence
            && (self.params.is_empty()
                || (self.params.len() == other.params.len()
                    && self
                        .params
                        .iter()
                        .all(|(k, v)| other.params.iter().any(|(k2, v2)| k == k2 && v == v2))))
    }
}

/// Go's `checkMediaTypeDisposition`: a token, optionally `/` and another token.
fn check_type(s: &str) -> Option<()> {
    let (typ, rest) = token(s);
    if typ.is_empty() {
        return None;
    }
    if rest.is_empty() {
        return Some(());
    }
    let (sub, rest) = token(rest.strip_prefix('/')?);
    (!sub.is_empty() && rest.is_empty()).then_some(())
}

fn is_special(c: char) -> bool {
    "()<>@,;:\\\"/[]?=".contains(c)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii() && c > ' ' && c != '\x7f' && !is_special(c)
}

fn token(s: &str) -> (&str, &str) {
    let end = s.find(|c| !is_token_char(c)).unwrap_or(s.len());
    s.split_at(end)
}

/// Go's `consumeMediaParam`: `; name=value` (a token or a quoted string).
fn param(v: &str) -> Option<(String, String, &str)> {
    let rest = v.trim_start().strip_prefix(';')?.trim_start();
    let (name, rest) = token(rest);
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let (value, rest) = value(rest)?;
    Some((name.to_lowercase(), value, rest))
}

/// Go's `consumeValue`.
fn value(v: &str) -> Option<(String, &str)> {
    let Some(quoted) = v.strip_prefix('"') else {
        let (t, rest) = token(v);
        return (!t.is_empty()).then(|| (t.to_string(), rest));
    };
    let mut out = String::new();
    let mut chars = quoted.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &quoted[i + 1..])),
            // Only a special character is escaped; another backslash is literal (MSIE paths).
            '\\' if chars.peek().is_some_and(|(_, n)| is_special(*n)) => {
                if let Some((_, n)) = chars.next() {
                    out.push(n);
                }
            }
            '\r' | '\n' => return None,
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mt(essence: &str, params: &[(&str, &str)]) -> MediaType {
        MediaType {
            essence: essence.into(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        }
    }

    #[test]
    fn parses_as_go() {
        assert_eq!(parse("text/html"), Ok(mt("text/html", &[])));
        assert_eq!(parse(" Text/HTML "), Ok(mt("text/html", &[])));
        assert_eq!(
            parse("text"),
            Ok(mt("text", &[])),
            "a lone type is accepted"
        );
        assert_eq!(
            parse("text/html; Charset=\"utf-8\";"),
            Ok(mt("text/html", &[("charset", "utf-8")]))
        );
        assert_eq!(
            parse("a/b;x=\"q\\\"t\\d\""),
            Ok(mt("a/b", &[("x", "q\"t\\d")]))
        );
        assert_eq!(parse(""), Err(MediaError::Type));
        assert_eq!(parse("text/"), Err(MediaError::Type));
        assert_eq!(parse("text/html/x"), Err(MediaError::Type));
        assert_eq!(
            parse("text/html; charset"),
            Err(MediaError::Param("text/html".into()))
        );
        assert_eq!(parse("a/b; x=1; X=2"), Err(MediaError::Duplicate));
    }

    #[test]
    fn list_entries_match_with_or_without_parameters() {
        let entry = parse("text/html").expect("entry");
        assert!(entry.matches(&parse("text/html; charset=utf-8").expect("ct")));
        let strict = parse("text/html; charset=utf-8").expect("entry");
        assert!(strict.matches(&parse("TEXT/html;charset=utf-8").expect("ct")));
        assert!(!strict.matches(&parse("text/html").expect("ct")));
        assert!(!strict.matches(&parse("text/html; charset=utf-8; q=1").expect("ct")));
        assert!(!strict.matches(&parse("text/html; charset=latin1").expect("ct")));
    }
}
