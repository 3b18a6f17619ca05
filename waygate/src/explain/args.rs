//! `explain`'s own arguments, taken out before the rest goes to the common flag parser: the
//! request (`'GET https://host/path'`, or `GET https://…` as two words, or a bare URL for
//! `GET`), curl's `-H 'K: V'` (repeatable) and `-X METHOD`, `--entryPoint` and `--clientIP`.
//! Everything else (`--configFile`, `--format`, static flags) is passed through.

/// The parsed `explain` arguments.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ExplainArgs {
    pub(crate) method: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) entry_point: Option<String>,
    pub(crate) client_ip: Option<String>,
    /// For `args::parse`.
    pub(crate) rest: Vec<String>,
}

pub(crate) fn split(argv: &[String]) -> Result<ExplainArgs, String> {
    let mut out = ExplainArgs::default();
    let mut i = 0;
    let urlish = |s: &str| s.contains("://");
    while i < argv.len() {
        let arg = &argv[i];
        i += 1;
        if urlish(arg) && !arg.starts_with('-') {
            match arg.trim().split_once(char::is_whitespace) {
                Some((method, url)) => {
                    out.method = Some(method.to_string());
                    out.url = Some(url.trim().to_string());
                }
                None => out.url = Some(arg.trim().to_string()),
            }
            continue;
        }
        if !arg.starts_with('-') {
            if argv.get(i).is_some_and(|next| urlish(next)) && is_method(arg) {
                out.method = Some(arg.clone());
                continue;
            }
            return Err(format!(
                "unexpected argument `{arg}` (the request looks like 'GET https://host/path')"
            ));
        }
        let body = arg.trim_start_matches('-');
        let (key, inline) = match body.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (body, None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None if i < argv.len() => {
                    i += 1;
                    Ok(argv[i - 1].clone())
                }
                None => Err(format!("{arg} needs {what}")),
            }
        };
        match key.to_ascii_lowercase().as_str() {
            "h" | "header" => {
                let line = value("a header line ('K: V')")?;
                let (k, v) = line
                    .split_once(':')
                    .ok_or_else(|| format!("header `{line}` is not 'Name: value'"))?;
                out.headers
                    .push((k.trim().to_string(), v.trim().to_string()));
            }
            "x" | "request" => out.method = Some(value("a method")?),
            "entrypoint" => out.entry_point = Some(value("an entry point name")?),
            "clientip" => out.client_ip = Some(value("an IP address")?),
            _ => {
                out.rest.push(arg.clone());
                // `--key value`: keep the value with its flag (as `args::parse` reads it).
                if inline.is_none()
                    && let Some(next) = argv.get(i)
                    && !next.starts_with('-')
                    && !urlish(next)
                    && !(is_method(next) && argv.get(i + 1).is_some_and(|n| urlish(n)))
                    && crate::args::takes_value(body)
                {
                    out.rest.push(next.clone());
                    i += 1;
                }
            }
        }
    }
    Ok(out)
}

/// An HTTP method token (upper-case letters, as methods are written).
fn is_method(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(args: &[&str]) -> ExplainArgs {
        split(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>()).expect("split")
    }

    #[test]
    fn request_headers_and_pass_through() {
        let a = s(&[
            "--configFile=t.yml",
            "GET https://app.example.com/api?x=1",
            "-H",
            "X-Env: canary",
            "--header=Accept:*/*",
            "--entryPoint",
            "websecure",
            "--clientIP=10.0.0.1",
            "--format",
            "json",
        ]);
        assert_eq!(a.method.as_deref(), Some("GET"));
        assert_eq!(a.url.as_deref(), Some("https://app.example.com/api?x=1"));
        assert_eq!(
            a.headers,
            [
                ("X-Env".to_string(), "canary".to_string()),
                ("Accept".to_string(), "*/*".to_string())
            ]
        );
        assert_eq!(a.entry_point.as_deref(), Some("websecure"));
        assert_eq!(a.client_ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(a.rest, ["--configFile=t.yml", "--format", "json"]);
    }

    #[test]
    fn method_and_url_as_two_words_or_curl_style() {
        let a = s(&["--format", "POST", "http://x/"]);
        assert_eq!(a.rest, ["--format"]);
        assert_eq!(
            (a.method.as_deref(), a.url.as_deref()),
            (Some("POST"), Some("http://x/"))
        );
        let a = s(&["-X", "DELETE", "http://x/"]);
        assert_eq!(a.method.as_deref(), Some("DELETE"));
        let a = s(&["http://x/"]);
        assert_eq!((a.method, a.url.as_deref()), (None, Some("http://x/")));
        assert!(split(&["stray".to_string()]).is_err());
        assert!(split(&["-H".to_string(), "no colon".to_string()]).is_err());
    }
}
