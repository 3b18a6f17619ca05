//! `RFC2136_TSIG_FILE`: a key file as written by BIND's `tsig-keygen` (and Knot's
//! `keymgr -t`), read like lego reads it: the first `key "<name>" { algorithm ..; secret
//! ".."; };` block.

/// Name, algorithm and base64 secret of the key in a `tsig-keygen` file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct KeyFile {
    pub(crate) name: String,
    pub(crate) algorithm: String,
    pub(crate) secret: String,
}

/// Parses the file content; a block without a name or secret is an error.
pub(crate) fn parse(content: &str) -> Result<KeyFile, String> {
    let mut key = KeyFile {
        name: String::new(),
        algorithm: String::new(),
        secret: String::new(),
    };
    let mut reading = false;
    for line in content.lines() {
        let line = line.trim();
        let line = line.strip_suffix(';').unwrap_or(line).trim();
        if line.is_empty() {
            continue;
        }
        if reading && line == "}" {
            break;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["key", name, "{"] => {
                reading = true;
                key.name = unquote(name).to_string();
            }
            ["key", ..] => return Err(format!("invalid key line: {line}")),
            _ if !reading => {}
            ["algorithm", v] => key.algorithm = unquote(v).to_string(),
            ["secret", v] => key.secret = unquote(v).to_string(),
            _ => {}
        }
    }
    if key.name.is_empty() || key.secret.is_empty() {
        return Err("no `key \"<name>\" { ... secret \"...\"; }` block found".into());
    }
    Ok(key)
}

fn unquote(v: &str) -> &str {
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsig_keygen_output() {
        let file = "key \"example.com\" {\n\talgorithm hmac-sha256;\n\tsecret \"c2VjcmV0\";\n};\n";
        assert_eq!(
            parse(file),
            Ok(KeyFile {
                name: "example.com".into(),
                algorithm: "hmac-sha256".into(),
                secret: "c2VjcmV0".into()
            })
        );
        assert!(parse("# nothing here\n").is_err());
        assert!(parse("key broken\n").is_err());
    }
}
